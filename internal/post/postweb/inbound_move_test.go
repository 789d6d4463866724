package postweb

import (
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestInboundTriageMismatchAndMove: the post room says why each letter
// waits; filing a letter by hand on a case whose person it does not name
// asks first and files only once confirmed; a letter filed on the wrong
// case is moved, with a reason, to another case and back to triage, and
// its page lists the moves. The same through the API.
func TestInboundTriageMismatchAndMove(t *testing.T) {
	needOCR(t)
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		desk := e.caseDesk(
			post.CaseRef{ID: "case_1", Reference: "ASC-2026-000042", Title: "Care assessment", UnitID: e.units["Adults"], Names: []string{"Arthur Dent"}, Postcodes: []string{"NS4 2XY"}},
			post.CaseRef{ID: "case_2", Reference: "BLUE-2026-000003", Title: "Blue badge renewal", UnitID: e.units["Adults"], Names: []string{"Ford Prefect"}, Postcodes: []string{"NS9 9ZZ"}})
		cas := e.browser("Cas")
		want(t, upload(t, cas, file{"dent.pdf", scannedLetter("ASC-2026-000042")}, file{"other.pdf", scannedLetter("HOUS-2026-000999")}), 303)
		_, err := e.jobs.RunDue(e.ctx)
		noErr(t, err)
		items, err := e.m.Inbound().List(e.ctx, e.subject("Cas"), post.InboundFilter{})
		noErr(t, err)
		var filed, waiting string
		for _, it := range items {
			if it.Status == post.InboundRouted {
				filed = it.ID
			} else {
				waiting = it.ID
			}
		}
		reason := "The reference it quotes, HOUS-2026-000999, matches no case"
		// The list stacks at 320 px, each cell labelled, so why it waits is seen.
		want(t, cas.Get("/post/inbound"), 200, reason, `class="govuk-table dbtp-table-stack"`, `data-label="Status"`)
		want(t, cas.Get("/post/inbound/"+waiting), 200, "Why it is in triage", reason)
		// The cases found say whose they are.
		want(t, cas.Get("/post/inbound/"+waiting+"?q=badge"), 200, "Cases found", `data-label="Person">Ford Prefect</td>`, "File on BLUE-2026-000003")

		// By hand on Ford Prefect's case: Arthur Dent's letter asks first.
		res := cas.PostForm("/post/inbound/"+waiting+"/route", url.Values{"reference": {"BLUE-2026-000003"}})
		want(t, res, 409, "Is this the right case?", "The letter names Mr Arthur Dent, but the case is for Ford Prefect.",
			"The letter&#39;s postcode is NS4 2XY, but the case&#39;s is NS9 9ZZ.", "File it on BLUE-2026-000003 anyway", `name="confirm" value="yes"`,
			// focus goes to the question as the page loads, with or without scripts
			`id="mismatch-heading" tabindex="-1" autofocus>Is this the right case?`, "<title>Is this the right case? – ")
		if desk.filedOn("case_2") != 0 {
			t.Fatal("filed before it was confirmed")
		}
		want(t, cas.PostForm("/post/inbound/"+waiting+"/route", url.Values{"reference": {"BLUE-2026-000003"}, "confirm": {"yes"}}), 303)
		if desk.filedOn("case_2") != 1 {
			t.Fatal("not filed once confirmed")
		}

		// The letter filed by its reference is moved, saying why.
		page := cas.Get("/post/inbound/" + filed)
		want(t, page, 200, "Filed on the wrong case?", `action="/post/inbound/`+filed+`/move"`, "Back to triage")
		want(t, cas.PostForm("/post/inbound/"+filed+"/move", url.Values{"to": {"case"}}), 422,
			"Enter the reference of the case the letter belongs to", "Say why the letter is being moved")
		want(t, cas.PostForm("/post/inbound/"+filed+"/move", url.Values{"to": {"case"}, "reference": {"BLUE-2026-000003"}}), 422, "Say why the letter is being moved")
		res = cas.PostForm("/post/inbound/"+filed+"/move", url.Values{"to": {"case"}, "reference": {"BLUE-2026-000003"}, "reason": {"Its reference was misread"}})
		want(t, res, 409, "Is this the right case?", `action="/post/inbound/`+filed+`/move"`, `name="reason" value="Its reference was misread"`)
		want(t, e.browser("Sid").PostForm("/post/inbound/"+filed+"/move", url.Values{"to": {"triage"}, "reason": {"x"}}), 403)
		want(t, cas.PostForm("/post/inbound/"+filed+"/move", url.Values{"to": {"case"}, "reference": {"BLUE-2026-000003"}, "reason": {"Its reference was misread"},
			"confirm": {"yes"}}), 303)
		if desk.filedOn("case_1") != 0 || desk.filedOn("case_2") != 2 {
			t.Fatalf("after the move: %d on case 1, %d on case 2", desk.filedOn("case_1"), desk.filedOn("case_2"))
		}
		want(t, cas.Get("/post/inbound/"+filed), 200, "BLUE-2026-000003, by hand", "Moves",
			"moved from ASC-2026-000042 to BLUE-2026-000003 by Cas Test, because “Its reference was misread”")

		// Back to triage, through the API; its moves listed.
		tok := e.token("Cas", "read", "write")
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+filed+"/move", `{"reason": ""}`), 422, "Say why")
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+filed+"/move", `{"reason": "Not about a case"}`), 200, `"status":"triage"`,
			`"triage_reason":"Moved back to triage from case BLUE-2026-000003 by Cas Test: Not about a case"`)
		if desk.filedOn("case_2") != 1 {
			t.Fatal("not taken off the case")
		}
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+filed+"/route", `{"reference": "BLUE-2026-000003"}`), 409, "may not be about case BLUE-2026-000003")
		want(t, e.srv.API(tok, "POST", "/api/v1/post/inbound/"+filed+"/route", `{"reference": "BLUE-2026-000003", "confirm": true}`), 200, `"status":"routed"`)
		moves := e.srv.API(tok, "GET", "/api/v1/post/inbound/"+filed+"/moves", "")
		want(t, moves, 200, `"from_case_reference":"ASC-2026-000042"`, `"reason":"Not about a case"`)
		if strings.Count(moves.Body, `"moved_at"`) != 2 {
			t.Fatalf("moves %s", moves.Body)
		}
	})
}
