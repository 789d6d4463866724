package recordsweb

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestFileDeclareInPages: a caseworker files a document through the page
// (no JavaScript needed), sees it, adds a version, declares it after
// confirming, and can then neither add versions nor delete it; a
// caseworker of another unit and a resident get nothing.
func TestFileDeclareInPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ann := e.browser("Ann")
		want(t, ann.Get("/records"), 200, "File plan", "ADM.01.02 Care and support plans", "There are no documents you can see yet")
		want(t, ann.Get("/records/new?class="+e.classID("ADM.01.02")), 200, `enctype="multipart/form-data"`, "up to 1 MB")

		// Problems are shown on the form with what was typed kept.
		r := e.postFile(ann, "/records/new", url.Values{"title": {"Care plan"}, "class_id": {""}, "unit_id": {e.units["Adults"]}}, "", nil)
		want(t, r, 422, "Choose a file to upload", "Choose where the document belongs", `value="Care plan"`)
		r = e.postFile(ann, "/records/new", url.Values{"title": {"Too big"}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]}}, "big.bin", make([]byte, 2<<20))
		if r.Status != 413 {
			t.Fatalf("oversized upload: %d", r.Status)
		}

		r = e.postFile(ann, "/records/new", url.Values{"title": {""}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]},
			"classification": {"OFFICIAL-SENSITIVE"}, "people": {"John Smith, 1941-05-02\nMary Smith"}, "tags": {"care plan, review"}},
			"../Care plan - J Smith.txt", []byte("Care plan for John Smith"))
		if r.Status != 303 {
			t.Fatalf("upload: %d\n%s", r.Status, r.Body)
		}
		id := docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		page := ann.Get("/records/" + id)
		want(t, page, 200, "Document filed", "Care plan - J Smith", "OFFICIAL-SENSITIVE", "John Smith (born 2 May 1941)", "Mary Smith",
			"care plan, review", "Destroy 8 years after the case closed", "the date is not known yet", "Declare a record", "Delete this document")
		want(t, ann.Get("/records/"+id+"/versions/1/content"), 200, "Care plan for John Smith")

		r = e.postFile(ann, "/records/"+id+"/versions", url.Values{"expected": {"1"}, "note": {"Signed"}}, "plan-v2.txt", []byte("Signed care plan"))
		if r.Status != 303 {
			t.Fatalf("new version: %d\n%s", r.Status, r.Body)
		}
		want(t, ann.Get("/records/"+id), 200, "New version added", "plan-v2.txt", "Signed")

		// Declaring needs the confirmation ticked.
		want(t, ann.PostForm("/records/"+id+"/declare", url.Values{}), 422, "Confirm that the document is final")
		r = ann.PostForm("/records/"+id+"/declare", url.Values{"confirm": {"yes"}})
		if r.Status != 303 {
			t.Fatalf("declare: %d\n%s", r.Status, r.Body)
		}
		page = ann.Get("/records/" + id)
		want(t, page, 200, "Declared a record on", "Change the tags or raise the classification")
		if strings.Contains(page.Body, "Add version") || strings.Contains(page.Body, "Delete this document") {
			t.Fatal("a declared record still offers changes")
		}
		want(t, e.postFile(ann, "/records/"+id+"/versions", nil, "x.txt", []byte("x")), 409, "declared record")
		want(t, ann.PostForm("/records/"+id+"/delete", nil), 409, "cannot be deleted")
		if err := e.m.Store().Delete(e.ctx, e.subject("Alex"), id); platform.CodeOf(err) != platform.CodeConflict {
			t.Fatalf("an admin deleted a record: %v", err)
		}

		// Someone in another unit, or a resident, finds nothing.
		fred := e.browser("Fred")
		want(t, fred.Get("/records/"+id), 404)
		want(t, fred.Get("/records/"+id+"/versions/1/content"), 404)
		if strings.Contains(fred.Get("/records").Body, "Care plan") {
			t.Fatal("another unit's caseworker sees the record in the list")
		}
		want(t, e.browser("Rita").Get("/records"), 403, "Ask for a copy of your personal information under Services")
		// The records manager sees it.
		want(t, e.browser("Rosa").Get("/records/"+id), 200, "Care plan - J Smith")
	})
}

// TestRecordsAPI: the same through the API, with the token's scope and
// the person's rights both applying.
func TestRecordsAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.token("Fred", platform.ScopeRead, platform.ScopeWrite)
		meta, _ := json.Marshal(DocumentInput{ClassID: e.classID("FIN.01.01"), Title: "Invoice 4411", UnitID: e.units["Finance"], Tags: []string{"invoice"}})
		r := e.apiFile(tok, "POST", "/api/v1/records", url.Values{"metadata": {string(meta)}}, "invoice.pdf", []byte("%PDF-1.4 not really"))
		want(t, r, 201, `"title":"Invoice 4411"`)
		var d records.Document
		noErr(t, json.Unmarshal([]byte(r.Body), &d))
		if r.Header.Get("Location") != "/api/v1/records/"+d.ID || d.Source != records.SourceAPI {
			t.Fatalf("created %+v at %q", d, r.Header.Get("Location"))
		}
		want(t, e.srv.API(tok, "GET", "/api/v1/records/"+d.ID+"/versions", ""), 200, `"media_type":"application/pdf"`, `"name":"invoice.pdf"`)
		want(t, e.srv.API(tok, "GET", "/api/v1/records?records=no", ""), 200, d.ID)
		want(t, e.srv.API(tok, "GET", "/api/v1/records?records=maybe", ""), 400, "records")
		want(t, e.srv.API(tok, "GET", "/api/v1/records/file-plan", ""), 200, "FIN.01.01")
		// Bad metadata is a clear 4xx.
		r = e.apiFile(tok, "POST", "/api/v1/records", url.Values{"metadata": {`{"title": 3}`}}, "a.txt", []byte("a"))
		want(t, r, 422, "metadata")
		r = e.apiFile(tok, "POST", "/api/v1/records", url.Values{"metadata": {string(meta)}}, "", nil)
		want(t, r, 422, "part named file")
		want(t, e.srv.API(tok, "POST", "/api/v1/records/"+d.ID+"/declare", ""), 200, `"declared_at"`)
		want(t, e.srv.API(tok, "DELETE", "/api/v1/records/"+d.ID, ""), 409, "cannot be deleted")
		r = e.apiFile(tok, "POST", "/api/v1/records/"+d.ID+"/versions", nil, "v2.pdf", []byte("%PDF-1.4 v2"))
		want(t, r, 409, "declared record")
		body, _ := json.Marshal(DocumentInput{ClassID: d.ClassID, Title: "Renamed", UnitID: d.UnitID, Tags: []string{"invoice"}})
		want(t, e.srv.API(tok, "PUT", "/api/v1/records/"+d.ID+"/metadata", string(body)), 409, "title")

		// A read-only token cannot file; another unit cannot see.
		ro := e.token("Fred", platform.ScopeRead)
		want(t, e.apiFile(ro, "POST", "/api/v1/records", url.Values{"metadata": {string(meta)}}, "a.txt", []byte("a")), 403)
		ann := e.token("Ann", platform.ScopeRead)
		want(t, e.srv.API(ann, "GET", "/api/v1/records/"+d.ID, ""), 404)
		want(t, e.srv.API(ann, "GET", "/api/v1/records/"+d.ID+"/versions/1/content", ""), 404)
		if strings.Contains(e.srv.API(ann, "GET", "/api/v1/records", "").Body, d.ID) {
			t.Fatal("another unit lists the record")
		}
		r = e.srv.API(tok, "GET", "/api/v1/records/"+d.ID+"/versions/1/content", "")
		if r.Status != 200 || !bytes.Equal([]byte(r.Body), []byte("%PDF-1.4 not really")) || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("content: %d %q", r.Status, r.Body)
		}
	})
}

// TestFilePlanPages: only records managers and admins change the plan.
func TestFilePlanPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		want(t, e.browser("Ann").Get("/file-plan/new"), 403)
		rosa := e.browser("Rosa")
		want(t, rosa.Get("/file-plan/new?parent="+e.classID("CUS.01")), 200, "Add a class to the file plan")
		r := rosa.PostForm("/file-plan/new", url.Values{"parent_id": {e.classID("CUS.01")}, "code": {"CUS.01.02"}, "title": {"Compliments"},
			"action": {"destroy"}, "period_months": {"two"}, "trigger": {"created"}})
		want(t, r, 422, "whole number of months")
		r = rosa.PostForm("/file-plan/new", url.Values{"parent_id": {e.classID("CUS.01")}, "code": {"CUS.01.02"}, "title": {"Compliments"},
			"action": {"destroy"}, "period_months": {"24"}, "trigger": {"created"}, "two_stage": {"yes"}})
		if r.Status != 303 {
			t.Fatalf("save class: %d\n%s", r.Status, r.Body)
		}
		want(t, rosa.Get(r.Header.Get("Location")), 200, "Class CUS.01.02 saved", "Destroy 2 years after it was filed (two approvals)")
	})
}

// TestDocumentPageLinksItsCase: a case file filed as a record leads back
// to its case, and dates of birth read as dates.
func TestDocumentPageLinksItsCase(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d, err := e.m.Store().Create(e.ctx, e.subject("Ann"), records.NewDocument{
			Metadata: records.Metadata{ClassID: e.classID("ADM.01.02"), Title: "Assessment", UnitID: e.units["Adults"], Classification: platform.Official,
				CaseID: "case_06h2eptky5d5vd5ks3tqrzdy1c", CaseRef: "ADM-2026-000001", Subjects: []records.Person{{Name: "Edna Pratt", BirthDate: "1938-09-14"}}},
			Name: "assessment.txt", MediaType: "text/plain", Content: strings.NewReader("Assessment of Mrs Pratt")})
		noErr(t, err)
		want(t, e.browser("Ann").Get("/records/"+d.ID), 200, `<a class="govuk-link" href="/cases/case_06h2eptky5d5vd5ks3tqrzdy1c">ADM-2026-000001</a>`,
			"Edna Pratt (born 14 September 1938)")
	})
}
