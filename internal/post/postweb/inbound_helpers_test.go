package postweb

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/inbound"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

// caseDesk stands in for the services engine behind post.CaseDesk
// (cmd/dbtp's tests route to the real one).
type caseDesk struct {
	mu    sync.Mutex
	cases []post.CaseRef
	filed map[string][]post.CaseDocument
	told  map[string]int
}

func (e *env) caseDesk(cases ...post.CaseRef) *caseDesk {
	d := &caseDesk{cases: cases, filed: map[string][]post.CaseDocument{}, told: map[string]int{}}
	e.m.UseInboundCases(d)
	return d
}

func (d *caseDesk) FindCase(_ context.Context, sub *platform.Subject, ref string) (post.CaseRef, error) {
	for _, c := range d.cases {
		if c.Reference == ref && (sub.Kind == platform.SubjectSystem || sub.InUnit(c.UnitID)) {
			return c, nil
		}
	}
	return post.CaseRef{}, platform.NotFound("case")
}

func (d *caseDesk) SearchCases(_ context.Context, sub *platform.Subject, text string, _ int) ([]post.CaseRef, error) {
	var out []post.CaseRef
	for _, c := range d.cases {
		if strings.Contains(strings.ToLower(c.Title+" "+c.Reference), strings.ToLower(text)) && (sub.Kind == platform.SubjectSystem || sub.InUnit(c.UnitID)) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (d *caseDesk) FileOnCase(_ context.Context, _, caseID string, doc post.CaseDocument) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.filed[caseID] {
		if f.ID == doc.ID {
			return nil
		}
	}
	d.filed[caseID] = append(d.filed[caseID], doc)
	return nil
}

func (d *caseDesk) RemoveFromCase(_ context.Context, _, caseID, docID, _ string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	fs := d.filed[caseID]
	for i, f := range fs {
		if f.ID == docID {
			d.filed[caseID] = append(fs[:i:i], fs[i+1:]...)
		}
	}
	return nil
}

func (d *caseDesk) TellCaseworker(_ context.Context, _, caseID, _, _ string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.told[caseID]++
	return nil
}

func (d *caseDesk) filedOn(caseID string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.filed[caseID])
}

func needOCR(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

func scannedLetter(ref string) []byte {
	return inbound.TypedLetter("Mr Arthur Dent\n155 Country Lane\nCottington\nNS4 2XY\n\nYour reference: " + ref +
		"\n\nDear Sir or Madam,\n\nI enclose the form you asked for.\n\nYours faithfully,\n\nArthur Dent")
}

type file struct {
	name    string
	content []byte
}

// multipartFiles is a form of parts named "files", with the CSRF token
// when csrf is not empty.
func multipartFiles(t testing.TB, csrf string, files ...file) (*bytes.Buffer, http.Header) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if csrf != "" {
		noErr(t, w.WriteField(web.CSRFField, csrf))
	}
	for _, f := range files {
		fw, err := w.CreateFormFile("files", f.name)
		noErr(t, err)
		_, err = fw.Write(f.content)
		noErr(t, err)
	}
	noErr(t, w.Close())
	return &b, http.Header{"Content-Type": {w.FormDataContentType()}}
}

// upload posts files from the post room's page.
func upload(t testing.TB, b *webtest.Browser, files ...file) *webtest.Response {
	t.Helper()
	body, h := multipartFiles(t, b.CSRFToken(), files...)
	return b.Do("POST", "/post/inbound", body, h)
}

// apiUpload posts files to the API with a bearer token.
func (e *env) apiUpload(token string, files ...file) *webtest.Response {
	e.t.Helper()
	body, h := multipartFiles(e.t, "", files...)
	h.Set("Authorization", "Bearer "+token)
	return e.do("POST", "/api/v1/post/inbound", h, body.Bytes())
}
