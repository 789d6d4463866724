package portal

import (
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// staffRoles may act for a resident. The engine checks again (and its
// access policy decides which services each may submit).
func isStaff(sub *platform.Subject) bool {
	return sub.HasRole(platform.RoleStaff) || sub.HasRole(platform.RoleCaseworker) ||
		sub.HasRole(platform.RoleManager) || sub.HasRole(platform.RoleAdmin)
}

// assistedAllowed mirrors the engine's rule: start.assisted_digital, which
// defaults to true when residents may start the service.
func assistedAllowed(def *definition.Definition) bool {
	if def.Start.AssistedDigital != nil {
		return *def.Start.AssistedDigital
	}
	for _, who := range def.Start.Who {
		if who == definition.AudienceResidents {
			return true
		}
	}
	return false
}

func (p *portal) needStaff(sub *platform.Subject) error {
	if !isStaff(sub) || p.opts.FindResidents == nil {
		return platform.Errorf(platform.CodeForbidden, "Only council staff can fill in a service for someone else.")
	}
	return nil
}

type assistPage struct {
	*web.Form
	Searched bool
	People   []Person
	// CanRecord offers to record a caller without an account.
	CanRecord bool
}

// assist asks whom the member of staff is helping: a search by name or
// email, date of birth or postcode (a GET form, so it works without
// JavaScript and can be bookmarked), and, for a caller without an account,
// the way to record them.
func (p *portal) assist(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := p.needStaff(sub); err != nil {
		return err
	}
	in := r.URL.Query()
	q := platform.ResidentQuery{Text: strings.TrimSpace(in.Get("q")), BirthDate: strings.TrimSpace(in.Get("birth_date")),
		Postcode: strings.TrimSpace(in.Get("postcode"))}
	d := assistPage{Form: web.NewForm(url.Values{"q": {q.Text}, "birth_date": {q.BirthDate}, "postcode": {q.Postcode}}),
		CanRecord: p.opts.RecordCaller != nil}
	if in.Has("q") || in.Has("birth_date") || in.Has("postcode") {
		people, err := p.opts.FindResidents(r.Context(), sub, q)
		if platform.CodeOf(err) == platform.CodeInvalid {
			d.Form = web.FormErrors(r, err)
			d.Form.Input = url.Values{"q": {q.Text}, "birth_date": {q.BirthDate}, "postcode": {q.Postcode}}
			return web.Render(w, r, http.StatusBadRequest, "portal/assist", d)
		}
		if err != nil {
			return err
		}
		d.Searched, d.People = true, people
	}
	return web.Render(w, r, http.StatusOK, "portal/assist", d)
}

type callerPage struct {
	*web.Form
	Channels []web.Option
	// Same are the residents who may be this caller, shown before anyone
	// is recorded twice.
	Same []Person
}

// callerForm asks for the details of a caller without an account.
func (p *portal) callerForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form, same []Person) error {
	if err := p.needStaff(sub); err != nil {
		return err
	}
	if p.opts.RecordCaller == nil {
		return platform.NotFound("page")
	}
	if f == nil {
		f = web.NewForm(nil)
	}
	d := callerPage{Form: f, Same: same, Channels: []web.Option{
		{Value: "email", Text: "Email"}, {Value: "phone", Text: "Phone"}, {Value: "post", Text: "Letter by post"}}}
	return web.Render(w, r, status, "portal/assist-caller", d)
}

// recordCaller records the caller and goes on to act for them; if people
// like them are known, it shows them instead, and records someone new only
// when staff say none of them is the caller.
func (p *portal) recordCaller(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := p.needStaff(sub); err != nil {
		return err
	}
	if p.opts.RecordCaller == nil {
		return platform.NotFound("page")
	}
	in := r.PostForm
	c := platform.Caller{Name: in.Get("name"), Email: in.Get("email"), Phone: in.Get("phone"), Postcode: in.Get("postcode"),
		BirthDate: in.Get("birth_date"), Channel: in.Get("channel")}
	per, same, err := p.opts.RecordCaller(r.Context(), sub, c, in.Get("not_these") == "yes")
	switch platform.CodeOf(err) {
	case "":
	case platform.CodeConflict:
		f := web.NewForm(in)
		f.Message = platform.AsError(err).Message
		return p.callerForm(w, r, sub, http.StatusConflict, f, same)
	case platform.CodeInvalid:
		return p.callerForm(w, r, sub, http.StatusUnprocessableEntity, web.FormErrors(r, err), nil)
	default:
		return err
	}
	how := map[string]string{"email": "by email", "phone": "by phone", "post": "by letter"}[c.Channel]
	msg := "Recorded " + per.Name + ". The council will contact them " + how + "."
	if per.Email != "" {
		msg += " They can claim an account later by signing in with " + per.Email + "."
	}
	return seeOther(w, r, "/services/assist/"+per.ID, msg)
}

// resident looks up the person staff act for; an unknown ID is not found.
func (p *portal) resident(r *http.Request, sub *platform.Subject, id string) (*Person, error) {
	if err := p.needStaff(sub); err != nil {
		return nil, err
	}
	if p.opts.Person == nil || !platform.ValidID("usr", id) {
		return nil, platform.NotFound("person")
	}
	per, ok, err := p.opts.Person(r.Context(), sub, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, platform.NotFound("person")
	}
	return &per, nil
}

type assistServicesPage struct {
	Acting   *Person
	Services []serviceCard
}

// assistServices lists the services staff may fill in for this resident.
func (p *portal) assistServices(w http.ResponseWriter, r *http.Request, sub *platform.Subject, userID string) error {
	per, err := p.resident(r, sub, userID)
	if err != nil {
		return err
	}
	defs, err := p.svc.ListDefinitions(r.Context(), sub)
	if err != nil {
		return err
	}
	d := assistServicesPage{Acting: per}
	for _, pub := range defs {
		if reserved(pub.Def.ID) || !assistedAllowed(pub.Def) || len(pub.Def.Pages) == 0 {
			continue
		}
		d.Services = append(d.Services, serviceCard{ID: pub.Def.ID, Title: pub.Def.Title, Summary: pub.Def.Summary,
			Href: "/services/assist/" + per.ID + "/" + pub.Def.ID + "/start"})
	}
	return web.Render(w, r, http.StatusOK, "portal/assist-services", d)
}

// assisted is the journey of staff filling in service id for a resident.
func (p *portal) assisted(r *http.Request, sub *platform.Subject) (*journey, error) {
	per, err := p.resident(r, sub, r.PathValue("user"))
	if err != nil {
		return nil, err
	}
	def, err := p.definition(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !assistedAllowed(def) {
		return nil, platform.Errorf(platform.CodeForbidden, "This service cannot be filled in for someone else.")
	}
	return &journey{sub: sub, def: def, base: "/services/assist/" + per.ID + "/" + def.ID, Acting: per}, nil
}

func (p *portal) assistPost(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	j, err := p.assisted(r, sub)
	if err != nil {
		return err
	}
	switch r.PathValue("action") {
	case "check-answers":
		return p.submit(w, r, j)
	case "cancel":
		if err := p.svc.DropHeldFiles(r.Context(), sub, j.key()); err != nil {
			return err
		}
		p.held.drop(j.key())
		return seeOther(w, r, "/services/assist", "The answers for "+j.Acting.Name+" were discarded")
	}
	return platform.NotFound("page")
}
