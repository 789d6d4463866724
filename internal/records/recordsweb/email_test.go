package recordsweb

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestEmailCapture: an .eml is filed whole and its attachment beside it,
// with the email's details, its name made safe, previewed as a PDF, and
// found by search after the text is read.
func TestEmailCapture(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pdf := base64.StdEncoding.EncodeToString(twoPagePDF(t))
		eml := strings.Join([]string{
			"From: Tom Hughes <tom.hughes@nhs-kent-medway.example>",
			"To: adults@kent.example",
			"Subject: Discharge summary for Mrs Pratt",
			"Date: Mon, 2 Mar 2026 09:30:00 +0000",
			"MIME-Version: 1.0",
			`Content-Type: multipart/mixed; boundary="b1"`,
			"",
			"--b1",
			"Content-Type: text/plain; charset=utf-8",
			"",
			"Please find the discharge summary attached. Falls risk noted.",
			"--b1",
			"Content-Type: application/pdf",
			`Content-Disposition: attachment; filename="=?utf-8?q?..=2F..=2Fdischarge_summary.pdf?="`,
			"Content-Transfer-Encoding: base64",
			"",
			pdf,
			"--b1--",
			"",
		}, "\r\n")
		ann := e.browser("Ann")
		r := e.postFile(ann, "/records/new", url.Values{"title": {"Discharge email"}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]},
			"classification": {"OFFICIAL-SENSITIVE"}, "people": {"Edna Pratt, 1938-09-14"}, "declare": {"yes"}}, "discharge.eml", []byte(eml))
		if r.Status != 303 {
			t.Fatalf("upload: %d\n%s", r.Status, r.Body)
		}
		id := docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		want(t, ann.Get("/records/"+id), 200, "with the email&#39;s 1 attachments filed beside it", "message/rfc822")
		p, err := e.m.Store().List(e.ctx, e.subject("Ann"), records.Filter{Records: "yes"})
		noErr(t, err)
		var att *records.Document
		for _, d := range p.Documents {
			if d.Source == records.SourceEmail {
				att = d
			}
		}
		if att == nil || att.SourceRef != id+"#1" || att.Classification != "OFFICIAL-SENSITIVE" || len(att.Subjects) != 1 || !att.Declared() ||
			att.Title != "discharge summary (attachment to: Discharge summary for Mrs Pratt)" {
			t.Fatalf("attachment filed as %+v", att)
		}
		vs, err := e.m.Store().Versions(e.ctx, e.subject("Ann"), att.ID)
		noErr(t, err)
		if vs[0].Name != "discharge summary.pdf" || vs[0].MediaType != "application/pdf" {
			t.Fatalf("attachment version %+v", vs[0])
		}
		want(t, ann.Get("/records/"+att.ID), 200, "Page 1 of 2")
		e.runJobs()
		res, err := e.m.Store().Search(e.ctx, e.subject("Ann"), records.Query{Text: "falls risk"})
		noErr(t, err)
		if res.Total != 1 || res.Hits[0].ID != id {
			t.Fatalf("search for the email's body: %+v", res)
		}
	})
}
