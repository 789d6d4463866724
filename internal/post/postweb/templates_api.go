package postweb

import (
	"net/http"
	"strconv"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

// The templates' JSON API (/api/v1/post/templates): for the council's own
// tools that keep templates. Reading needs the read scope and a member of
// staff of the owning unit; changing needs the write scope and a manager
// or designer of that unit (the engine decides). Sending is Notify's v2
// API's (/v2/...), with the service's API key.

// TemplateJSON is a template as the API writes it.
type TemplateJSON struct {
	ID           string    `json:"id"`
	ServiceID    string    `json:"service_id"`
	UnitID       string    `json:"business_unit_id"`
	Kind         string    `json:"kind"` // email, sms or letter
	Name         string    `json:"name"`
	Subject      string    `json:"subject"` // email subject or letter heading; "" for text messages
	Body         string    `json:"body"`
	Version      int       `json:"version"`
	Statutory    bool      `json:"statutory"`
	Archived     bool      `json:"archived"`
	Placeholders []string  `json:"placeholders"` // the names its personalisation needs
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	UpdatedBy    string    `json:"updated_by"`
}

func templateJSON(t post.Template) TemplateJSON {
	ps := placeholdersOf(t)
	return TemplateJSON{ID: t.ID, ServiceID: t.ServiceID, UnitID: t.UnitID, Kind: t.Kind, Name: t.Name, Subject: t.Subject, Body: t.Body,
		Version: t.Version, Statutory: t.Statutory, Archived: t.Archived, Placeholders: ps, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		UpdatedBy: t.UpdatedBy}
}

func placeholdersOf(t post.Template) []string {
	if ps := notify.Placeholders(t.Subject, t.Body); ps != nil {
		return ps
	}
	return []string{}
}

// PreviewRequest asks for a template rendered with sample data.
type PreviewRequest struct {
	Version         int            `json:"version,omitempty"` // 0: the current one
	Personalisation map[string]any `json:"personalisation,omitempty"`
}

// PreviewJSON is a template rendered with sample data.
type PreviewJSON struct {
	ID        string   `json:"id"`
	Version   int      `json:"version"`
	Kind      string   `json:"kind"`
	Subject   string   `json:"subject"`
	Body      string   `json:"body"` // plain text
	HTML      string   `json:"html,omitempty"`
	Missing   []string `json:"missing"` // placeholders the sample left out, shown as ((name))
	Fragments int      `json:"fragments,omitempty"`
	Chars     int      `json:"characters,omitempty"`
	Unicode   bool     `json:"unicode,omitempty"`
}

var (
	tagTemplates = []string{"post templates"}
	tplPathID    = web.Param{Name: "id", In: "path", Required: true, Description: "The template's ID (a UUID)."}
)

func tplOK(desc string, v any) map[int]web.Response {
	return map[int]web.Response{200: {Description: desc, Schema: web.SchemaOf(v)}}
}

func (p *templatesPart) routeAPI(api *web.API) {
	op := func(pattern, id, summary, desc string, scope string, params []web.Param, req web.Schema, res map[int]web.Response, h func(http.ResponseWriter, *http.Request) error) {
		api.HandleFunc(pattern, web.Op{Summary: summary, Description: desc, OperationID: id, Tags: tagTemplates, Scopes: []string{scope}, Params: params,
			Request: req, Responses: res}, h)
	}
	read, write := platform.ScopeRead, platform.ScopeWrite
	op("GET /api/v1/post/templates", "listPostTemplates", "List message templates",
		"The templates of the business units the caller reads, by name, a page at a time.", read,
		[]web.Param{{Name: "service", In: "query", Description: "Only this sending service's"}, {Name: "business_unit", In: "query", Description: "Only this unit's"},
			{Name: "kind", In: "query", Description: "email, sms or letter"}, {Name: "q", In: "query", Description: "Words in the name"},
			{Name: "archived", In: "query", Description: "yes: the archived ones instead of those in use"},
			{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}},
		nil, tplOK("One page.", web.List[TemplateJSON]{}), p.apiList)
	op("POST /api/v1/post/templates", "createPostTemplate", "Make a message template",
		"Version 1 of a template for one of the sending services the caller keeps. statutory defaults to true.", write, nil,
		web.SchemaOf(post.TemplateInput{}), map[int]web.Response{201: {Description: "The template; Location names it.", Schema: web.SchemaOf(TemplateJSON{})}}, p.apiCreate)
	op("GET /api/v1/post/templates/{id}", "getPostTemplate", "Get a message template", "At its current version.", read, []web.Param{tplPathID}, nil,
		tplOK("The template.", TemplateJSON{}), p.apiGet)
	op("PUT /api/v1/post/templates/{id}", "updatePostTemplate", "Change a message template",
		"Replaces its name, subject, body and statutory flag (service_id and kind are ignored). A new subject or body is a new version; every version is kept. An archived template is 409.",
		write, []web.Param{tplPathID}, web.SchemaOf(post.TemplateInput{}), tplOK("The template.", TemplateJSON{}), p.apiUpdate)
	op("GET /api/v1/post/templates/{id}/versions", "listPostTemplateVersions", "A template's versions", "Every version, newest first, a page at a time.", read,
		[]web.Param{tplPathID, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}}, nil, tplOK("The versions.", web.List[post.TemplateVersion]{}), p.apiVersions)
	op("GET /api/v1/post/templates/{id}/versions/{version}", "getPostTemplateVersion", "A template at one version", "", read,
		[]web.Param{tplPathID, {Name: "version", In: "path", Required: true, Description: "1 and up", Schema: web.Schema{"type": "integer", "minimum": 1}}}, nil,
		tplOK("The template with that version's subject and body.", TemplateJSON{}), p.apiVersion)
	op("POST /api/v1/post/templates/{id}/preview", "previewPostTemplate", "Preview a template with sample data",
		"Renders the template (or one of its versions) with the personalisation given; names left out are shown as ((name)) and listed in missing.",
		read, []web.Param{tplPathID}, web.SchemaOf(PreviewRequest{}), tplOK("The rendered message.", PreviewJSON{}), p.apiPreview)
	op("POST /api/v1/post/templates/{id}/archive", "archivePostTemplate", "Archive a template", "It sends nothing until brought back; its versions are kept.",
		write, []web.Param{tplPathID}, nil, map[int]web.Response{204: {Description: "Archived."}}, p.apiArchive(true))
	op("POST /api/v1/post/templates/{id}/restore", "restorePostTemplate", "Bring an archived template back", "", write, []web.Param{tplPathID}, nil,
		map[int]web.Response{204: {Description: "In use again."}}, p.apiArchive(false))
}

func (p *templatesPart) apiList(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiStaff(r)
	if err != nil {
		return err
	}
	pg, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := post.TemplateFilter{ServiceID: q.Get("service"), UnitID: q.Get("business_unit"), Kind: q.Get("kind"), Query: q.Get("q"), After: pg.Cursor, Limit: pg.Limit}
	switch q.Get("archived") {
	case "":
	case "yes":
		f.Archived = true
	default:
		return platform.Invalid("Check the query", platform.FieldError{Field: "archived", Message: "must be yes or left out"})
	}
	switch f.Kind {
	case "", post.KindEmail, post.KindSMS, post.KindLetter:
	default:
		return platform.Invalid("Check the query", platform.FieldError{Field: "kind", Message: "must be email, sms or letter"})
	}
	ts, next, err := p.ps.Templates(r.Context(), sub, f)
	if err != nil {
		return err
	}
	out := web.List[TemplateJSON]{Items: []TemplateJSON{}}
	for _, t := range ts {
		out.Items = append(out.Items, templateJSON(t))
	}
	if next != nil {
		out.NextCursor = web.EncodeCursor(next...)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *templatesPart) apiCreate(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiStaff(r)
	if err != nil {
		return err
	}
	var in post.TemplateInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	t, err := p.ps.CreateTemplate(r.Context(), sub, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/post/templates/"+t.ID)
	return web.WriteJSON(w, http.StatusCreated, templateJSON(t))
}

func (p *templatesPart) apiGet(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiStaff(r)
	if err != nil {
		return err
	}
	t, err := p.ps.Template(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, templateJSON(t))
}

func (p *templatesPart) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiStaff(r)
	if err != nil {
		return err
	}
	var in post.TemplateInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	t, err := p.ps.UpdateTemplate(r.Context(), sub, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, templateJSON(t))
}

func (p *templatesPart) apiVersions(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiStaff(r)
	if err != nil {
		return err
	}
	pg, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	before := 0
	if len(pg.Cursor) == 1 {
		before, _ = strconv.Atoi(pg.Cursor[0])
	}
	vs, more, err := p.ps.TemplateVersionsPage(r.Context(), sub, r.PathValue("id"), before, pg.Limit)
	if err != nil {
		return err
	}
	out := web.List[post.TemplateVersion]{Items: vs}
	if out.Items == nil {
		out.Items = []post.TemplateVersion{}
	}
	if more {
		out.NextCursor = web.EncodeCursor(strconv.Itoa(vs[len(vs)-1].Version))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *templatesPart) apiVersion(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiStaff(r)
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return platform.Invalid("Check the version", platform.FieldError{Field: "version", Message: "must be a whole number from 1"})
	}
	t, err := p.ps.TemplateAt(r.Context(), sub, r.PathValue("id"), v)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, templateJSON(t))
}

func (p *templatesPart) apiPreview(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiStaff(r)
	if err != nil {
		return err
	}
	var in PreviewRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Version < 0 {
		return platform.Invalid("Check the version", platform.FieldError{Field: "version", Message: "must be a whole number from 1, or left out"})
	}
	pv, err := p.ps.PreviewTemplate(r.Context(), sub, r.PathValue("id"), in.Version, in.Personalisation)
	if err != nil {
		return err
	}
	rd := pv.Rendered
	out := PreviewJSON{ID: pv.Template.ID, Version: pv.Template.Version, Kind: pv.Template.Kind, Subject: rd.Subject, Body: rd.Text, HTML: rd.HTML,
		Missing: pv.Missing, Fragments: rd.Fragments, Chars: rd.Chars, Unicode: rd.Unicode}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *templatesPart) apiArchive(archived bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sub, err := apiStaff(r)
		if err != nil {
			return err
		}
		if err := p.ps.ArchiveTemplate(r.Context(), sub, r.PathValue("id"), archived); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// apiStaff is staff for the API: a request without a token is 401 (sign
// in), not 403, so clients know to authenticate.
func apiStaff(r *http.Request) (*platform.Subject, error) {
	if !web.SubjectOf(r).Authenticated() {
		return nil, platform.Errorf(platform.CodeUnauthorized, "Send an API token: Authorization: Bearer <token>")
	}
	return staff(r)
}
