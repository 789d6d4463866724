package postweb

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

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
	writeNotifyJSON(w, http.StatusOK, p.v2Template(t, sv))
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
	for _, t := range ts {
		out.Templates = append(out.Templates, p.v2Template(t, sv))
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
