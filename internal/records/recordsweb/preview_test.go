package recordsweb

import (
	"bytes"
	"image/png"
	"net/url"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"

	"github.com/go-pdf/fpdf"
)

// twoPagePDF is a small real PDF with a word on each page.
func twoPagePDF(t testing.TB) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetFont("Helvetica", "", 16)
	for _, w := range []string{"Minutes of the meeting", "Actions agreed"} {
		f.AddPage()
		f.Cell(40, 10, w)
	}
	var b bytes.Buffer
	noErr(t, f.Output(&b))
	return b.Bytes()
}

// TestPDFPreview: a filed PDF is shown as pictures of its pages, one at a
// time with links between them, and damaged PDFs say why they are not.
func TestPDFPreview(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ann := e.browser("Ann")
		fields := url.Values{"title": {"Team minutes"}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]}}
		r := e.postFile(ann, "/records/new", fields, "minutes.pdf", twoPagePDF(t))
		id := docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		want(t, ann.Get("/records/"+id), 200, "Page 1 of 2", `/records/`+id+`/versions/1/pages/1"`, `href="?page=2#preview"`)
		want(t, ann.Get("/records/"+id+"?page=9"), 200, "Page 2 of 2", `href="?page=1#preview"`)
		// Opened from a search, its pages lead back to that search too.
		want(t, ann.Get("/records/"+id+"?back=/records/search?q=minutes"), 200, `href="?back=%2frecords%2fsearch%3fq%3dminutes&amp;page=2#preview"`)
		want(t, ann.Get("/records/"+id+"?back=/records/search?q=minutes&page=2"), 200, "Page 2 of 2", `href="/records/search?q=minutes" class="govuk-back-link"`)
		pic := ann.Get("/records/" + id + "/versions/1/pages/2")
		if pic.Status != 200 || pic.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("page picture: %d %s", pic.Status, pic.Header.Get("Content-Type"))
		}
		img, err := png.Decode(bytes.NewReader([]byte(pic.Body)))
		noErr(t, err)
		if img.Bounds().Dx() != previewWidth {
			t.Fatalf("picture %d px wide", img.Bounds().Dx())
		}
		want(t, ann.Get("/records/"+id+"/versions/1/pages/3"), 400)
		want(t, e.browser("Fred").Get("/records/"+id+"/versions/1/pages/1"), 404)

		r = e.postFile(ann, "/records/new", fields, "broken.pdf", []byte("%PDF-1.7\nthis is not really a PDF"))
		id = docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		want(t, ann.Get("/records/"+id), 200, "damaged")
	})
}
