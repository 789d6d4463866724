package postweb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
)

// The Notify API's templates: GET /v2/template/{id} (and /version/{v}),
// GET /v2/templates and POST /v2/template/{id}/preview.

func (p *sendingPart) v2GetTemplate(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error {
	id := r.PathValue("id")
	var v v2Validation
	if !notify.IsUUID(id) {
		v.add("id is not a valid UUID")
	}
	version := 0
	if s := r.PathValue("version"); s != "" {
		if _, err := fmt.Sscanf(s, "%d", &version); err != nil || version < 1 || fmt.Sprint(version) != s {
			v.add("version %s is not of type integer", s)
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	t, err := p.m.ps.TemplateForService(r.Context(), sv.ID, strings.ToLower(id), version)
	if err != nil {
		return err
	}
	writeNotifyJSON(w, http.StatusOK, p.v2Template(t, sv, p.templateAuthors(r.Context(), sv, []post.Template{t})))
	return nil
}

func (p *sendingPart) v2Templates(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error {
	kind := r.URL.Query().Get("type")
	if kind != "" && kind != post.KindEmail && kind != post.KindSMS && kind != post.KindLetter {
		var v v2Validation
		v.add("type %s is not one of [sms, email, letter]", kind)
		return v.err()
	}
	ts, err := p.m.ps.TemplatesForService(r.Context(), sv.ID, kind)
	if err != nil {
		return err
	}
	out := struct {
		Templates []v2Template `json:"templates"`
	}{Templates: []v2Template{}}
	authors := p.templateAuthors(r.Context(), sv, ts)
	for _, t := range ts {
		out.Templates = append(out.Templates, p.v2Template(t, sv, authors))
	}
	writeNotifyJSON(w, http.StatusOK, out)
	return nil
}

func (p *sendingPart) v2Preview(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error {
	id := r.PathValue("id")
	var v v2Validation
	if !notify.IsUUID(id) {
		v.add("id is not a valid UUID")
		return v.err()
	}
	fields, err := v2ReadBody(r)
	if err != nil {
		return err
	}
	v2Allowed(&v, fields, "personalisation")
	pers := v2Personalisation(&v, fields)
	if err := v.err(); err != nil {
		return err
	}
	t, err := p.m.ps.TemplateForService(r.Context(), sv.ID, strings.ToLower(id), 0)
	if err != nil {
		return err
	}
	rd, err := notify.Render(t.Kind, t.Subject, t.Body, pers)
	var miss *notify.MissingError
	if errors.As(err, &miss) {
		return v2BadRequest("Missing personalisation: " + strings.Join(miss.Names, ", "))
	}
	if err != nil {
		return v2BadRequest(err.Error())
	}
	out := v2Preview{ID: t.ID, Type: t.Kind, Version: t.Version, Body: rd.Text}
	if t.Kind != post.KindSMS {
		out.Subject = &rd.Subject
	}
	if t.Kind == post.KindEmail {
		out.HTML = &rd.HTML
	}
	if t.Kind == post.KindLetter {
		second := "second"
		out.Postage = &second
	}
	writeNotifyJSON(w, http.StatusOK, out)
	return nil
}

// templateAuthors is the email address of each person who last wrote one
// of ts (Notify's created_by), by user id, in one look-up.
func (p *sendingPart) templateAuthors(ctx context.Context, sv post.Service, ts []post.Template) map[string]string {
	var ids []string
	for _, t := range ts {
		if t.UpdatedBy != "" {
			ids = append(ids, t.UpdatedBy)
		}
	}
	out := map[string]string{}
	if len(ids) == 0 {
		return out
	}
	people, err := p.m.d.Directory.People(ctx, platform.System(sv.OrgID), ids)
	if err != nil {
		return out // the ids stand in: a template is still listed
	}
	for id, person := range people {
		if person.Email != "" {
			out[id] = person.Email
		}
	}
	return out
}
