package recordsweb

import (
	"archive/zip"
	"bytes"
	"net/url"
	"testing"

	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestTextIsReadInTheBackground: filing never waits for the text; the job
// reads it afterwards and the document says so, a damaged PDF is filed
// all the same with the reason shown, a picture has no text to read, and
// the text is found by search.
func TestTextIsReadInTheBackground(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ann := e.browser("Ann")
		file := func(title, name string, content []byte) string {
			t.Helper()
			r := e.postFile(ann, "/records/new", url.Values{"title": {title}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]}}, name, content)
			if r.Status != 303 {
				t.Fatalf("%s: %d\n%s", name, r.Status, r.Body)
			}
			return docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		}
		pdf := file("Minutes", "minutes.pdf", twoPagePDF(t))
		broken := file("Broken", "broken.pdf", []byte("%PDF-1.7\nnot a real PDF at all"))
		var docx bytes.Buffer
		zw := zip.NewWriter(&docx)
		w, _ := zw.Create("word/document.xml")
		w.Write([]byte(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Reablement package agreed with Mrs Pratt</w:t></w:r></w:p></w:body></w:document>`))
		w, _ = zw.Create("[Content_Types].xml")
		w.Write([]byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`))
		zw.Close()
		word := file("Visit note", "visit.docx", docx.Bytes())
		pic := file("Photo", "photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))

		want(t, ann.Get("/records/"+pdf), 200, "Waiting to be read")
		e.runJobs()
		want(t, ann.Get("/records/"+pdf), 200, "Text for search", "Read")
		want(t, ann.Get("/records/"+broken), 200, "Could not be read: The file is damaged")
		want(t, ann.Get("/records/"+pic), 200, "This kind of file has no text to read")
		res, err := e.m.Store().Search(e.ctx, e.subject("Ann"), records.Query{Text: "reablement pratt"})
		noErr(t, err)
		if res.Total != 1 || res.Hits[0].ID != word {
			t.Fatalf("search found %+v", res)
		}
		res, err = e.m.Store().Search(e.ctx, e.subject("Ann"), records.Query{Text: "actions agreed"})
		noErr(t, err)
		if res.Total != 1 || res.Hits[0].ID != pdf {
			t.Fatalf("search of the PDF's second page found %+v", res)
		}
		// Another unit's caseworker finds none of it.
		res, err = e.m.Store().Search(e.ctx, e.subject("Fred"), records.Query{Text: "reablement"})
		noErr(t, err)
		if res.Total != 0 {
			t.Fatalf("another unit found %d", res.Total)
		}
	})
}
