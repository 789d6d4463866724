package portal

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
)

func uploadPhoto(b *webtest.Browser, name string, content []byte) *webtest.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", b.CSRFToken())
	fw, _ := mw.CreateFormFile("photo", name)
	fw.Write(content)
	mw.Close()
	return b.Do("POST", "/services/evidence/pages/photo", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// A file uploaded on a question page is kept in the file store, not in a
// node's memory: after a restart the person submits and the case has the
// file, byte for byte.
func TestUploadSurvivesRestart(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(evidenceService())
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)
		wantRedirect(t, uploadPhoto(e.browser("Rita"), "pothole.png", png), "/services/evidence/check-answers")

		e.boot() // a new engine and web server over the same database and file store
		b := e.browser("Rita")
		want(t, b.Get("/services/evidence/check-answers"), 200, "pothole.png")
		r := b.PostForm("/services/evidence/check-answers", nil)
		if r.Status != 303 {
			t.Fatalf("submit after restart: %d\n%s", r.Status, r.Body)
		}
		ref := strings.TrimPrefix(r.Header.Get("Location"), "/services/evidence/confirmation/")
		c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
		noErr(t, err)
		atts, err := e.svc.ListAttachments(e.ctx, e.sys, c.ID)
		noErr(t, err)
		if len(atts) != 1 || atts[0].Name != "pothole.png" {
			t.Fatalf("attachments %+v", atts)
		}
		_, got, err := e.svc.GetAttachment(e.ctx, e.sys, c.ID, atts[0].ID)
		if err != nil || !bytes.Equal(got, png) {
			t.Fatalf("attachment content %q %v", got, err)
		}
	})
}
