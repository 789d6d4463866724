package recordsweb

import (
	"encoding/json"
	"strings"
	"testing"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

// decode reads a JSON answer into v.
func decode[T any](t testing.TB, r *webtest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return v
}

// wantProblem checks a problem+json answer naming field.
func wantProblem(t testing.TB, r *webtest.Response, status int, field string) {
	t.Helper()
	want(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	p := decode[web.ProblemDetails](t, r)
	for _, f := range p.Errors {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("no error on %s: %s", field, r.Body)
}

// TestRetentionAPI drives the disposal queue, legal holds, certificates
// and one record's retention through /api/v1 as a records manager's
// program would: every change the pages make, with problems as
// problem+json naming the field; caseworkers are refused, read-only
// tokens change nothing, and another organisation sees nothing.
func TestRetentionAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		class := e.dueClass("FIN.01.02", false)
		d := e.fileDue(class, "Invoice 9001")
		held := e.fileDue(class, "Invoice 9002")
		e.fill()
		rosa := e.token("Rosa", platform.ScopeRead, platform.ScopeWrite)
		rosaRead, fred := e.token("Rosa", platform.ScopeRead), e.token("Fred", platform.ScopeRead, platform.ScopeWrite)
		api := func(tok, method, path, body string) *webtest.Response {
			return e.apiRaw(tok, method, path, "application/json", []byte(body))
		}

		// The queue, as the page shows it, a page at a time.
		q := decode[web.List[records.Disposal]](t, want2(t, api(rosa, "GET", "/api/v1/disposal?class=FIN.01.02", ""), 200))
		if len(q.Items) != 2 {
			t.Fatalf("queue %+v", q)
		}
		first := decode[web.List[records.Disposal]](t, want2(t, api(rosa, "GET", "/api/v1/disposal?limit=1", ""), 200))
		if len(first.Items) != 1 || first.NextCursor == "" {
			t.Fatalf("first page %+v", first)
		}
		second := decode[web.List[records.Disposal]](t, want2(t, api(rosa, "GET", "/api/v1/disposal?limit=1&cursor="+first.NextCursor, ""), 200))
		if len(second.Items) != 1 || second.Items[0].ID == first.Items[0].ID {
			t.Fatalf("second page %+v", second)
		}
		wantProblem(t, api(rosa, "GET", "/api/v1/disposal?state=lost", ""), 400, "state")
		wantProblem(t, api(rosa, "GET", "/api/v1/disposal?limit=0", ""), 400, "limit")
		want(t, api(fred, "GET", "/api/v1/disposal", ""), 403)
		x, hx := e.item(d.ID), e.item(held.ID)
		if got := decode[records.Disposal](t, want2(t, api(rosa, "GET", "/api/v1/disposal/"+x.ID, ""), 200)); got.DocumentID != d.ID || got.State != records.DisposalPending {
			t.Fatalf("item %+v", got)
		}

		// A legal hold, placed and read through the API.
		wantProblem(t, api(rosa, "POST", "/api/v1/holds", `{"title": "Jones v Northshire", "document_ids": ["`+held.ID+`"]}`), 422, "reason")
		wantProblem(t, api(rosa, "POST", "/api/v1/holds", `{"title": "Jones v Northshire", "reason": "Litigation"}`), 422, "document_ids")
		want(t, api(fred, "POST", "/api/v1/holds", `{"title": "Mine", "reason": "r", "document_ids": ["`+held.ID+`"]}`), 403)
		want(t, api(rosaRead, "POST", "/api/v1/holds", `{"title": "Read only", "reason": "r", "document_ids": ["`+held.ID+`"]}`), 403)
		r := want2(t, api(rosa, "POST", "/api/v1/holds", `{"title": "Jones v Northshire", "reason": "Litigation: Jones v Northshire Council", "document_ids": ["`+held.ID+`"]}`), 201)
		h := decode[records.Hold](t, r)
		if r.Header.Get("Location") != "/api/v1/holds/"+h.ID || !h.Active() || h.Covered != 1 {
			t.Fatalf("hold %+v at %q", h, r.Header.Get("Location"))
		}
		if hs := decode[web.List[records.Hold]](t, want2(t, api(rosaRead, "GET", "/api/v1/holds?active=yes", ""), 200)); len(hs.Items) != 1 || hs.Items[0].ID != h.ID {
			t.Fatalf("active holds %+v", hs)
		}
		wantProblem(t, api(rosa, "GET", "/api/v1/holds?active=maybe", ""), 400, "active")
		want(t, api(rosaRead, "GET", "/api/v1/holds/"+h.ID, ""), 200, "Jones v Northshire", held.ID)
		ret := decode[records.Retention](t, want2(t, api(rosaRead, "GET", "/api/v1/records/"+held.ID+"/retention", ""), 200))
		if ret.Disposal != records.DisposalHeld || len(ret.Holds) != 1 || ret.Holds[0].ID != h.ID || ret.Open == nil || ret.Open.ID != hx.ID {
			t.Fatalf("retention of the held record %+v", ret)
		}

		// Approval: the held item is refused, the other destroyed, and
		// its certificate is there as JSON and as a PDF.
		want(t, api(rosa, "POST", "/api/v1/disposal/approve", `{"ids": ["`+hx.ID+`"]}`), 409, "legal hold")
		wantProblem(t, api(rosa, "POST", "/api/v1/disposal/approve", `{"ids": []}`), 422, "ids")
		want(t, api(rosaRead, "POST", "/api/v1/disposal/approve", `{"ids": ["`+x.ID+`"]}`), 403)
		want(t, api(fred, "POST", "/api/v1/disposal/approve", `{"ids": ["`+x.ID+`"]}`), 403)
		res := decode[records.ApprovalResult](t, want2(t, api(rosa, "POST", "/api/v1/disposal/approve", `{"ids": ["`+x.ID+`"], "note": "Checked"}`), 200))
		if len(res.Done) != 1 || len(res.Certificates) != 1 || !strings.HasPrefix(res.Certificates[0].Number, "DC-") {
			t.Fatalf("approval %+v", res)
		}
		cert := res.Certificates[0]
		cs := decode[web.List[records.Certificate]](t, want2(t, api(rosaRead, "GET", "/api/v1/disposal/certificates", ""), 200))
		if len(cs.Items) != 1 || cs.Items[0].Number != cert.Number {
			t.Fatalf("certificates %+v", cs)
		}
		if c := decode[records.Certificate](t, want2(t, api(rosaRead, "GET", "/api/v1/disposal/certificates/"+cert.ID, ""), 200)); c.Items[0].Reference != d.ID || c.Note != "Checked" {
			t.Fatalf("certificate %+v", c)
		}
		pdf := want2(t, api(rosaRead, "GET", "/api/v1/disposal/certificates/"+cert.ID+"/pdf", ""), 200)
		if pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF") {
			t.Fatalf("certificate PDF: %q", pdf.Header.Get("Content-Type"))
		}
		want(t, api(fred, "GET", "/api/v1/disposal/certificates/"+cert.ID+"/pdf", ""), 403)
		if r := decode[records.Retention](t, want2(t, api(rosaRead, "GET", "/api/v1/records/"+d.ID+"/retention", ""), 200)); r.Disposal != records.StateDestroyed ||
			len(r.Disposals) != 1 || r.Disposals[0].CertificateID != cert.ID {
			t.Fatalf("retention of the destroyed record %+v", r)
		}

		// Lifting the hold, then keeping the record: a rejection with a
		// date, then an extension.
		wantProblem(t, api(rosa, "POST", "/api/v1/holds/"+h.ID+"/lift", `{}`), 422, "reason")
		if lifted := decode[records.Hold](t, want2(t, api(rosa, "POST", "/api/v1/holds/"+h.ID+"/lift", `{"reason": "Claim withdrawn"}`), 200)); lifted.Active() {
			t.Fatalf("lifted %+v", lifted)
		}
		wantProblem(t, api(rosa, "POST", "/api/v1/disposal/"+hx.ID+"/reject", `{"reason": "Dispute", "until": "next year"}`), 422, "until")
		wantProblem(t, api(rosa, "POST", "/api/v1/disposal/"+hx.ID+"/reject", `{"reason": "Dispute", "until": "2099-01-01", "review": true}`), 422, "until")
		wantProblem(t, api(rosa, "POST", "/api/v1/disposal/"+hx.ID+"/reject", `{"until": "2099-01-01"}`), 422, "reason")
		wantProblem(t, api(rosa, "POST", "/api/v1/disposal/"+hx.ID+"/reject", `{"reason": "Dispute", "colour": "red"}`), 422, "colour")
		rej := decode[records.Disposal](t, want2(t, api(rosa, "POST", "/api/v1/disposal/"+hx.ID+"/reject", `{"reason": "Supplier dispute", "until": "2099-01-01"}`), 200))
		if rej.State != records.DisposalRejected || rej.ExtendedTo.Year() != 2099 {
			t.Fatalf("rejected %+v", rej)
		}
		wantProblem(t, api(rosa, "POST", "/api/v1/records/"+held.ID+"/retention/extend", `{"until": "2098-01-01", "reason": "Shorter"}`), 422, "until")
		wantProblem(t, api(rosa, "POST", "/api/v1/records/"+held.ID+"/retention/extend", `{"reason": "No date"}`), 422, "until")
		want(t, api(fred, "POST", "/api/v1/records/"+held.ID+"/retention/extend", `{"until": "2100-01-01", "reason": "Mine"}`), 403)
		ext := decode[records.Retention](t, want2(t, api(rosa, "POST", "/api/v1/records/"+held.ID+"/retention/extend", `{"until": "2100-01-01", "reason": "Appeal lodged"}`), 200))
		if ext.RetainUntil.Year() != 2100 || ext.DueAt.Year() != 2100 || ext.Disposal != records.DisposalNotDue || len(ext.Extensions) != 2 ||
			ext.Extensions[0].DisposalID != hx.ID || ext.Extensions[1].Reason != "Appeal lodged" {
			t.Fatalf("after the extension %+v", ext)
		}
		want(t, api(fred, "GET", "/api/v1/records/"+held.ID+"/retention", ""), 403)

		// Another organisation's administrator sees none of it.
		east, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "eastshire", Name: "Eastshire Council", Kind: platform.OrgCouncil})
		noErr(t, err)
		boss, err := e.id.CreateUser(e.ctx, platform.System(east.ID), identity.NewUser{Email: "boss@eastshire.example", Name: "Bo Ss", Roles: []platform.Role{platform.RoleAdmin}, Password: password})
		noErr(t, err)
		tok, err := e.id.CreateToken(e.ctx, &platform.Subject{Kind: platform.SubjectUser, UserID: boss.ID, Name: boss.Name, OrgID: east.ID, Roles: boss.Roles},
			identity.NewToken{Name: "test", Scopes: []string{platform.ScopeRead, platform.ScopeWrite}})
		noErr(t, err)
		other := tok.Secret
		if l := decode[web.List[records.Disposal]](t, want2(t, api(other, "GET", "/api/v1/disposal?state=all", ""), 200)); len(l.Items) != 0 {
			t.Fatalf("another organisation's queue %+v", l)
		}
		for _, p := range []string{"/api/v1/disposal/" + x.ID, "/api/v1/holds/" + h.ID, "/api/v1/disposal/certificates/" + cert.ID,
			"/api/v1/disposal/certificates/" + cert.ID + "/pdf", "/api/v1/records/" + held.ID + "/retention"} {
			want(t, api(other, "GET", p, ""), 404)
		}
		want(t, api(other, "POST", "/api/v1/holds/"+h.ID+"/lift", `{"reason": "mine now"}`), 404)
		want(t, api(other, "POST", "/api/v1/records/"+held.ID+"/retention/extend", `{"until": "2101-01-01", "reason": "mine now"}`), 404)

		// Every route is in the OpenAPI document, and nothing else is.
		undocumented, unrouted := web.CheckAPIDocumented(e.srv.Srv.Router(), e.srv.Srv.API().Document())
		if len(undocumented)+len(unrouted) > 0 {
			t.Fatalf("undocumented %v, unrouted %v", undocumented, unrouted)
		}
		doc := api(rosaRead, "GET", "/api/v1/openapi.json", "").Body
		for _, p := range []string{`"/api/v1/disposal"`, `"/api/v1/disposal/approve"`, `"/api/v1/disposal/{id}/reject"`, `"/api/v1/holds/{id}/lift"`,
			`"/api/v1/disposal/certificates/{id}/pdf"`, `"/api/v1/records/{id}/retention/extend"`} {
			if !strings.Contains(doc, p) {
				t.Fatalf("the OpenAPI document lacks %s", p)
			}
		}
	})
}

// want2 is want that hands the answer on.
func want2(t testing.TB, r *webtest.Response, status int) *webtest.Response {
	t.Helper()
	want(t, r, status)
	return r
}
