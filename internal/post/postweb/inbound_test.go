package postweb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/post"
	"dbtp/internal/post/inbound"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
)

// TestInboundPages: a caseworker uploads a batch in the post room; it is
// kept at once and read by the jobs with the real tesseract; the letter
// naming a case is filed on it, the other waits in triage, where she
// finds the case by search and routes it by hand.
func TestInboundPages(t *testing.T) {
	needOCR(t)
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		desk := e.caseDesk(post.CaseRef{ID: "case_1", Reference: "ASC-2026-000042", Title: "Care assessment", UnitID: e.units["Adults"]},
			post.CaseRef{ID: "case_2", Reference: "BLUE-2026-000003", Title: "Blue badge renewal", UnitID: e.units["Adults"]})
		cas := e.browser("Cas")
		want(t, cas.Get("/post/inbound"), 200, "Upload scanned post", "There is no post here.")
		res := upload(t, cas, file{"dent.pdf", scannedLetter("ASC-2026-000042")}, file{"other.pdf", scannedLetter("HOUS-2026-000999")})
		want(t, res, 303)
		loc := res.Header.Get("Location")
		if !strings.HasPrefix(loc, "/post/inbound?batch=pib_") {
			t.Fatalf("redirect %q", loc)
		}
		want(t, cas.Get(loc), 200, "2 letters:", "2 still being read", "Check again")
		// Two reads, and whatever else is due (the delivery part's sweeps).
		if n, err := e.jobs.RunDue(e.ctx); err != nil || n < 2 {
			t.Fatalf("jobs %d %v", n, err)
		}
		page := cas.Get(loc)
		want(t, page, 200, "1 filed on cases, 1 waiting in triage, 0 still being read", "ASC-2026-000042", "NS4 2XY", "Arthur Dent")
		if strings.Contains(page.Body, "Check again") || desk.filedOn("case_1") != 1 || desk.told["case_1"] != 1 {
			t.Fatalf("batch page or filing: %d filed", desk.filedOn("case_1"))
		}
		items, err := e.m.Inbound().List(e.ctx, e.subject("Cas"), post.InboundFilter{Status: post.InboundTriage})
		noErr(t, err)
		if len(items) != 1 {
			t.Fatalf("triage %+v", items)
		}
		id := items[0].ID
		item := cas.Get("/post/inbound/" + id)
		want(t, item, 200, "Text read from it", "HOUS-2026-000999", "Route to a case", "/post/inbound/"+id+"/preview.png")
		want(t, cas.PostForm("/post/inbound/"+id+"/route", url.Values{"reference": {"HOUS-2026-000999"}}), 422, "No case you can see has the reference HOUS-2026-000999")
		want(t, cas.Get("/post/inbound/"+id+"?q=badge"), 200, "Cases found", "File on BLUE-2026-000003")
		want(t, cas.Get("/post/inbound/"+id+"?q=nothing"), 200, "No case you can see matches")
		want(t, cas.PostForm("/post/inbound/"+id+"/route", url.Values{"reference": {"BLUE-2026-000003"}}), 303)
		want(t, cas.Get("/post/inbound/"+id), 200, "Filed on", "BLUE-2026-000003, by hand")
		if desk.filedOn("case_2") != 1 {
			t.Fatal("not filed by hand")
		}
		want(t, cas.PostForm("/post/inbound/"+id+"/route", url.Values{"reference": {"ASC-2026-000042"}}), 409, "already filed on case BLUE-2026-000003")
		scan := cas.Get("/post/inbound/" + id + "/scan")
		want(t, scan, 200)
		if scan.Body != string(scannedLetter("HOUS-2026-000999")) || scan.Header.Get("Content-Type") != inbound.PDF {
			t.Fatalf("scan %q", scan.Header)
		}
		prev := cas.Get("/post/inbound/" + id + "/preview.png")
		if prev.Status != 200 || inbound.MediaType([]byte(prev.Body)) != inbound.PNG {
			t.Fatalf("preview %d", prev.Status)
		}
		// A damaged PDF says so, and its page shows no broken picture.
		res = upload(t, cas, file{"broken.pdf", []byte("%PDF-1.4 this is not really a PDF")})
		want(t, res, 303)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		items, err = e.m.Inbound().List(e.ctx, e.subject("Cas"), post.InboundFilter{Status: post.InboundTriage})
		noErr(t, err)
		var broken string
		for _, it := range items {
			if it.Name == "broken.pdf" {
				broken = it.ID
			}
		}
		page = cas.Get("/post/inbound/" + broken)
		want(t, page, 200, "damaged or is not a PDF", "Open the scan")
		if strings.Contains(page.Body, "preview.png") || strings.Contains(page.Body, "exit status") {
			t.Fatalf("the damaged scan's page shows a preview or the tool's exit status: %s", page.Body)
		}
		// Sid (Finance staff) reads the post room but cannot upload;
		// residents and other organisations see nothing.
		sid := e.browser("Sid")
		if p := sid.Get("/post/inbound?status=routed"); p.Status != 200 || strings.Contains(p.Body, "Upload scanned post") {
			t.Fatalf("sid's page %d", p.Status)
		}
		want(t, upload(t, sid, file{"a.pdf", scannedLetter("X")}), 403)
		want(t, e.browser("Rita").Get("/post/inbound"), 403)
		if res := e.srv.API(e.token("Otto", "read"), "GET", "/api/v1/post/inbound/"+id, ""); res.Status != 404 && res.Status != 403 {
			t.Fatalf("another organisation: %d", res.Status)
		}
	})
}

// TestInboundBadUploads: every bad upload is refused with a 4xx that says
// what to fix, and nothing of it is kept.
func TestInboundBadUploads(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_INBOUND_MAX_MB": "1", "DBTP_POST_INBOUND_MAX_FILES": "3"})
		cas := e.browser("Cas")
		good := file{"good.pdf", scannedLetter("ASC-2026-000042")}
		big := file{"big.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 1<<20)...)}
		locked := file{"locked.pdf", []byte("%PDF-1.6\ntrailer<</Root 1 0 R/Encrypt 2 0 R>>\n%%EOF")}
		for _, c := range []struct {
			name   string
			files  []file
			status int
			says   string
		}{
			{"nothing chosen", []file{{"", nil}}, 422, "Choose one or more scanned letters"},
			{"not a scan", []file{good, {"minutes.docx", []byte("PK\x03\x04...")}}, 422, "minutes.docx is not a PDF or an image"},
			{"oversized", []file{good, big}, 413, "big.pdf is larger than 1 MB"},
			{"encrypted", []file{good, locked}, 422, "locked.pdf is an encrypted PDF"},
			{"too many", []file{good, good, good, good}, 422, "Upload 3 files or fewer"},
		} {
			res := upload(t, cas, c.files...)
			if res.Status != c.status || !strings.Contains(res.Body, c.says) || !strings.Contains(res.Body, "govuk-error-summary") {
				t.Errorf("%s: %d\n%s", c.name, res.Status, res.Body)
			}
		}
		tok := e.token("Cas", "read", "write")
		want(t, e.apiUpload(tok), 422, "Choose one or more")
		want(t, e.apiUpload(tok, locked), 422, "encrypted PDF")
		want(t, e.apiUpload(tok, big), 413, "larger than 1 MB")
		// Over the route's body limit (a whole batch's worth): refused
		// before it is read.
		want(t, e.apiUpload(tok, big, big, big, big), 413)
		var n int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM post_inbound").Scan(&n))
		if n != 0 {
			t.Fatalf("%d items kept from bad uploads", n)
		}
	})
}

// TestInboundAPI: upload through the API (202 at once), follow the
// batch, read an item, route it, and the routes are in the OpenAPI
// document.
func TestInboundAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_TESSERACT": "/nonexistent/tesseract"})
		desk := e.caseDesk(post.CaseRef{ID: "case_1", Reference: "ASC-2026-000042", Title: "Care assessment", UnitID: e.units["Adults"]})
		tok := e.token("Cas", "read", "write")
		res := e.apiUpload(tok, file{"one.pdf", scannedLetter("ASC-2026-000042")})
		want(t, res, 202, `"status":"reading"`)
		var b struct {
			BatchID string             `json:"batch_id"`
			Items   []post.InboundItem `json:"items"`
		}
		noErr(t, json.Unmarshal([]byte(res.Body), &b))
		_, err := e.jobs.RunDue(e.ctx)
		noErr(t, err)
		// Without tesseract it is kept, unread, in triage with the reason.
		want(t, e.srv.API(tok, "GET", "/api/v1/post/inbound-batches/"+b.BatchID, ""), 200, `"triage":1`)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/inbound/"+b.Items[0].ID, ""), 200, "tesseract is not installed", `"status":"triage"`)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/inbound?status=triage", ""), 200, b.Items[0].ID)
		want(t, e.browser("Cas").Get("/post/inbound/"+b.Items[0].ID), 200, "tesseract is not installed", "Read it again")
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+b.Items[0].ID+"/read", ""), 202, `"status":"triage"`)
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+b.Items[0].ID+"/read", ""), 409, "read already")
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+b.Items[0].ID+"/route", `{"reference":""}`), 422, "Enter the case reference")
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+b.Items[0].ID+"/route", `{"reference":"ASC-2026-000042"}`), 200, `"status":"routed"`, `"routed_how":"hand"`)
		if desk.filedOn("case_1") != 1 {
			t.Fatal("not filed")
		}
		want(t, e.srv.API(tok, "GET", "/api/v1/post/inbound/"+b.Items[0].ID+"/scan", ""), 200, "%PDF-")
		want(t, e.srv.API(tok, "GET", "/api/v1/post/inbound/pin_nothing", ""), 404)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/inbound?status=lost", ""), 400, "status")
		want(t, e.srv.API(e.token("Cas", "read"), "POST", "/api/v1/post/inbound/"+b.Items[0].ID+"/route", `{"reference":"ASC-2026-000042"}`), 403)
		doc := e.srv.API(tok, "GET", "/api/v1/openapi.json", "")
		for _, p := range []string{"/api/v1/post/inbound", "/api/v1/post/inbound/{id}", "/api/v1/post/inbound/{id}/route", "/api/v1/post/inbound-batches/{batch}"} {
			want(t, doc, 200, fmt.Sprintf("%q", p))
		}
		undoc, _ := web.CheckAPIDocumented(e.srv.Srv.Router(), e.srv.Srv.API().Document())
		for _, u := range undoc {
			if strings.Contains(u, "/post/inbound") {
				t.Errorf("undocumented %s", u)
			}
		}
	})
}
