package signingweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// Envelope templates: a document's wording with ((merge fields)); an
// envelope made from one gets a PDF of the text filled in.

type templatesPage struct {
	*web.Form
	Templates []signing.Template
}

type templatePage struct {
	*web.Form
	Template signing.Template
	Lines    []string // the body, line by line
}

func newTemplatePage(f *web.Form, t signing.Template) templatePage {
	return templatePage{Form: f, Template: t, Lines: strings.Split(t.Body, "\n")}
}

func (p *envelopesPart) templatesWeb(srv *web.Server) {
	rt := srv.Router()
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error) {
		rt.Handle(pattern, web.RequireSignedInFunc(f))
	}
	page("GET /envelope-templates", p.templates)
	page("POST /envelope-templates", p.createTemplate)
	page("GET /envelope-templates/{id}", p.template)
	page("POST /envelope-templates/{id}", p.useTemplate)
	page("POST /envelope-templates/{id}/delete", p.deleteTemplate)
	api := srv.API()
	api.HandleFunc("GET /api/v1/envelope-templates", web.Op{Summary: "List envelope templates", OperationID: "listEnvelopeTemplates", Tags: tagEnvelopes,
		Scopes:    []string{platform.ScopeRead},
		Responses: map[int]web.Response{200: {Description: "The organisation's templates by name.", Schema: web.SchemaOf(web.List[TemplateJSON]{})}}}, p.apiTemplates)
	api.HandleFunc("GET /api/v1/envelope-templates/{id}", web.Op{Summary: "Get an envelope template", OperationID: "getEnvelopeTemplate", Tags: tagEnvelopes,
		Scopes: []string{platform.ScopeRead}, Params: []web.Param{{Name: "id", In: "path", Required: true, Description: "The template's ID (stp_...)."}},
		Responses: map[int]web.Response{200: {Description: "The template.", Schema: web.SchemaOf(TemplateJSON{})}}}, p.apiTemplate)
	api.HandleFunc("DELETE /api/v1/envelope-templates/{id}", web.Op{Summary: "Delete an envelope template", OperationID: "deleteEnvelopeTemplate", Tags: tagEnvelopes,
		Scopes: []string{platform.ScopeWrite}, Params: []web.Param{{Name: "id", In: "path", Required: true, Description: "The template's ID (stp_...)."}},
		Description: "Members of its business unit. Envelopes made from it keep their PDFs; a workflow naming it can no longer ask for signatures.",
		Responses:   map[int]web.Response{204: {Description: "Deleted."}}}, p.apiDeleteTemplate)
	api.HandleFunc("POST /api/v1/envelope-templates", web.Op{Summary: "Make an envelope template", OperationID: "createEnvelopeTemplate", Tags: tagEnvelopes,
		Scopes:      []string{platform.ScopeWrite},
		Description: "body is lines of text; a line starting \"# \" is a heading; ((name)) is a merge field filled in for each envelope (POST /api/v1/envelopes with template_id and values).",
		Request:     web.SchemaOf(signing.TemplateInput{}),
		Responses:   map[int]web.Response{201: {Description: "The template.", Schema: web.SchemaOf(TemplateJSON{})}}}, p.apiCreateTemplate)
}

// TemplateJSON is a template as the API shows it.
type TemplateJSON struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Body           string   `json:"body"`
	BusinessUnitID string   `json:"business_unit_id,omitempty"`
	Fields         []string `json:"merge_fields"`
}

func templateJSON(t signing.Template) TemplateJSON {
	return TemplateJSON{ID: t.ID, Name: t.Name, Body: t.Body, BusinessUnitID: t.UnitID, Fields: append([]string{}, t.Fields...)}
}

func (p *envelopesPart) templates(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ts, err := p.ss.Templates(r.Context(), sub)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "signing/envelopes_templates", templatesPage{Form: web.NewForm(nil), Templates: ts})
}

func (p *envelopesPart) createTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	t, err := p.ss.CreateTemplate(r.Context(), sub, signing.TemplateInput{Name: r.FormValue("name"), Body: r.FormValue("body")})
	if platform.CodeOf(err) == platform.CodeInvalid {
		ts, lerr := p.ss.Templates(r.Context(), sub)
		if lerr != nil {
			return lerr
		}
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelopes_templates", templatesPage{Form: web.FormErrors(r, err), Templates: ts})
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Template saved")
	http.Redirect(w, r, "/envelope-templates/"+url.PathEscape(t.ID), http.StatusSeeOther)
	return nil
}

func (p *envelopesPart) template(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	t, err := p.ss.GetTemplate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "signing/envelopes_template", newTemplatePage(web.NewForm(url.Values{"title": {t.Name}}), t))
}

// useTemplate makes a draft from the template with the values typed, and
// goes on to its recipients as an upload does. The merge fields' inputs
// are named value-0, value-1, ... in the order of the template's fields.
func (p *envelopesPart) useTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	t, err := p.ss.GetTemplate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	values := map[string]string{}
	names := map[string]string{}
	for i, f := range t.Fields {
		k := "value-" + itoa(i)
		values[f], names["values."+f] = r.FormValue(k), k
	}
	in := signing.NewEnvelope{Title: r.FormValue("title"), ExpiresInDays: signing.DefaultExpiryDays, RemindEveryDays: 3}
	err = p.ss.FromTemplate(r.Context(), sub, t.ID, values, &in)
	var env signing.Envelope
	if err == nil {
		env, err = p.ss.Create(r.Context(), sub, in)
	}
	if platform.CodeOf(err) == platform.CodeInvalid {
		f := web.FormErrors(r, err)
		for i, fe := range f.Errors {
			if n, ok := names[fe.Field]; ok {
				f.Errors[i].Field = n
			}
		}
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelopes_template", newTemplatePage(f, t))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Draft made from the template. Now add who signs it.")
	http.Redirect(w, r, "/envelopes/"+url.PathEscape(env.ID)+"/recipients", http.StatusSeeOther)
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }

func (p *envelopesPart) apiTemplates(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ts, err := p.ss.Templates(r.Context(), sub)
	if err != nil {
		return err
	}
	out := web.List[TemplateJSON]{Items: []TemplateJSON{}}
	for _, t := range ts {
		out.Items = append(out.Items, templateJSON(t))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *envelopesPart) apiCreateTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in signing.TemplateInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	t, err := p.ss.CreateTemplate(r.Context(), sub, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, templateJSON(t))
}

func (p *envelopesPart) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if err := p.ss.DeleteTemplate(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	web.SetFlash(w, r, "Template deleted")
	http.Redirect(w, r, "/envelope-templates", http.StatusSeeOther)
	return nil
}

func (p *envelopesPart) apiTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	t, err := p.ss.GetTemplate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, templateJSON(t))
}

func (p *envelopesPart) apiDeleteTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if err := p.ss.DeleteTemplate(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
