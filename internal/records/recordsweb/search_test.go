package recordsweb

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// fileText files a document as who, with the text extraction would read.
func (e *env) fileText(who, code, title, unit, text string, cl platform.Classification) *records.Document {
	e.t.Helper()
	d, err := e.m.Store().Create(e.ctx, e.subject(who), records.NewDocument{Metadata: records.Metadata{ClassID: e.classID(code), Title: title,
		UnitID: e.units[unit], Classification: cl}, Name: "scan.pdf", MediaType: "application/pdf", Content: strings.NewReader("%PDF-1.4 " + title)})
	noErr(e.t, err)
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error { return e.m.Store().SetText(e.ctx, tx, d.OrgID, d.ID, text) }))
	return d
}

var nextLink = regexp.MustCompile(`href="([^"]*cursor=[^"]*)" rel="next"`)

// TestSearchPage: the search page works as a plain GET form: words find
// documents with the matches marked and the document's text escaped;
// facets are links that narrow the search and filters in use can be
// removed; pages follow; a caseworker of another unit finds nothing of
// what they may not read, not even a count; bad dates are explained.
func TestSearchPage(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		care := e.fileText("Ann", "ADM.01.02", "Care plan for Janet", "Adults",
			"Janet O'Brien needs support at home. <script>alert('x')</script> & more.", platform.OfficialSensitive)
		e.fileText("Ann", "ADM.01.01", "Referral from the hospital", "Adults", "Referral of Janet by the discharge team.", platform.Official)
		for i := range 23 {
			e.fileText("Fred", "FIN.01.01", fmt.Sprintf("Invoice %d", i+1), "Finance", "Payment for gritting salt.", platform.Official)
		}

		ann := e.browser("Ann")
		want(t, ann.Get("/records"), 200, `action="/records/search"`)
		r := ann.Get("/records/search")
		want(t, r, 200, "Search records", `name="q"`, "Where in the file plan", "ADM.01.02 Care and support plans")
		if strings.Contains(r.Body, "documents found") {
			t.Fatal("an empty search shows results")
		}

		r = ann.Get("/records/search?q=janet")
		want(t, r, 200, "2 documents found", "Care plan for <mark>Janet</mark>", "<mark>Janet</mark> O&#39;Brien needs support",
			"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more.", "OFFICIAL-SENSITIVE", "Narrow the results", "Adults</a> (2)", `href="#results">Skip the filters to the results`)
		if strings.Contains(r.Body, "<script>alert") {
			t.Fatal("a document's text reached the page unescaped")
		}
		// A result leads back to this search, not to the file plan; a
		// back address that is not a records search is ignored.
		link := regexp.MustCompile(`href="(/records/` + care.ID + `\?back=[^"]+)"`).FindStringSubmatch(r.Body)
		if link == nil {
			t.Fatalf("no link to the care plan with its way back:\n%s", r.Body)
		}
		want(t, ann.Get(strings.ReplaceAll(link[1], "&amp;", "&")), 200, `href="/records/search?q=janet" class="govuk-back-link"`)
		want(t, ann.Get("/records/"+care.ID+"?back=/records/search/../../administration"), 200, `href="/file-plan/`+care.ClassID+`" class="govuk-back-link"`)
		want(t, ann.Get("/records/"+care.ID+"?back=https://evil.example/records/search"), 200, `href="/file-plan/`+care.ClassID+`" class="govuk-back-link"`)
		// A facet narrows; the filter can be removed.
		m := regexp.MustCompile(`href="(/records/search\?class=[^"]+)">ADM.01.02 Care and support plans</a> \(1\)`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no class facet link:\n%s", r.Body)
		}
		r = ann.Get(strings.ReplaceAll(m[1], "&amp;", "&"))
		want(t, r, 200, "1 document found", "Filters in use", "In ADM.01.02 Care and support plans", "Remove", care.ID)
		if strings.Contains(r.Body, "Referral from the hospital") {
			t.Fatal("the class filter did not narrow")
		}
		want(t, ann.Get("/records/search?q=janet&records=no&order=newest&classification=OFFICIAL"), 200, "1 document found", "Referral from the")

		// Fred, in Finance, finds nothing of Adults: no hit, no count, no facet.
		fred := e.browser("Fred")
		r = fred.Get("/records/search?q=janet")
		want(t, r, 200, "No documents found")
		for _, s := range []string{"Care plan for", "Referral from the", "O&#39;Brien", "Narrow the results", "(1)", "(2)"} {
			if strings.Contains(r.Body, s) {
				t.Fatalf("Fred's search shows %q:\n%s", s, r.Body)
			}
		}
		// Pages: 23 invoices, 20 a page.
		r = fred.Get("/records/search?q=payment&order=newest")
		want(t, r, 200, "23 documents found", "Invoice 23")
		next := nextLink.FindStringSubmatch(r.Body)
		if next == nil {
			t.Fatal("no next page")
		}
		r = fred.Get(strings.ReplaceAll(next[1], "&amp;", "&"))
		want(t, r, 200, "Invoice 1<", "Invoice 3<", `rel="prev"`)
		if strings.Contains(r.Body, "Invoice 23") || nextLink.MatchString(r.Body) {
			t.Fatal("the second page repeats the first or goes on")
		}
		// Filters alone, and filed by me.
		want(t, fred.Get("/records/search?author=me&unit="+e.units["Finance"]), 200, "23 documents found", "Filed by you")
		want(t, ann.Get("/records/search?author=me&unit="+e.units["Finance"]), 200, "No documents found")

		// Bad input is explained; what looks like syntax is words.
		want(t, ann.Get("/records/search?q=janet&from=2026-02-31"), 400, "There is a problem", "Enter a real date")
		want(t, ann.Get("/records/search?q=x&records=maybe&class=rcl_nope"), 400, "Choose a class from the file plan")
		want(t, ann.Get("/records/search?cursor=garbage&q=janet"), 400, "cursor")
		for _, q := range []string{`'; DROP TABLE records_documents; --`, `NEAR("`, "a*", `"`} {
			want(t, ann.Get("/records/search?q="+url.QueryEscape(q)), 200, "Search records")
		}
		// The web layer refuses control characters and bytes that are not
		// UTF-8 in any form, before the search sees them.
		want(t, ann.Get("/records/search?q=%00janet"), 400, "not allowed")
		want(t, ann.Get("/records/search?q=%ff%fe"), 400, "not allowed")
		want(t, e.browser("Rita").Get("/records/search?q=janet"), 403)
	})
}

// TestSearchAPI: GET /api/v1/records/search gives the page's results as
// JSON, with the token's scope and the person's rights both applying.
func TestSearchAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		care := e.fileText("Ann", "ADM.01.02", "Care plan for Janet", "Adults", "Janet needs <b>support</b> at home.", platform.Official)
		for i := range 5 {
			e.fileText("Ann", "ADM.01.02", fmt.Sprintf("Visit %d", i), "Adults", "Visit notes about support.", platform.Official)
		}
		tok := e.token("Ann", platform.ScopeRead)
		r := e.srv.API(tok, "GET", "/api/v1/records/search?q=janet+support", "")
		want(t, r, 200)
		var res records.Results
		noErr(t, json.Unmarshal([]byte(r.Body), &res))
		if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].ID != care.ID || res.Order != records.OrderRelevance {
			t.Fatalf("results %+v", res)
		}
		h := res.Hits[0]
		if len(h.Snippet) == 0 || !h.Snippet[0].Match || h.Snippet[0].Text != "Janet" || !strings.Contains(r.Body, `"text":" needs \u003cb\u003e"`) {
			t.Fatalf("snippet %+v in %s", h.Snippet, r.Body)
		}
		if u := res.Facets.Units; len(u) != 1 || u[0].Label != "Adults" || u[0].Count != 1 {
			t.Fatalf("unit facet %+v", u)
		}

		// Pages by cursor.
		seen := map[string]bool{}
		path := "/api/v1/records/search?q=support&limit=4&order=newest"
		for range 3 {
			var page records.Results
			noErr(t, json.Unmarshal([]byte(e.srv.API(tok, "GET", path, "").Body), &page))
			for _, h := range page.Hits {
				seen[h.ID] = true
			}
			if page.Next == "" {
				break
			}
			path = "/api/v1/records/search?q=support&limit=4&order=newest&cursor=" + url.QueryEscape(page.Next)
		}
		if len(seen) != 6 {
			t.Fatalf("pages found %d documents", len(seen))
		}

		// Another unit's caseworker: nothing, not even a count.
		fred := e.token("Fred", platform.ScopeRead)
		r = e.srv.API(fred, "GET", "/api/v1/records/search?q=janet", "")
		want(t, r, 200, `"total":0`, `"items":[]`, `"business_units":[]`)
		if strings.Contains(r.Body, "Janet") || strings.Contains(r.Body, care.ID) {
			t.Fatalf("Fred's search shows the document: %s", r.Body)
		}
		want(t, e.srv.API(tok, "GET", "/api/v1/records/search?q=janet&records=maybe", ""), 400, "records")
		want(t, e.srv.API(tok, "GET", "/api/v1/records/search?q=janet&limit=0", ""), 400, "limit")
		want(t, e.srv.API(tok, "GET", "/api/v1/records/search?q=janet&to=yesterday", ""), 400, "real date")
		want(t, e.srv.API(tok, "GET", "/api/v1/openapi.json", ""), 200, "searchRecords", "/api/v1/records/search")
		rita := e.token("Rita", platform.ScopeRead)
		want(t, e.srv.API(rita, "GET", "/api/v1/records/search?q=janet", ""), 403)
	})
}
