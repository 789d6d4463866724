package signingweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// Envelope templates: a document's wording with ((merge fields)); an
// envelope made from one gets a PDF of the text filled in.

type templatesPage struct {
	*web.Form
	Templates []templateRow
}

// templateRow is a template as the list shows it: its merge fields in
// words ("decision reference"), not as the names its text uses
// ("decision_reference"). A template keeps only those names: the
// questions that fill them in, with their labels, are a service's.
type templateRow struct {
	signing.Template
	FieldWords []string
}

// fieldWords is a merge field's name in words: "signing date" for
// "signing_date".
func fieldWords(f string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(f, "_", " ")), " ")
}

func templateRows(ts []signing.Template) []templateRow {
	out := make([]templateRow, 0, len(ts))
	for _, t := range ts {
		row := templateRow{Template: t}
		for _, f := range t.Fields {
			row.FieldWords = append(row.FieldWords, fieldWords(f))
		}
		out = append(out, row)
	}
	return out
}

// templatePage shows a template (or one of its versions) and, for the
// current version, the form that makes an envelope from it.
type templatePage struct {
	*web.Form
	Template signing.Template
	Lines    []string // the body, line by line
	Roles    []roleRow
	Placed   []placedRow
	// People are the use form's rows, one per role (p0-name, ...).
	People []int
	// FieldLabels name the merge fields' inputs in words ("Supplier
	// address"): "((supplier address))" as the label read as markup to
	// the officer filling it in; the brackets stay in the hint.
	FieldLabels      []string
	StaffOption      []web.Option
	MayEdit          bool
	Versions         []versionRow
	Latest           int // the current version, on a version's page
	SavedBy, SavedOn string
}

type roleRow struct {
	signing.TemplateRole
	RoleName string
}

type placedRow struct {
	Role, Kind, Where string
}

type versionRow struct {
	Version        int
	Name, By, When string
}

// newTemplatePage describes t for its page.
func (p *envelopesPart) newTemplatePage(r *http.Request, sub *platform.Subject, f *web.Form, t signing.Template) templatePage {
	pg := templatePage{Form: f, Template: t, Lines: strings.Split(t.Body, "\n"), StaffOption: staffOption, People: rowsOf(len(t.Roles)),
		SavedBy: p.personName(r, sub, t.UpdatedBy), SavedOn: day(t.UpdatedAt)}
	for _, rl := range t.Roles {
		pg.Roles = append(pg.Roles, roleRow{TemplateRole: rl, RoleName: roleNames[rl.Role]})
	}
	for _, f := range t.Fields {
		w := fieldWords(f)
		r, n := utf8.DecodeRuneInString(w)
		pg.FieldLabels = append(pg.FieldLabels, string(unicode.ToUpper(r))+w[n:])
	}
	for _, tf := range t.Placed {
		row := placedRow{Kind: kindNames[tf.Kind], Where: placeName(tf)}
		if tf.Label != "" {
			row.Kind += ": " + tf.Label
		}
		if tf.Role >= 0 && tf.Role < len(t.Roles) {
			row.Role = t.Roles[tf.Role].Label
		}
		pg.Placed = append(pg.Placed, row)
	}
	return pg
}

// placeName says where a template's field goes, as a person would.
func placeName(tf signing.TemplateField) string {
	if tf.Position != "" {
		return strings.ToUpper(tf.Position[:1]) + tf.Position[1:]
	}
	page := "page " + itoa(tf.Page)
	if tf.Page == signing.LastPage {
		page = "the last page"
	}
	return fmt.Sprintf("On %s at x %.0f, y %.0f", page, tf.X, tf.Y)
}

// personName is a member of staff's name, or their ID when the directory
// has none (someone since gone).
func (p *envelopesPart) personName(r *http.Request, sub *platform.Subject, id string) string {
	if id == "" || p.dir == nil {
		return id
	}
	if pp, err := p.dir.Person(r.Context(), sub, id); err == nil && pp.Name != "" {
		return pp.Name
	}
	return id
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
	page("GET /envelope-templates/{id}/edit", p.editTemplateForm)
	page("POST /envelope-templates/{id}/edit", p.saveTemplate)
	page("GET /envelope-templates/{id}/versions/{version}", p.templateVersion)
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
	p.templateEditAPI(api)
}

// TemplateJSON is a template (or one of its versions) as the API shows it.
type TemplateJSON struct {
	ID             string                  `json:"id"`
	Name           string                  `json:"name"`
	Body           string                  `json:"body"`
	BusinessUnitID string                  `json:"business_unit_id,omitempty"`
	Fields         []string                `json:"merge_fields"`
	Roles          []signing.TemplateRole  `json:"roles"`
	Placed         []signing.TemplateField `json:"fields"`
	Version        int                     `json:"version"`
	UpdatedBy      string                  `json:"updated_by,omitempty"`
	UpdatedAt      time.Time               `json:"updated_at"`
}

func templateJSON(t signing.Template) TemplateJSON {
	out := TemplateJSON{ID: t.ID, Name: t.Name, Body: t.Body, BusinessUnitID: t.UnitID, Fields: append([]string{}, t.Fields...),
		Roles: append([]signing.TemplateRole{}, t.Roles...), Placed: append([]signing.TemplateField{}, t.Placed...), Version: t.Version,
		UpdatedBy: t.UpdatedBy, UpdatedAt: t.UpdatedAt}
	return out
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
	return web.Render(w, r, http.StatusOK, "signing/envelopes_templates", templatesPage{Form: web.NewForm(nil), Templates: templateRows(ts)})
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
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelopes_templates", templatesPage{Form: web.FormErrors(r, err), Templates: templateRows(ts)})
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
	v := url.Values{"title": {t.Name}}
	return p.renderTemplate(w, r, sub, http.StatusOK, web.NewForm(v), t)
}

// renderTemplate shows the current version with its versions and the
// use form.
func (p *envelopesPart) renderTemplate(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form, t signing.Template) error {
	pg := p.newTemplatePage(r, sub, f, t)
	pg.MayEdit = p.ss.MayEditTemplate(sub, t)
	vs, err := p.ss.TemplateVersions(r.Context(), sub, t.ID)
	if err != nil {
		return err
	}
	for _, v := range vs {
		pg.Versions = append(pg.Versions, versionRow{Version: v.Version, Name: v.Name, By: p.personName(r, sub, v.UpdatedBy), When: day(v.UpdatedAt)})
	}
	return web.Render(w, r, status, "signing/envelopes_template", pg)
}

// useTemplate makes a draft from the template with the values typed. The
// merge fields' inputs are named value-0, value-1, ... in the order of the
// template's fields. A template with roles also asks for the person in
// each role (p0-name, p0-email, ...): the draft then has its recipients
// and fields, and the sender checks it and sends; without roles, the
// sender goes on to the recipients as after an upload.
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
	in := signing.Composed{NewEnvelope: signing.NewEnvelope{Title: r.FormValue("title"), ExpiresInDays: signing.DefaultExpiryDays, RemindEveryDays: 3},
		TemplateID: t.ID, Values: values}
	var errs []platform.FieldError
	for i := range t.Roles {
		k := fmt.Sprintf("p%d-", i)
		ri := signing.RecipientInput{Name: r.FormValue(k + "name"), Email: r.FormValue(k + "email"), Phone: r.FormValue(k + "phone")}
		if r.FormValue(k+"staff") == "yes" {
			id, err := p.staffByEmail(r, sub, ri.Email)
			if err != nil {
				return err
			}
			if id == "" {
				errs = append(errs, platform.FieldError{Field: k + "email", Message: "No member of staff has this email address: check it, or untick “member of staff”"})
			}
			ri.UserID = id
		}
		in.Recipients = append(in.Recipients, ri)
	}
	var env signing.Envelope
	if errs != nil {
		// Every problem at once: the engine's with the other people too.
		check := append([]signing.RecipientInput{}, in.Recipients...)
		for i, rl := range t.Roles {
			check[i].Role, check[i].Step = rl.Role, rl.Step
		}
		if _, cerr := signing.CheckRecipients(r.Context(), sub, p.dir, check); platform.CodeOf(cerr) == platform.CodeInvalid {
			for _, fe := range platform.AsError(cerr).Fields {
				// Staff are named by the directory, not the form.
				m := engineField.FindStringSubmatch(fe.Field)
				if m == nil || m[3] == "user_id" || m[3] == "name" && r.FormValue("p"+m[2]+"-staff") == "yes" {
					continue
				}
				errs = append(errs, fe)
			}
		}
		err = platform.Invalid("Check the people", errs...)
	} else {
		env, err = p.ss.Compose(r.Context(), sub, p.dir, in)
	}
	if platform.CodeOf(err) == platform.CodeInvalid {
		// The template's own fields are checked against the document
		// made (a page it lacks): they are the template's to mend.
		pe := platform.AsError(err)
		for i, fe := range pe.Fields {
			if m := engineField.FindStringSubmatch(fe.Field); m != nil && m[1] == "fields" {
				k, _ := strconv.Atoi(m[2])
				pe.Fields[i] = platform.FieldError{Field: "template-fields", Message: fmt.Sprintf("The template's field %d: %s", k+1, fe.Message)}
			}
		}
		f := formErrors(r, pe, "p", rowsOf(len(t.Roles)), map[string]string{"user_id": "email", "role": "name", "step": "name"})
		for i, fe := range f.Errors {
			if n, ok := names[fe.Field]; ok {
				f.Errors[i].Field = n
			}
		}
		return p.renderTemplate(w, r, sub, http.StatusUnprocessableEntity, f, t)
	}
	if err != nil {
		return err
	}
	if len(t.Roles) > 0 {
		web.SetFlash(w, r, "Draft made from the template, with its recipients and fields. Check it, then send it.")
		http.Redirect(w, r, "/envelopes/"+url.PathEscape(env.ID), http.StatusSeeOther)
		return nil
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
	if !web.Confirmed(r) {
		t, err := p.ss.GetTemplate(r.Context(), sub, r.PathValue("id"))
		if err != nil {
			return err
		}
		base := "/envelope-templates/" + url.PathEscape(t.ID)
		return web.RenderConfirm(w, r, web.Confirm{Caption: t.Name, Title: "Delete the template?",
			Warning: "Nobody can make envelopes from it any more. Envelopes already made from it keep their documents.", Action: base + "/delete", Button: "Yes, delete the template", Back: base})
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
