package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// confirmDemo is the question /confirm asks: plain, as the callers that
// delete one thing ask it, or with a lead, a table and a field carried
// back, as cancelling a range of bookings does. The text has markup in it
// to prove it is escaped.
func confirmDemo(plain bool) Confirm {
	c := Confirm{Caption: "Room <B>", Title: "Cancel 3 bookings?", Warning: "They cannot be brought back.",
		Action: "/confirm", Button: "Yes, cancel 3 bookings", Back: "/demo"}
	if plain {
		return c
	}
	c.Lead = []string{"Lead one <b>bold</b>", "Lead two & more"}
	c.Table = Table{Caption: "Bookings <to go>", Head: []Cell{{Text: "When"}, {Text: "Desk or room"}},
		Rows: [][]Cell{{{Text: "Monday 9 March 2026"}, {Text: `<script>alert(1)</script>`}}, {{Text: "Tuesday 10 March 2026"}, {Text: "Desk 2.15"}}}}
	c.More = 1
	c.After = []string{"After the table"}
	c.Hidden = []Hidden{{Name: "from", Value: `2026-03-09"><x`}}
	return c
}

// The question page shows its lead, its table (a real table with a
// caption and column headers, in the scrolling region every wide table
// has) and what follows, all escaped, in that order; its form carries the
// CSRF token, confirm=yes and the fields given back. Without a table it
// is the plain question it always was, and only the answer yes, with the
// token, acts.
func TestConfirmPage(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	res, body := ts.do(c, "GET", "/confirm", nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /confirm: %d\n%s", res.StatusCode, body)
	}
	main := body[strings.Index(body, "<main"):]
	inOrder := []string{
		`<span class="govuk-caption-l">Room &lt;B&gt;</span>`,
		`<h1 class="govuk-heading-l">Cancel 3 bookings?</h1>`,
		`<p class="govuk-body">Lead one &lt;b&gt;bold&lt;/b&gt;</p>`,
		`<p class="govuk-body">Lead two &amp; more</p>`,
		`<span class="govuk-visually-hidden">Warning</span> They cannot be brought back.`,
		`<div class="dbtp-table-wrap" tabindex="0" role="region" aria-label="Bookings &lt;to go&gt; (scrolls sideways on a narrow screen)">`,
		`<caption class="govuk-table__caption govuk-table__caption--m">Bookings &lt;to go&gt;</caption>`,
		`<th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">Desk or room</th>`,
		`<td class="govuk-table__cell">&lt;script&gt;alert(1)&lt;/script&gt;</td>`,
		`<td class="govuk-table__cell">Desk 2.15</td>`,
		`<p class="govuk-body">And 1 more.</p>`,
		`<p class="govuk-body">After the table</p>`,
		`<form method="post" action="/confirm" novalidate>`,
		`name="csrf_token" value="`,
		`<input type="hidden" name="from" value="2026-03-09&#34;&gt;&lt;x">`,
		`<input type="hidden" name="confirm" value="yes">`,
		`Yes, cancel 3 bookings`,
		`<a class="govuk-link" href="/demo">No, go back</a>`,
	}
	rest := main
	for _, s := range inOrder {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("missing, or out of order: %s\n%s", s, main)
		}
		rest = rest[i+len(s):]
	}
	for _, s := range []string{"<b>", "<script>alert", "<to go>", `"><x`} {
		if strings.Contains(main, s) {
			t.Errorf("unescaped %q in the page", s)
		}
	}
	if !strings.Contains(body, "<title>Cancel 3 bookings? – Room &lt;B&gt;") {
		t.Errorf("title: %s", body[strings.Index(body, "<title>"):strings.Index(body, "</title>")])
	}

	// Plain, as deleting a document asks: no table, no empty paragraphs.
	_, plain := ts.do(c, "GET", "/confirm?plain=1", nil, nil)
	plain = plain[strings.Index(plain, "<main"):]
	for _, s := range []string{"<table", "dbtp-table-wrap", "more.</p>", `<p class="govuk-body"></p>`, `name="from"`} {
		if strings.Contains(plain, s) {
			t.Errorf("the plain question has %q:\n%s", s, plain)
		}
	}
	for _, s := range []string{"Cancel 3 bookings?", "They cannot be brought back.", `name="confirm" value="yes"`, `name="csrf_token"`} {
		if !strings.Contains(plain, s) {
			t.Errorf("the plain question lacks %q", s)
		}
	}

	// A post without confirm=yes asks again; without the token it is
	// refused; with both it acts, with the field carried back.
	token := tokenRE.FindStringSubmatch(body)[1]
	if res, again := ts.postForm(c, "/confirm", url.Values{CSRFField: {token}, "from": {"2026-03-09"}}); res.StatusCode != http.StatusOK || !strings.Contains(again, "<h1 class=\"govuk-heading-l\">Cancel 3 bookings?</h1>") {
		t.Errorf("POST without confirm=yes: %d, want the question again", res.StatusCode)
	}
	if res, _ := ts.postForm(c, "/confirm", url.Values{"confirm": {"yes"}, "from": {"2026-03-09"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without the CSRF token: %d, want 403", res.StatusCode)
	}
	if res, done := ts.postForm(c, "/confirm", url.Values{CSRFField: {token}, "confirm": {"yes"}, "from": {"2026-03-09"}}); res.StatusCode != http.StatusOK || !strings.Contains(done, `"done":"2026-03-09"`) {
		t.Errorf("POST confirmed: %d %s", res.StatusCode, done)
	}
}
