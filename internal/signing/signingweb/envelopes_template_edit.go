package signingweb

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// A template's owners edit it on one plain form that works without
// JavaScript: its name and text (whose ((merge fields)) it lists), its
// roles in numbered rows (ro0-label, ro0-role, ro0-step) and the fields
// placed for them (tf0-role, tf0-kind, ...). "Add another role" and "Add
// another field" post the form back with one more empty row, saving
// nothing. Each save is a new version; the form carries the version it
// was made from, so an edit saved meanwhile by someone else is reported,
// not overwritten.

type templateEditPage struct {
	*web.Form
	Template     signing.Template
	RoleRows     []int
	FieldRows    []int
	Roles        []web.Option // what a role does
	RoleChoices  []web.Option // whom a field is for: the role rows
	Kinds        []web.Option
	Positions    []web.Option
	MergeFields  []string
	VersionSaved int
}

func (p *envelopesPart) templateEditPage(t signing.Template, f *web.Form, roleRows, fieldRows int) templateEditPage {
	pg := templateEditPage{Form: f, Template: t, RoleRows: rowsOf(roleRows), FieldRows: rowsOf(fieldRows), Roles: roleOptions,
		MergeFields: signing.MergeFields(f.Value("body"))}
	pg.VersionSaved, _ = strconv.Atoi(f.Value("version"))
	pg.Kinds, pg.Positions = kindOptions, positionOptions
	// A field names its role by the role's row, so the choices follow
	// the role rows as they stand on the form (saved or not).
	pg.RoleChoices = []web.Option{nobody}
	for i := range roleRows {
		text := fmt.Sprintf("Role %d", i+1)
		if l := strings.TrimSpace(f.Value(fmt.Sprintf("ro%d-label", i))); l != "" {
			text += ": " + l
		}
		pg.RoleChoices = append(pg.RoleChoices, web.Option{Value: strconv.Itoa(i), Text: text})
	}
	return pg
}

// templateValues fills the edit form from a saved template, with one
// empty row each for another role and another field.
func templateValues(t signing.Template) url.Values {
	v := url.Values{"name": {t.Name}, "body": {t.Body}, "version": {strconv.Itoa(t.Version)}}
	next := 1
	for i, rl := range t.Roles {
		k := fmt.Sprintf("ro%d-", i)
		v.Set(k+"label", rl.Label)
		v.Set(k+"role", rl.Role)
		v.Set(k+"step", strconv.Itoa(rl.Step))
		next = max(next, rl.Step+1)
	}
	v.Set(fmt.Sprintf("ro%d-role", len(t.Roles)), signing.RoleSigner)
	v.Set(fmt.Sprintf("ro%d-step", len(t.Roles)), strconv.Itoa(next))
	for i, tf := range t.Placed {
		k := fmt.Sprintf("tf%d-", i)
		v.Set(k+"role", strconv.Itoa(tf.Role))
		setFieldRow(v, k, signing.FieldInput{Kind: tf.Kind, Position: tf.Position, Page: tf.Page, X: tf.X, Y: tf.Y, Label: tf.Label})
	}
	v.Set(fmt.Sprintf("tf%d-kind", len(t.Placed)), signing.FieldSignature)
	v.Set("role-rows", strconv.Itoa(len(t.Roles)+1))
	v.Set("field-rows", strconv.Itoa(len(t.Placed)+1))
	return v
}

// editable loads the template for its edit, refusing those who may not.
func (p *envelopesPart) editable(r *http.Request, sub *platform.Subject) (signing.Template, error) {
	t, err := p.ss.GetTemplate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return t, err
	}
	if !p.ss.MayEditTemplate(sub, t) {
		return t, platform.Errorf(platform.CodeForbidden, "Only the template's author and its unit's managers change it")
	}
	return t, nil
}

func (p *envelopesPart) editTemplateForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	t, err := p.editable(r, sub)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "signing/envelopes_template_edit", p.templateEditPage(t, web.NewForm(templateValues(t)), len(t.Roles)+1, len(t.Placed)+1))
}

// rowsPosted is how many rows of a kind the form had, plus one when asked.
func rowsPosted(r *http.Request, count, kind string) int {
	n := max(1, min(number(r.FormValue(count)), maxRows))
	if r.FormValue("more") == kind {
		n = min(n+1, maxRows)
	}
	return n
}

func (p *envelopesPart) saveTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	t, err := p.editable(r, sub)
	if err != nil {
		return err
	}
	nr, nf := rowsPosted(r, "role-rows", "role"), rowsPosted(r, "field-rows", "field")
	render := func(status int, f *web.Form) error {
		f.Input.Set("role-rows", strconv.Itoa(nr))
		f.Input.Set("field-rows", strconv.Itoa(nf))
		return web.Render(w, r, status, "signing/envelopes_template_edit", p.templateEditPage(t, f, nr, nf))
	}
	if m := r.FormValue("more"); m == "role" || m == "field" {
		return render(http.StatusOK, web.FormErrors(r, nil))
	}
	in, roleRows, fieldRows := templateInput(r, nr, nf)
	saved, err := p.ss.UpdateTemplate(r.Context(), sub, t.ID, in)
	switch platform.CodeOf(err) {
	case platform.CodeInvalid:
		return render(http.StatusUnprocessableEntity, templateFormErrors(r, err, roleRows, fieldRows))
	case platform.CodeConflict:
		return render(http.StatusConflict, web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	if saved.Version == t.Version {
		web.SetFlash(w, r, "Nothing changed: the template stays at version "+itoa(saved.Version))
	} else {
		web.SetFlash(w, r, "Template saved as version "+itoa(saved.Version))
	}
	http.Redirect(w, r, "/envelope-templates/"+url.PathEscape(t.ID), http.StatusSeeOther)
	return nil
}

// templateInput reads the edit form; roleRows and fieldRows say which
// form row each role and field came from, to put errors back on them.
func templateInput(r *http.Request, nr, nf int) (in signing.TemplateInput, roleRows, fieldRows []int) {
	in = signing.TemplateInput{Name: r.FormValue("name"), Body: r.FormValue("body"), Version: number(r.FormValue("version"))}
	index := map[string]int{} // role row -> place among the roles given
	for i := 0; i < nr; i++ {
		k := fmt.Sprintf("ro%d-", i)
		if strings.TrimSpace(r.FormValue(k+"label")) == "" {
			continue // an empty row
		}
		index[strconv.Itoa(i)] = len(in.Roles)
		in.Roles = append(in.Roles, signing.TemplateRole{Label: r.FormValue(k + "label"), Role: r.FormValue(k + "role"), Step: number(r.FormValue(k + "step"))})
		roleRows = append(roleRows, i)
	}
	for i := 0; i < nf; i++ {
		k := fmt.Sprintf("tf%d-", i)
		row := r.FormValue(k + "role")
		if row == "" {
			continue
		}
		role, ok := index[row]
		if !ok {
			role = -1 // a role row left empty: the engine says to choose one
		}
		fi := readFieldRow(r, k)
		in.Fields = append(in.Fields, signing.TemplateField{Role: role, Kind: fi.Kind, Position: fi.Position, Page: fi.Page, X: fi.X, Y: fi.Y, Label: fi.Label})
		fieldRows = append(fieldRows, i)
	}
	return in, roleRows, fieldRows
}

var templateField = regexp.MustCompile(`^(roles|fields)\[(\d+)\]\.(\w+)$`)

// templateFormErrors puts the engine's errors (roles[1].label,
// fields[0].page) on the form's inputs (ro2-label, tf0-page) through the
// rows they came from.
func templateFormErrors(r *http.Request, err error, roleRows, fieldRows []int) *web.Form {
	f := rowErrors(web.FormErrors(r, err), templateField, map[string]formRows{"roles": {"ro", roleRows}, "fields": {"tf", fieldRows}},
		map[string]string{"width": "kind"})
	for i, fe := range f.Errors {
		switch fe.Field {
		case "roles":
			f.Errors[i].Field = "ro0-label"
		case "fields":
			f.Errors[i].Field = "tf0-role"
		}
	}
	return f
}

// templateVersion shows one version of a template, read only.
func (p *envelopesPart) templateVersion(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return platform.Errorf(platform.CodeNotFound, "No such version")
	}
	cur, err := p.ss.GetTemplate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	t, err := p.ss.TemplateVersion(r.Context(), sub, cur.ID, n)
	if err != nil {
		return err
	}
	pg := p.newTemplatePage(r, sub, web.NewForm(nil), t)
	pg.Latest = cur.Version
	return web.Render(w, r, http.StatusOK, "signing/envelopes_template_version", pg)
}

var templateIDParam = web.Param{Name: "id", In: "path", Required: true, Description: "The template's ID (stp_...)."}

func (p *envelopesPart) templateEditAPI(api *web.API) {
	api.HandleFunc("PUT /api/v1/envelope-templates/{id}", web.Op{Summary: "Edit an envelope template", OperationID: "updateEnvelopeTemplate", Tags: tagEnvelopes,
		Scopes: []string{platform.ScopeWrite}, Params: []web.Param{templateIDParam},
		Description: "Its author, its unit's managers and administrators. The whole template: name, body (whose ((merge fields)) follow from it), " +
			"roles (label, role: signer, approver or copy, step) and fields (role: a role's place in roles from 0, kind, and a position or page, x and y; page -1 is the last). " +
			"Saved as the next version, kept with the others; a body identical to the current one saves nothing. " +
			"version, when given, is the version the edit was made from: 409 if another was saved since.",
		Request:   web.SchemaOf(signing.TemplateInput{}),
		Responses: map[int]web.Response{200: {Description: "The template as now saved.", Schema: web.SchemaOf(TemplateJSON{})}}}, p.apiUpdateTemplate)
	api.HandleFunc("GET /api/v1/envelope-templates/{id}/versions", web.Op{Summary: "List an envelope template's versions", OperationID: "listEnvelopeTemplateVersions",
		Tags: tagEnvelopes, Scopes: []string{platform.ScopeRead}, Params: []web.Param{templateIDParam},
		Responses: map[int]web.Response{200: {Description: "Every version, the newest first.", Schema: web.SchemaOf(web.List[TemplateJSON]{})}}}, p.apiTemplateVersions)
	api.HandleFunc("GET /api/v1/envelope-templates/{id}/versions/{version}", web.Op{Summary: "Get a version of an envelope template", OperationID: "getEnvelopeTemplateVersion",
		Tags: tagEnvelopes, Scopes: []string{platform.ScopeRead},
		Params:    []web.Param{templateIDParam, {Name: "version", In: "path", Required: true, Description: "The version, from 1 (an envelope's template_version).", Schema: web.Schema{"type": "integer", "minimum": 1}}},
		Responses: map[int]web.Response{200: {Description: "That version.", Schema: web.SchemaOf(TemplateJSON{})}}}, p.apiTemplateVersion)
}

func (p *envelopesPart) apiUpdateTemplate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in signing.TemplateInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	t, err := p.ss.UpdateTemplate(r.Context(), sub, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, templateJSON(t))
}

func (p *envelopesPart) apiTemplateVersions(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	vs, err := p.ss.TemplateVersions(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := web.List[TemplateJSON]{Items: []TemplateJSON{}}
	for _, v := range vs {
		out.Items = append(out.Items, templateJSON(v))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *envelopesPart) apiTemplateVersion(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return platform.Invalid("Give the version as a number from 1")
	}
	t, err := p.ss.TemplateVersion(r.Context(), sub, r.PathValue("id"), n)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, templateJSON(t))
}
