package servicesapi

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

var referencePattern = regexp.MustCompile(`^COMP-\d{4}-\d{6}$`)

func transitionIDs(c map[string]any) []string {
	var out []string
	ts, _ := c["transitions"].([]any)
	for _, t := range ts {
		out = append(out, str(t.(map[string]any), "id"))
	}
	return out
}

func move(transition string, version any, fields string) string {
	body := fmt.Sprintf(`{"transition": %q, "version": %v`, transition, version)
	if fields != "" {
		body += `, "fields": ` + fields
	}
	return body + "}"
}

// TestCaseFlow is the core flow on both engines: a resident submits a
// complaint, a caseworker moves it along, both write notes, and what each
// may not do is refused with the right status.
func TestCaseFlow(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		r := e.call(e.rita, "POST", "/api/v1/cases", `{"service": "complaints", "answers": `+complaint+`}`)
		want(t, r, http.StatusCreated, "submit")
		c := r.json
		id, ref := str(c, "id"), str(c, "reference")
		if !referencePattern.MatchString(ref) || r.header.Get("Location") != "/api/v1/cases/"+id || str(c, "state") != "submitted" || c["version"] != 1.0 {
			t.Fatalf("submitted case: %s (Location %q)", r.body, r.header.Get("Location"))
		}
		addr := c["answers"].(map[string]any)["address"].(map[string]any)
		if addr["postcode"] != "SW1A 2AA" {
			t.Fatalf("postcode not normalised: %v", addr)
		}
		if str(c, "applicant_id") != e.users["rita"].ID || str(c, "sla") != "on_track" || len(transitionIDs(c)) != 0 {
			t.Fatalf("submitted case as rita sees it: %s", r.body)
		}

		// Bad answers: every problem named by its answer key.
		r = e.call(e.rita, "POST", "/api/v1/cases", `{"service": "complaints", "answers": {"name": "Rita", "email": "not an email",
			"service_area": "parking", "details": "short", "complained_before": "maybe", "desired_outcome": "x", "colour": "red"}}`)
		want(t, r, http.StatusUnprocessableEntity, "bad answers")
		wantFields(t, r, "bad answers", "answers.email", "answers.service_area", "answers.details", "answers.complained_before", "answers.colour")
		r = e.call(e.rita, "POST", "/api/v1/cases", `{"service": "complaints", "answers": {"name": "Rita"}}`)
		want(t, r, http.StatusUnprocessableEntity, "incomplete answers")
		wantFields(t, r, "incomplete answers", "answers.service_area", "answers.details")
		want(t, e.call(e.rita, "POST", "/api/v1/cases", `{"service": "parking", "answers": {}}`), http.StatusNotFound, "unknown service")
		want(t, e.call(e.rita, "POST", "/api/v1/cases", `{"service": "equipment-collection", "answers": {}}`), http.StatusUnprocessableEntity, "staff-only service, no answers")

		// A read-only token cannot write anything.
		want(t, e.call(e.caraRead, "POST", "/api/v1/cases", `{"service": "complaints", "answers": `+complaint+`}`), http.StatusForbidden, "read token submits")
		want(t, e.call(e.caraRead, "POST", "/api/v1/cases/"+id+"/transitions", move("acknowledge", 1, "")), http.StatusForbidden, "read token moves")
		want(t, e.call(e.caraRead, "POST", "/api/v1/cases/"+id+"/notes", `{"text": "hi"}`), http.StatusForbidden, "read token notes")

		// The caseworker reads it, by ID and by reference, with her moves.
		r = e.call(e.cara, "GET", "/api/v1/cases/"+id, "")
		want(t, r, http.StatusOK, "cara reads")
		if got := transitionIDs(r.json); len(got) != 1 || got[0] != "acknowledge" {
			t.Fatalf("cara may make %v", got)
		}
		want(t, e.call(e.cara, "GET", "/api/v1/cases/"+ref, ""), http.StatusOK, "by reference")
		r = e.call(e.cara, "GET", "/api/v1/cases?reference="+ref, "")
		want(t, r, http.StatusOK, "search by reference")
		if list := items(r); len(list) != 1 || str(list[0], "id") != id || list[0]["answers"] != nil {
			t.Fatalf("search by reference: %s", r.body)
		}

		// Wrong role (send_stage2_response is for managers) is 403; wrong
		// state 409; an unknown transition 422.
		want(t, e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("send_stage2_response", 1, "")), http.StatusForbidden, "wrong role")
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("resolve", 1, `{"outcome": "upheld"}`))
		want(t, r, http.StatusConflict, "wrong state")
		if !strings.Contains(str(r.json, "detail"), `state "submitted" (Received)`) {
			t.Fatalf("wrong state detail: %s", r.body)
		}
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("teleport", 1, ""))
		want(t, r, http.StatusUnprocessableEntity, "unknown transition")
		wantFields(t, r, "unknown transition", "transition")
		// Rita may not acknowledge her own complaint.
		want(t, e.call(e.rita, "POST", "/api/v1/cases/"+id+"/transitions", move("acknowledge", 1, "")), http.StatusForbidden, "applicant acknowledges")

		// The right version moves it; the same version again is stale.
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("acknowledge", 1, ""))
		want(t, r, http.StatusOK, "acknowledge")
		if str(r.json, "state") != "stage1" || r.json["version"] != 2.0 {
			t.Fatalf("after acknowledge: %s", r.body)
		}
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("send_stage1_response", 1, `{"stage1_response": "Sorry.", "outcome": "upheld"}`))
		want(t, r, http.StatusConflict, "stale version")
		if !strings.Contains(str(r.json, "detail"), "version 2, not 1") {
			t.Fatalf("stale detail: %s", r.body)
		}
		// Fields the move requires, then bad fields, then a good move.
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("send_stage1_response", 2, ""))
		want(t, r, http.StatusUnprocessableEntity, "missing required fields")
		wantFields(t, r, "missing required fields", "fields.stage1_response", "fields.outcome")
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("send_stage1_response", 2, `{"stage1_response": "Sorry.", "outcome": "perhaps"}`))
		want(t, r, http.StatusUnprocessableEntity, "bad field")
		wantFields(t, r, "bad field", "fields.outcome")
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/transitions", move("send_stage1_response", 2, `{"stage1_response": "We are sorry.", "outcome": "upheld"}`))
		want(t, r, http.StatusOK, "stage 1 response")
		if str(r.json, "state") != "stage1_responded" || r.json["answers"].(map[string]any)["outcome"] != "upheld" {
			t.Fatalf("after stage 1 response: %s", r.body)
		}
		// The applicant may now ask for stage 2 herself.
		r = e.call(e.rita, "GET", "/api/v1/cases/"+id, "")
		want(t, r, http.StatusOK, "rita reads")
		if got := transitionIDs(r.json); len(got) != 1 || got[0] != "escalate_stage2" {
			t.Fatalf("rita may make %v", got)
		}

		// Notes: internal for staff, messages for the applicant.
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/notes", `{"text": "Checked with the crew."}`)
		want(t, r, http.StatusCreated, "internal note")
		if str(r.json, "visibility") != "internal" {
			t.Fatalf("default visibility: %s", r.body)
		}
		want(t, e.call(e.cara, "POST", "/api/v1/cases/"+id+"/notes", `{"text": "We will collect on Monday.", "visibility": "applicant"}`), http.StatusCreated, "message")
		want(t, e.call(e.rita, "POST", "/api/v1/cases/"+id+"/notes", `{"text": "Thank you."}`), http.StatusCreated, "rita replies")
		r = e.call(e.cara, "POST", "/api/v1/cases/"+id+"/notes", `{"text": "  ", "visibility": "public"}`)
		want(t, r, http.StatusUnprocessableEntity, "empty note")
		wantFields(t, r, "empty note", "text")
		if r = e.call(e.cara, "GET", "/api/v1/cases/"+id+"/notes", ""); len(items(r)) != 3 {
			t.Fatalf("cara sees notes %s", r.body)
		}
		r = e.call(e.rita, "GET", "/api/v1/cases/"+id+"/notes", "")
		want(t, r, http.StatusOK, "rita's notes")
		if list := items(r); len(list) != 2 || str(list[0], "body") != "We will collect on Monday." {
			t.Fatalf("rita sees notes %s", r.body)
		}
		r = e.call(e.cara, "GET", "/api/v1/cases/"+id+"/timeline", "")
		want(t, r, http.StatusOK, "timeline")
		if list := items(r); len(list) < 5 || str(list[0], "kind") != "submitted" {
			t.Fatalf("timeline: %s", r.body)
		}

		// Other people: another resident, staff without the unit, another
		// organisation.
		want(t, e.call(e.ray, "GET", "/api/v1/cases/"+id, ""), http.StatusForbidden, "another resident by ID")
		want(t, e.call(e.ray, "GET", "/api/v1/cases/"+url.PathEscape(ref), ""), http.StatusNotFound, "another resident by reference")
		want(t, e.call(e.sam, "GET", "/api/v1/cases/"+id, ""), http.StatusForbidden, "staff outside the unit")
		want(t, e.call(e.boss, "GET", "/api/v1/cases/"+id, ""), http.StatusNotFound, "other organisation reads")
		want(t, e.call(e.boss, "GET", "/api/v1/cases/"+id+"/notes", ""), http.StatusNotFound, "other organisation's notes")
		want(t, e.call(e.boss, "GET", "/api/v1/cases/"+id+"/timeline", ""), http.StatusNotFound, "other organisation's timeline")
		want(t, e.call(e.boss, "POST", "/api/v1/cases/"+id+"/transitions", move("resolve", 3, "")), http.StatusNotFound, "other organisation moves")
		want(t, e.call(e.boss, "POST", "/api/v1/cases/"+id+"/notes", `{"text": "hi"}`), http.StatusNotFound, "other organisation notes")
		if r = e.call(e.boss, "GET", "/api/v1/cases", ""); len(items(r)) != 0 {
			t.Fatalf("other organisation searches: %s", r.body)
		}
	})
}

// TestAssistedDigital: staff submit for a resident, who then owns the case.
func TestAssistedDigital(t *testing.T) {
	e := sqlite(t)
	rita := e.users["rita"].ID
	r := e.call(e.cara, "POST", "/api/v1/cases", `{"service": "complaints", "on_behalf_of": "`+rita+`", "answers": `+complaint+`}`)
	want(t, r, http.StatusCreated, "assisted submission")
	if str(r.json, "applicant_id") != rita || str(r.json, "submitted_by") != e.users["cara"].ID {
		t.Fatalf("assisted case: %s", r.body)
	}
	want(t, e.call(e.rita, "GET", "/api/v1/cases/"+str(r.json, "id"), ""), http.StatusOK, "rita reads her case")
	r = e.call(e.cara, "POST", "/api/v1/cases", `{"service": "complaints", "on_behalf_of": "usr_nobody", "answers": `+complaint+`}`)
	want(t, r, http.StatusUnprocessableEntity, "on behalf of nobody")
	wantFields(t, r, "on behalf of nobody", "on_behalf_of")
	want(t, e.call(e.ray, "POST", "/api/v1/cases", `{"service": "complaints", "on_behalf_of": "`+rita+`", "answers": `+complaint+`}`), http.StatusForbidden, "resident for another")
}

func TestSearchCases(t *testing.T) {
	e := sqlite(t)
	var ids []string
	for range 5 {
		ids = append(ids, str(e.submit(e.rita), "id"))
	}
	str(e.submit(e.ray), "id")
	r := e.call(e.cara, "POST", "/api/v1/cases/"+ids[0]+"/transitions", move("acknowledge", 1, ""))
	want(t, r, http.StatusOK, "acknowledge")

	// Pages of two, newest first, until next_cursor runs out.
	var seen []string
	path := "/api/v1/cases?service=complaints&applicant=" + e.users["rita"].ID + "&limit=2"
	r = e.call(e.cara, "GET", path, "")
	for {
		want(t, r, http.StatusOK, "page")
		for _, it := range items(r) {
			seen = append(seen, str(it, "id"))
		}
		next := str(r.json, "next_cursor")
		if next == "" {
			break
		}
		r = e.call(e.cara, "GET", path+"&cursor="+next, "")
	}
	if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
		t.Fatalf("pages %v, submitted %v", seen, ids)
	}

	count := func(tok, query string) int {
		t.Helper()
		r := e.call(tok, "GET", "/api/v1/cases?"+query, "")
		want(t, r, http.StatusOK, query)
		return len(items(r))
	}
	for q, n := range map[string]int{
		"state=stage1":                1,
		"state=submitted":             5,
		"open=true":                   6,
		"queue=complaints":            6,
		"unit=" + e.units["Property"]: 0,
		"sla=on_track":                6,
		"sla=breached":                0,
		"sort=due&limit=200":          6,
		"submitted_from=2000-01-01":   6,
		"submitted_to=2000-01-01":     0,
		"submitted_from=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)): 0,
		"text=rita+resident": 6,
		"text=nobody":        0,
		"mine=true":          0,
	} {
		if got := count(e.cara, q); got != n {
			t.Errorf("%s: %d cases, want %d", q, got, n)
		}
	}
	// Rita sees only her own.
	if got := count(e.rita, ""); got != 5 {
		t.Fatalf("rita sees %d", got)
	}
	// Weeks later every open clock has run out.
	e.clock.Add(60 * 24 * time.Hour)
	if got := count(e.cara, "sla=breached"); got != 6 {
		t.Fatalf("breached: %d", got)
	}
	r = e.call(e.cara, "GET", "/api/v1/cases/"+ids[1], "")
	if str(r.json, "sla") != "breached" {
		t.Fatalf("case SLA: %s", r.body)
	}

	for _, q := range []string{"sla=late", "open=yes", "sort=oldest", "submitted_from=yesterday", "limit=500", "cursor=abc", "colour=red", "state=a&state=b"} {
		r := e.call(e.cara, "GET", "/api/v1/cases?"+q, "")
		want(t, r, http.StatusBadRequest, q)
		if len(fields(r)) == 0 {
			t.Fatalf("%s: errors name nothing: %s", q, r.body)
		}
	}
	// A cursor from one sort is refused by the other.
	r = e.call(e.cara, "GET", "/api/v1/cases?limit=1", "")
	want(t, e.call(e.cara, "GET", "/api/v1/cases?sort=due&cursor="+str(r.json, "next_cursor"), ""), http.StatusBadRequest, "cursor of another sort")
}

// TestBadRequests: whatever arrives, the answer is a clear 4xx.
func TestBadRequests(t *testing.T) {
	e := sqlite(t)
	id := str(e.submit(e.rita), "id")
	for _, tc := range []struct {
		what, method, path, ct, body string
		status                       int
	}{
		{"unknown member", "POST", "/api/v1/cases", "application/json", `{"service": "complaints", "answers": {}, "priority": "high"}`, 400},
		{"wrong type", "POST", "/api/v1/cases", "application/json", `{"service": 7, "answers": {}}`, 400},
		{"answers not an object", "POST", "/api/v1/cases", "application/json", `{"service": "complaints", "answers": []}`, 400},
		{"invalid UTF-8", "POST", "/api/v1/cases", "application/json", "{\"service\": \"compl\xffaints\", \"answers\": {}}", 400},
		{"not JSON", "POST", "/api/v1/cases", "application/json", `service=complaints`, 400},
		{"form post", "POST", "/api/v1/cases", "application/x-www-form-urlencoded", `service=complaints`, 400},
		{"two values", "POST", "/api/v1/cases", "application/json", `{"service": "complaints", "answers": {}} {}`, 400},
		{"empty", "POST", "/api/v1/cases", "application/json", ``, 400},
		{"no service", "POST", "/api/v1/cases", "application/json", `{"answers": {}}`, 422},
		{"answer of the wrong shape", "POST", "/api/v1/cases", "application/json", `{"service": "complaints", "answers": {"address": "1 High St"}}`, 422},
		{"oversized", "POST", "/api/v1/cases", "application/json", `{"service": "complaints", "answers": {"details": "` + strings.Repeat("x", 2<<20) + `"}}`, 413},
		{"transition without version", "POST", "/api/v1/cases/" + id + "/transitions", "application/json", `{"transition": "acknowledge"}`, 422},
		{"version as text", "POST", "/api/v1/cases/" + id + "/transitions", "application/json", `{"transition": "acknowledge", "version": "1"}`, 400},
		{"fields not an object", "POST", "/api/v1/cases/" + id + "/transitions", "application/json", `{"transition": "acknowledge", "version": 1, "fields": 3}`, 400},
		{"unknown transition member", "POST", "/api/v1/cases/" + id + "/transitions", "application/json", `{"transition": "acknowledge", "version": 1, "force": true}`, 400},
		{"malformed case ID", "GET", "/api/v1/cases/case_nope", "", "", 404},
		{"malformed ID moved", "POST", "/api/v1/cases/case_nope/transitions", "application/json", `{"transition": "acknowledge", "version": 1}`, 404},
		{"malformed ID notes", "GET", "/api/v1/cases/%00/notes", "", "", 404},
		{"foreign-looking ID", "GET", "/api/v1/cases/usr_00000000000000000000000000", "", "", 404},
		{"unknown reference", "GET", "/api/v1/cases/COMP-1999-000001", "", "", 404},
		{"note on nothing", "POST", "/api/v1/cases/case_00000000000000000000000000/notes", "application/json", `{"text": "hi"}`, 404},
		{"timeline of nothing", "GET", "/api/v1/cases/case_00000000000000000000000000/timeline", "", "", 404},
		{"query on submit", "POST", "/api/v1/cases?dry_run=1", "application/json", `{"service": "complaints", "answers": {}}`, 400},
	} {
		r := e.send(e.cara, tc.method, tc.path, tc.ct, tc.body)
		want(t, r, tc.status, tc.what)
	}
	r := e.call(e.cara, "POST", "/api/v1/cases", `{"service": "complaints", "answers": {}, "priority": "high"}`)
	wantFields(t, r, "unknown member", "priority")
}
