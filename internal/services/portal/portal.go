// Package portal is the resident-facing channel of the services engine:
// the list of services a person may start, one question per page in the
// GOV.UK pattern with save-and-come-back-later, check your answers,
// submission and confirmation, the person's requests with their timeline and
// messages, and assisted digital, where staff fill in the same pages for a
// resident who phoned or walked in.
//
// Every page is server-rendered and works without JavaScript. The engine
// (services.Service) decides who may do what; the portal only chooses what to
// show, so a refusal it does not anticipate is still a refusal.
package portal

import (
	"context"
	"embed"
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Person is someone of the organisation, as the portal shows them.
type Person struct {
	ID    string
	Name  string
	Email string
	// Recorded by staff about residents (assisted digital), when found.
	Phone, Postcode, BirthDate string
	// SignIn is false for a resident recorded by staff without an account.
	SignIn bool
}

// Born is the date of birth as people write it ("27 March 1984"), or "".
func (p Person) Born() string {
	t, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return p.BirthDate
	}
	return t.Format("2 January 2006")
}

// Options wire the portal to the rest of dbtp; cmd/dbtp fills them from
// identity (the portal does not import other modules).
type Options struct {
	// Now is the clock for date questions ("must be in the past"); default time.Now.
	Now func() time.Time
	// Person resolves a user ID of the subject's organisation, for person
	// questions and for showing whom staff are acting for. ok is false when
	// there is no such active user.
	Person func(ctx context.Context, sub *platform.Subject, id string) (p Person, ok bool, err error)
	// FindPeople searches the organisation's active staff by name or email
	// for person questions, a page at a time (after is the cursor of the
	// previous page; next is "" on the last). Without it person questions
	// find no one.
	FindPeople func(ctx context.Context, sub *platform.Subject, text, after string, limit int) (found []Person, next string, err error)
	// Addresses is the council's gazetteer; with it (and addresses loaded)
	// address questions offer "find the address by postcode".
	Addresses Addresses
	// FindResidents searches the organisation's residents by name or email,
	// date of birth and postcode, for staff choosing whom to act for.
	// Without it assisted digital is off.
	FindResidents func(ctx context.Context, sub *platform.Subject, q platform.ResidentQuery) ([]Person, error)
	// RecordCaller records someone without an account (see
	// platform.Directory.RecordCaller); without it staff can act only for
	// residents already known.
	RecordCaller func(ctx context.Context, sub *platform.Subject, c platform.Caller, duplicateChecked bool) (Person, []Person, error)
	// OrgName names an organisation on partners' pages ("NHS Kent and
	// Medway"); without it they are unnamed.
	OrgName func(ctx context.Context, orgID string) string
	// MaxUploadBytes bounds a question page's request body, and so the
	// largest file any question can take; default 10 MiB plus room for the
	// rest of the form. Each file question's own max_bytes is enforced too.
	MaxUploadBytes int64
	// AnonymousOrg is the organisation of signed-out visitors (cmd/dbtp:
	// the host organisation). With it, services whose start.who includes
	// anonymous can be used without an account after confirming an email
	// address; without it, every portal page needs sign-in.
	AnonymousOrg func(ctx context.Context) (orgID string, err error)
	// SentMessages lists what digital post sent the person about a case
	// of theirs (services.Post.MessagesTo); without it the request page
	// shows none.
	SentMessages func(ctx context.Context, sub *platform.Subject, caseID string) ([]services.CaseMessage, error)
}

type portal struct {
	svc  *services.Service
	opts Options
	held *heldAnswers
}

// Register adds the portal's pages and its "Services" navigation item.
//
// Several routes share a shape with another ("/services/requests/{ref}" and
// "/services/{id}/start"), which http.ServeMux refuses as a conflict, so
// those shapes are registered once and dispatched here: "requests" and
// "assist" (and "track") are therefore reserved and never service IDs of
// the portal.
func Register(srv *web.Server, svc *services.Service, opts Options) error {
	if err := srv.Renderer().Add(templates, "templates/portal/*.html"); err != nil {
		return err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = forms.DefaultMaxBytes
	}
	p := &portal{svc: svc, opts: opts, held: newHeldAnswers(24*time.Hour, opts.Now)}
	srv.Renderer().AddNav(web.NavItem{Label: "Services", Href: "/services", Order: 10})

	rt := srv.Router()
	// The page body carries files: allow the largest file plus the form.
	upload := web.MaxBody(opts.MaxUploadBytes + 1<<20)
	rt.Handle("GET /services", p.orAnon(p.list, p.list)) // signed out: the services that admit anonymous starts
	rt.Handle("GET /services/requests", signedIn(p.requests))
	rt.Handle("GET /registers/{service}", p.orAnon(p.register, p.register))
	rt.Handle("GET /registers/{service}/{reference}", p.orAnon(p.registerEntry, p.registerEntry))
	rt.Handle("GET /services/people", signedIn(p.peopleJSON)) // the person picker's script
	// Partners, under data-sharing agreements (partners.go).
	srv.Renderer().AddNav(web.NavItem{Label: "Referrals and shared services", Href: "/partners", Roles: []platform.Role{platform.RolePartner}, Order: 8})
	rt.Handle("GET /partners", signedIn(p.partners))
	rt.Handle("GET /partners/{dsa}/{id}/{action}", signedIn(p.journeyGet(p.partnerJourney)))
	rt.Handle("POST /partners/{dsa}/{id}/{action}", signedIn(p.partnerPost))
	rt.Handle("GET /partners/{dsa}/{id}/pages/{page}", signedIn(p.journeyPage(p.partnerJourney)))
	rt.Handle("POST /partners/{dsa}/{id}/pages/{page}", signedIn(p.journeyPagePost(p.partnerJourney)), upload)
	rt.Handle("GET /partners/{dsa}/{id}/confirmation/{reference}", signedIn(p.journeyConfirmation(p.partnerJourney)))
	rt.Handle("GET /partners/{dsa}/referrals/{ref}", signedIn(p.referral))
	rt.Handle("POST /partners/{dsa}/referrals/{ref}", signedIn(p.referral))
	rt.Handle("GET /services/assist", signedIn(p.assist))
	rt.Handle("GET /services/track", p.orAnon(p.signedInTrack, p.trackForm))
	rt.Handle("POST /services/track", p.orAnon(p.signedInTrack, p.trackPost))
	// These also serve signed-out visitors on services anonymous people
	// may use (anonymous.go); anything else sends them to sign in.
	rt.Handle("GET /services/{a}/{b}", p.orAnon(p.get3, p.anonGet3))
	rt.Handle("POST /services/{a}/{b}", p.orAnon(p.post3, p.anonPost3))
	rt.Handle("GET /services/{id}/pages/{page}", p.orAnon(p.selfPage, p.anonPage))
	rt.Handle("GET /services/{id}/confirmation/{reference}", signedIn(p.selfConfirmation))
	rt.Handle("GET /services/{id}/anonymous/{step}", p.orAnon(p.signedInAnonymous, p.anonStep))
	rt.Handle("POST /services/{a}/{b}/{c}", p.orAnon(p.post4, p.anonPost4), upload)
	rt.Handle("GET /services/assist/{user}/{id}/{action}", signedIn(p.journeyGet(p.assisted)))
	rt.Handle("GET /services/track/{ref}/move/{transition}", p.orAnon(p.signedInTrack, func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		return p.trackMovePage(w, r, sub, r.PathValue("ref"), r.PathValue("transition"), http.StatusOK, nil)
	}))
	rt.Handle("GET /services/requests/{ref}/files/{file}", signedIn(p.responseFile))
	rt.Handle("GET /services/requests/{ref}/move/{transition}", signedIn(func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		return p.move(w, r, sub, r.PathValue("ref"), r.PathValue("transition"), http.StatusOK, nil)
	}))
	rt.Handle("POST /services/assist/{user}/{id}/{action}", signedIn(p.assistPost))
	rt.Handle("GET /services/assist/{user}/{id}/pages/{page}", signedIn(p.journeyPage(p.assisted)))
	rt.Handle("POST /services/assist/{user}/{id}/pages/{page}", signedIn(p.journeyPagePost(p.assisted)), upload)
	rt.Handle("GET /services/assist/{user}/{id}/confirmation/{reference}", signedIn(p.journeyConfirmation(p.assisted)))
	return nil
}

// signedIn sends signed-out visitors to sign in. Anonymous starts go
// through orAnon instead, after email verification: an unverified address
// must not receive a complaint's correspondence.
func signedIn(h func(http.ResponseWriter, *http.Request, *platform.Subject) error) http.Handler {
	return web.RequireSignedIn(web.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return h(w, r, web.SubjectOf(r))
	}))
}

// get3 dispatches GET /services/{a}/{b}.
func (p *portal) get3(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	a, b := r.PathValue("a"), r.PathValue("b")
	switch a {
	case "requests":
		return p.track(w, r, sub, b, http.StatusOK, nil)
	case "assist":
		if b == "new" {
			return p.callerForm(w, r, sub, http.StatusOK, nil, nil)
		}
		return p.assistServices(w, r, sub, b)
	case "track":
		return p.signedInTrack(w, r, sub)
	}
	j, err := p.self(r, sub, a)
	if err != nil {
		return err
	}
	switch b {
	case "start":
		return p.start(w, r, j)
	case "check-answers":
		return p.checkAnswers(w, r, j, http.StatusOK, nil)
	case "saved":
		return p.saved(w, r, j)
	}
	return platform.NotFound("page")
}

// post3 dispatches POST /services/{a}/{b}.
func (p *portal) post3(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	a, b := r.PathValue("a"), r.PathValue("b")
	if a == "assist" && b == "new" {
		return p.recordCaller(w, r, sub)
	}
	if reserved(a) {
		return platform.NotFound("page")
	}
	j, err := p.self(r, sub, a)
	if err != nil {
		return err
	}
	switch b {
	case "check-answers":
		return p.submit(w, r, j)
	case "delete-draft":
		return p.deleteDraft(w, r, j)
	}
	return platform.NotFound("page")
}

// post4 dispatches POST /services/{a}/{b}/{c}: a question page, or a
// message or request on a case.
func (p *portal) post4(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	a, b, c := r.PathValue("a"), r.PathValue("b"), r.PathValue("c")
	if a == "requests" {
		switch c {
		case "messages":
			return p.reply(w, r, sub, b)
		case "transition":
			return p.transition(w, r, sub, b)
		}
		return platform.NotFound("page")
	}
	if a == "assist" || b != "pages" {
		return platform.NotFound("page")
	}
	j, err := p.self(r, sub, a)
	if err != nil {
		return err
	}
	return p.pagePost(w, r, j, c)
}

func (p *portal) selfPage(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if reserved(r.PathValue("id")) {
		return platform.NotFound("page")
	}
	j, err := p.self(r, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return p.page(w, r, j, r.PathValue("page"), http.StatusOK, nil)
}

func (p *portal) selfConfirmation(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if reserved(r.PathValue("id")) {
		return platform.NotFound("page")
	}
	j, err := p.self(r, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return p.confirmation(w, r, j, r.PathValue("reference"))
}

func reserved(id string) bool { return id == "requests" || id == "assist" || id == "track" }

// serviceCard is one service on the list pages.
type serviceCard struct {
	ID, Title, Summary, Href string
}

type listPage struct {
	Services  []serviceCard
	Registers []serviceCard // public registers, such as the forward plan
	Assist    bool          // offer assisted digital
	SignedOut bool          // a visitor without an account: offer tracking by email and signing in
}

// list shows the services the person may start.
func (p *portal) list(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	defs, err := p.svc.ListDefinitions(r.Context(), sub)
	if err != nil {
		return err
	}
	var cards, registers []serviceCard
	for _, d := range defs {
		if reg := d.Def.PublicRegister; reg != nil && d.Def.Classification != platform.OfficialSensitive {
			registers = append(registers, serviceCard{ID: d.Def.ID, Title: reg.Title, Summary: reg.Summary, Href: "/registers/" + d.Def.ID})
		}
		if reserved(d.Def.ID) || !services.CanStart(sub, d.Def) || len(d.Def.Pages) == 0 {
			continue
		}
		cards = append(cards, serviceCard{ID: d.Def.ID, Title: d.Def.Title, Summary: d.Def.Summary, Href: "/services/" + d.Def.ID + "/start"})
	}
	return web.Render(w, r, http.StatusOK, "portal/list", listPage{Services: cards, Registers: registers, Assist: isStaff(sub) && p.opts.FindResidents != nil,
		SignedOut: !sub.Authenticated()})
}

// about reports whether err is something the person can fix on the form.
func about(err error) bool {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeConflict, platform.CodeTooLarge:
		return true
	}
	return false
}

// seeOther redirects after a successful post, with an optional flash.
func seeOther(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		web.SetFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// seeOtherNote redirects with something to know, not a success.
func seeOtherNote(w http.ResponseWriter, r *http.Request, to, note string) error {
	web.SetNotice(w, r, note)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// london is the zone dates are shown in: a council's day is London's.
var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

func showDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 January 2006")
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 January 2006 at 3:04pm")
}

// confirmationText fills the definition's confirmation body.
func confirmationText(def *definition.Definition, reference string) string {
	return strings.ReplaceAll(def.Confirmation.Body, "{{reference}}", reference)
}
