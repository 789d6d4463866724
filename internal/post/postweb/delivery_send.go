package postweb

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

// CaseInfo is what "send a message from a case" needs of the case.
type CaseInfo struct {
	ID         string
	Reference  string
	PersonID   string // the person the case is for, when they have an account
	PersonName string
	Email      string // the applicant's address, when the case has one
}

// Cases is the services engine as the send page asks it (cmd/dbtp wires
// it): the case, if sub may see it; modules do not import each other.
type Cases interface {
	CaseForPost(ctx context.Context, sub *platform.Subject, caseID string) (CaseInfo, error)
}

// UseCases lets "send a message from a case" read cases.
func (m *Module) UseCases(c Cases) { m.delivery.cases = c }

// sendPage is /post/send?case=ID: choose a template, then fill in the
// recipient (from the person's contact preferences) and the template's
// placeholders, and send.
type sendPage struct {
	*web.Form
	Case      CaseInfo
	Templates []web.Option
	Template  *post.Template
	Kind      string
	Fields    []placeholderField
	Preferred string
	Action    string
	Formats   []web.Option
}

type placeholderField struct{ ID, Name string }

func (p *deliveryPart) sendWeb(srv *web.Server, m *Module) error {
	rt := srv.Router()
	rt.HandleFunc("GET /post/send", func(w http.ResponseWriter, r *http.Request) error { return p.sendForm(w, r, m, nil, http.StatusOK) })
	rt.HandleFunc("POST /post/send", func(w http.ResponseWriter, r *http.Request) error { return p.send(w, r, m) })
	return nil
}

// sendData loads the case, the templates sub may send and the chosen one.
func (p *deliveryPart) sendData(r *http.Request, m *Module, form *web.Form) (*sendPage, error) {
	sub, err := staff(r)
	if err != nil {
		return nil, err
	}
	if p.cases == nil {
		return nil, platform.NotFound("cases")
	}
	ctx := r.Context()
	q := r.URL.Query()
	cs, err := p.cases.CaseForPost(ctx, sub, q.Get("case"))
	if err != nil {
		return nil, err
	}
	ts, err := m.ps.SendableTemplates(ctx, sub)
	if err != nil {
		return nil, err
	}
	pg := &sendPage{Form: form, Case: cs, Formats: []web.Option{{Value: "yes", Text: "Large print"}}, Action: "/post/send?" + url.Values{"case": {cs.ID}, "template": {q.Get("template")}}.Encode()}
	if pg.Form == nil {
		pg.Form = &web.Form{Input: url.Values{}}
	}
	prefs, err := m.ps.PreferencesOf(ctx, sub.OrgID, cs.PersonID)
	if err != nil {
		return nil, err
	}
	pg.Preferred = kindName(prefs.Channel)
	// The person's preferred channel first, the rest by name.
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Kind == prefs.Channel && ts[j].Kind != prefs.Channel })
	pg.Templates = append(pg.Templates, web.Option{Value: "", Text: "Choose a template"})
	for i := range ts {
		t := &ts[i]
		pg.Templates = append(pg.Templates, web.Option{Value: t.ID, Text: t.Name + " (" + kindName(t.Kind) + ")"})
		if t.ID == q.Get("template") {
			pg.Template, pg.Kind = t, t.Kind
		}
	}
	switch {
	case q.Get("template") != "" && pg.Template == nil:
		pg.Form.Errors = append(pg.Form.Errors, platform.FieldError{Field: "template", Message: "Choose a template you can send"})
	case q.Has("template") && q.Get("template") == "":
		// "Continue" with nothing chosen.
		pg.Form.Errors = append(pg.Form.Errors, platform.FieldError{Field: "template", Message: "Choose a template"})
	}
	if pg.Template == nil {
		if pg.Form.Input == nil {
			pg.Form.Input = url.Values{}
		}
		return pg, nil
	}
	for i, name := range notify.Placeholders(pg.Template.Subject, pg.Template.Body) {
		pg.Fields = append(pg.Fields, placeholderField{ID: "p" + strconv.Itoa(i+1), Name: name})
	}
	if form == nil { // first sight: fill in what is known
		in := pg.Form.Input
		in.Set("template", pg.Template.ID)
		switch pg.Kind {
		case post.KindEmail:
			in.Set("to", firstOf(prefs.Email, cs.Email))
		case post.KindSMS:
			in.Set("to", prefs.Phone)
		case post.KindLetter:
			in.Set("address", strings.Join(prefs.Address, "\n"))
		}
		if prefs.Format == "large-print" {
			in.Set("large_print", "yes")
		}
		for _, f := range pg.Fields {
			switch strings.ToLower(f.Name) {
			case "name", "full name", "full_name":
				in.Set(f.ID, cs.PersonName)
			case "reference", "case reference", "case_reference", "ref":
				in.Set(f.ID, cs.Reference)
			}
		}
	}
	return pg, nil
}

func (p *deliveryPart) sendForm(w http.ResponseWriter, r *http.Request, m *Module, form *web.Form, status int) error {
	pg, err := p.sendData(r, m, form)
	if err != nil {
		return err
	}
	if len(pg.Form.Errors) > 0 && status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	return web.Render(w, r, status, "post/delivery_send", pg)
}

func (p *deliveryPart) send(w http.ResponseWriter, r *http.Request, m *Module) error {
	pg, err := p.sendData(r, m, &web.Form{})
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return platform.Invalid("The form could not be read")
	}
	if pg.Template == nil {
		return p.sendForm(w, r, m, &web.Form{Input: r.PostForm, Errors: []platform.FieldError{{Field: "template", Message: "Choose a template"}}},
			http.StatusUnprocessableEntity)
	}
	sub := web.SubjectOf(r)
	in := post.CaseSend{CaseID: pg.Case.ID, CaseReference: pg.Case.Reference, PersonID: pg.Case.PersonID, TemplateID: pg.Template.ID,
		To: r.PostForm.Get("to"), Address: strings.Split(r.PostForm.Get("address"), "\n"), LargePrint: r.PostForm.Get("large_print") == "yes",
		Personalisation: map[string]any{}}
	for _, f := range pg.Fields {
		if v := strings.TrimSpace(r.PostForm.Get(f.ID)); v != "" {
			in.Personalisation[f.Name] = v
		}
	}
	n, err := m.ps.SendFromCase(r.Context(), sub, in)
	if err != nil {
		var pe *platform.Error
		if !errors.As(err, &pe) || pe.Code != platform.CodeInvalid {
			return err
		}
		// The engine names placeholders "p:<name>"; the page's fields are
		// p1, p2... The summary lists the problems in the form's order.
		order := map[string]int{"to": -2, "address": -1}
		for i, f := range pg.Fields {
			order[f.ID] = i
			for j := range pe.Fields {
				if pe.Fields[j].Field == "p:"+f.Name {
					pe.Fields[j].Field = f.ID
				}
			}
		}
		sort.SliceStable(pe.Fields, func(i, j int) bool { return order[pe.Fields[i].Field] < order[pe.Fields[j].Field] })
		return p.sendForm(w, r, m, web.FormErrors(r, pe), http.StatusUnprocessableEntity)
	}
	what := kindName(n.Kind)
	web.SetFlash(w, r, strings.ToUpper(what[:1])+what[1:]+" to "+n.Recipient+" queued: its status shows under Messages")
	http.Redirect(w, r, "/cases/"+url.PathEscape(pg.Case.ID), http.StatusSeeOther)
	return nil
}

func kindName(kind string) string {
	switch kind {
	case post.KindEmail:
		return "email"
	case post.KindSMS:
		return "text message"
	case post.KindLetter:
		return "letter"
	}
	return ""
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
