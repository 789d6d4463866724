package signingweb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/pdfpages"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// envelopesPart is the sender's side: the envelopes list, a new envelope
// (upload, recipients, fields), the envelope's page with its evidence and
// downloads, sending and voiding, and /api/v1/envelopes.
type envelopesPart struct {
	ss        *signing.Store
	dir       platform.Directory
	workflows Workflows // nil: no services engine to ask for signatures
	pictures  *pdfpages.Renderer
}

func (p *envelopesPart) init(ctx context.Context, m *Module) error {
	p.ss, p.dir, p.pictures = m.ss, m.d.Directory, pdfpages.NewRenderer(2, pictureCacheSize)
	if m.d.Events != nil {
		if err := m.d.Events.Declare(signing.EventEnvelope); err != nil {
			return err
		}
	}
	return p.subscribe(m)
}

func (p *envelopesPart) web(srv *web.Server, m *Module) error {
	rt := srv.Router()
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error, opts ...web.RouteOption) {
		rt.Handle(pattern, web.RequireSignedInFunc(f), opts...)
	}
	page("GET /envelopes", p.list)
	page("GET /envelopes/new", p.newForm)
	// An upload: a little over the largest PDF taken, so the engine (not
	// the body limit) says what is wrong with one too large.
	page("POST /envelopes/new", p.create, web.MaxBody(signing.MaxPDFSize+1<<20))
	page("GET /envelopes/{id}", p.view)
	page("GET /envelopes/{id}/recipients", p.recipientsForm)
	page("POST /envelopes/{id}/recipients", p.saveRecipients)
	page("GET /envelopes/{id}/fields", p.fieldsForm)
	page("POST /envelopes/{id}/fields", p.saveFields)
	page("POST /envelopes/{id}/send", p.send)
	page("POST /envelopes/{id}/void", p.void)
	page("POST /envelopes/{id}/discard", p.discard)
	page("GET /envelopes/{id}/documents/{which}", p.document)
	page("GET /envelopes/{id}/pages/{n}", p.pagePicture)
	p.routeAPI(srv.API())
	p.templatesWeb(srv)
	return nil
}

func (p *envelopesPart) start(ctx context.Context, m *Module) error { return nil }

// day is a time as pages write it: 2 March 2026 at 8:05am (UK time).
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lon, err := time.LoadLocation("Europe/London"); err == nil {
		t = t.In(lon)
	}
	return t.Format("2 January 2006 at 3:04pm")
}

var statusNames = map[string]string{signing.EnvelopeDraft: "Draft", signing.EnvelopeSent: "Out for signing", signing.EnvelopeSealing: "Being sealed",
	signing.EnvelopeCompleted: "Completed", signing.EnvelopeDeclined: "Declined", signing.EnvelopeVoided: "Voided", signing.EnvelopeExpired: "Expired"}

var statusTags = map[string]string{signing.EnvelopeDraft: "govuk-tag--grey", signing.EnvelopeSent: "govuk-tag--blue", signing.EnvelopeSealing: "govuk-tag--yellow",
	signing.EnvelopeCompleted: "govuk-tag--green", signing.EnvelopeDeclined: "govuk-tag--red", signing.EnvelopeVoided: "govuk-tag--red", signing.EnvelopeExpired: "govuk-tag--orange"}

var roleNames = map[string]string{signing.RoleSigner: "Signs", signing.RoleApprover: "Approves", signing.RoleCopy: "Gets a copy"}

var recipientStatusNames = map[string]string{signing.RecipientWaiting: "Waiting for their turn", signing.RecipientNotified: "Asked",
	signing.RecipientViewed: "Opened it", signing.RecipientSigned: "Signed", signing.RecipientApproved: "Approved", signing.RecipientDeclined: "Declined",
	signing.RecipientReassigned: "Passed it on"}

var kindNames = map[string]string{signing.FieldSignature: "Signature", signing.FieldInitials: "Initials", signing.FieldDate: "Date signed",
	signing.FieldText: "Text", signing.FieldCheckbox: "Checkbox"}

type envRow struct {
	signing.Envelope
	StatusName, StatusTag, Updated string
}

type listPage struct {
	*web.Form
	Rows     []envRow
	Pages    web.Pagination
	Filtered bool
	Statuses []web.Option
	Mine     []web.Option
	// Waiting are the envelopes whose turn is the person's own: they
	// sign at /envelopes/{id}/sign (the ceremony's page).
	Waiting []signing.Envelope
}

func (p *envelopesPart) list(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	lq := signing.ListQuery{Status: q.Get("status"), Q: q.Get("q"), Mine: q.Get("mine") == "yes", Cursor: q.Get("cursor")}
	res, err := p.ss.List(r.Context(), sub, lq)
	if platform.CodeOf(err) == platform.CodeInvalid {
		return web.Render(w, r, http.StatusBadRequest, "signing/envelopes_list", listPage{Form: web.FormErrors(r, err), Statuses: statusOptions(), Mine: mineOption})
	}
	if err != nil {
		return err
	}
	waiting, err := p.ss.ToSign(r.Context(), sub)
	if err != nil {
		return err
	}
	out := listPage{Waiting: waiting, Form: web.NewForm(q), Filtered: lq.Status != "" || lq.Q != "" || lq.Mine, Statuses: statusOptions(), Mine: mineOption}
	for _, e := range res.Envelopes {
		out.Rows = append(out.Rows, envRow{Envelope: e, StatusName: statusNames[e.Status], StatusTag: statusTags[e.Status], Updated: day(e.UpdatedAt)})
	}
	if res.Next != "" {
		out.Pages.Next = web.CursorURL(r, res.Next)
	}
	if lq.Cursor != "" {
		out.Pages.Prev = web.CursorURL(r, "")
	}
	return web.Render(w, r, http.StatusOK, "signing/envelopes_list", out)
}

var mineOption = []web.Option{{Value: "yes", Text: "Only those I sent"}}

func statusOptions() []web.Option {
	out := []web.Option{{Value: "", Text: "Any status"}, {Value: "active", Text: "Not finished"}}
	for _, s := range []string{signing.EnvelopeDraft, signing.EnvelopeSent, signing.EnvelopeSealing, signing.EnvelopeCompleted, signing.EnvelopeDeclined, signing.EnvelopeVoided, signing.EnvelopeExpired} {
		out = append(out, web.Option{Value: s, Text: statusNames[s]})
	}
	return out
}

type newPage struct {
	*web.Form
	Units []web.Option
	MaxMB int
}

func (p *envelopesPart) newPage(r *http.Request, sub *platform.Subject, f *web.Form) (newPage, error) {
	out := newPage{Form: f, MaxMB: signing.MaxPDFSize >> 20}
	us, err := p.dir.Units(r.Context(), platform.System(sub.OrgID))
	if err != nil {
		return out, err
	}
	for _, u := range us {
		if sub.InUnit(u.ID) {
			out.Units = append(out.Units, web.Option{Value: u.ID, Text: u.Name})
		}
	}
	return out, nil
}

func (p *envelopesPart) newForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	f := web.NewForm(nil)
	f.Input = map[string][]string{"expires_in_days": {strconv.Itoa(signing.DefaultExpiryDays)}, "remind_every_days": {"3"}}
	pg, err := p.newPage(r, sub, f)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "signing/envelopes_new", pg)
}

// number reads a whole number a person typed; "" is 0. A bad one is
// reported by the engine's own range check, as -1.
func number(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func (p *envelopesPart) create(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in := signing.NewEnvelope{Title: r.FormValue("title"), Message: r.FormValue("message"), UnitID: r.FormValue("business_unit_id"),
		ExpiresInDays: number(r.FormValue("expires_in_days")), RemindEveryDays: number(r.FormValue("remind_every_days"))}
	if file, _, err := r.FormFile("pdf"); err == nil {
		in.PDF, err = io.ReadAll(io.LimitReader(file, signing.MaxPDFSize+1))
		file.Close()
		if err != nil {
			return platform.Errorf(platform.CodeInvalid, "The upload did not finish: try again")
		}
	}
	env, err := p.ss.Create(r.Context(), sub, in)
	if c := platform.CodeOf(err); c == platform.CodeInvalid || c == platform.CodeTooLarge {
		if c == platform.CodeTooLarge {
			err = platform.Invalid("Check the document", platform.FieldError{Field: "pdf", Message: fmt.Sprintf("Choose a PDF of %d MB or smaller", signing.MaxPDFSize>>20)})
		}
		pg, perr := p.newPage(r, sub, web.FormErrors(r, err))
		if perr != nil {
			return perr
		}
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelopes_new", pg)
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Draft saved. Now add who signs it.")
	http.Redirect(w, r, "/envelopes/"+env.ID+"/recipients", http.StatusSeeOther)
	return nil
}

func (p *envelopesPart) document(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	which := strings.TrimSuffix(r.PathValue("which"), ".pdf")
	rc, env, err := p.ss.EnvelopeDocument(r.Context(), sub, r.PathValue("id"), which)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fileName(env.Title)+"-"+which+".pdf"))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = io.Copy(w, rc)
	return err
}

// fileName makes a title safe as a download's name.
func fileName(title string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(title) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 60 {
		// Cut between words, so a long title keeps whole words (the name
		// becomes the title of the record filed from it).
		cut := s[:61]
		if i := strings.LastIndexByte(cut, '-'); i > 20 {
			cut = cut[:i]
		}
		s = strings.Trim(cut[:min(len(cut), 60)], "-")
	}
	if s == "" {
		s = "envelope"
	}
	return s
}

func (p *envelopesPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return p.seed(ctx, m, env, org)
}
