package postweb

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"dbtp/internal/post"
	"dbtp/internal/post/notify"
)

// The Notify API's letters of the sender's own: POST
// /v2/notifications/letter with a PDF, and GET /v2/notifications/{id}/pdf.

// v2Precompiled is Notify's precompiled letter: {"reference", "content"
// (the PDF in base64), "postage"}.
func (p *sendingPart) v2Precompiled(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey, fields map[string]json.RawMessage) error {
	var v v2Validation
	v2Allowed(&v, fields, "reference", "content", "postage")
	ref := v2Str(&v, fields, "reference", true)
	content := v2Str(&v, fields, "content", true)
	postage := v2Str(&v, fields, "postage", false)
	pdf, err := base64.StdEncoding.DecodeString(content)
	if err != nil && content != "" {
		v.add("content is not a base64 encoded string")
	}
	if err := v.err(); err != nil {
		return err
	}
	n, err := p.m.ps.SendPrecompiled(r.Context(), key, ref, pdf, postage)
	if err != nil {
		return err
	}
	writeNotifyJSON(w, http.StatusCreated, v2Precompiled{ID: n.ID, Reference: strOrNil(n.Reference), Postage: n.Postage})
	return nil
}

// v2PDF is GET /v2/notifications/{id}/pdf: a letter's PDF, once delivery
// has rendered it (or the sender's own, for a precompiled letter).
func (p *sendingPart) v2PDF(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error {
	id := r.PathValue("id")
	if !notify.IsUUID(id) {
		var v v2Validation
		v.add("notification_id is not a valid UUID")
		return v.err()
	}
	n, err := p.m.ps.NotificationForService(r.Context(), sv.ID, strings.ToLower(id))
	if err != nil {
		return err
	}
	if n.Kind != post.KindLetter {
		return v2BadRequest("Notification is not a letter")
	}
	if n.PDFBlob == "" || p.m.d.Blob == nil {
		return &notify.APIError{Status: 400, Errors: []notify.ErrorItem{{Error: "PDFNotReadyError", Message: "PDF not available yet, try again later"}}}
	}
	rc, _, err := p.m.d.Blob.Open(r.Context(), n.PDFBlob)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	_, err = io.Copy(w, rc)
	if err != nil {
		p.m.d.Log.WarnContext(r.Context(), "post: letter PDF cut short", "id", n.ID, "err", err)
	}
	return nil
}
