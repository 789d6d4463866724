package console

import (
	"bytes"
	"dbtp/internal/audit"
	"dbtp/internal/services/definition"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/services"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestQueue covers the queue's filters, tabs, my cases and pagination, and
// who may see it, on both databases.
func TestQueue(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		first := e.complaint("First")
		e.clock.Add(24 * time.Hour)
		second := e.complaint("Second")
		third := e.complaint("Third")

		cara := e.browser(e.cara)
		q := cara.Get("/cases")
		want(t, q, http.StatusOK, "queue")
		wantBody(t, q, first.Reference, second.Reference, third.Reference, "Make a complaint", "Received", "Rita Example",
			"Unassigned (Complaints queue)", "My cases", "Customer Services", `name="case_ids"`, "Reassign selected", `name="csrf_token"`)
		// Soonest due first.
		if strings.Index(q.Body, first.Reference) > strings.Index(q.Body, second.Reference) {
			t.Fatal("queue is not sorted by due date")
		}

		// SLA clocks: the first is due after 5 working days (Monday 2
		// March -> Monday 9 March) and at risk 2 days before.
		wantBody(t, q, "Due 9 Mar")
		e.clock.Add(3 * 24 * time.Hour) // Friday 6 March
		wantBody(t, cara.Get("/cases?sla=at_risk"), first.Reference, "At risk")
		e.clock.Add(4 * 24 * time.Hour) // Tuesday 10 March: only the first is past due
		br := cara.Get("/cases?sla=breached")
		wantBody(t, br, first.Reference, "Breached")
		wantNot(t, br, second.Reference)
		want(t, cara.Get("/cases?sla=soon"), http.StatusBadRequest, "unknown SLA filter")

		// Business unit, service, reference and date filters.
		wantBody(t, cara.Get("/cases?unit="+e.units["Customer Services"]), first.Reference)
		wantBody(t, cara.Get("/cases?unit="+e.units["Finance"]), "No cases match these filters.")
		wantBody(t, cara.Get("/cases?service=complaints&state=submitted"), third.Reference)
		// Statuses are grouped by service; one chosen from the groups names
		// its service and filters by both.
		r0 := cara.Get("/cases")
		wantBody(t, r0, `<optgroup label="Make a complaint">`, `value="complaints/submitted"`)
		r0 = cara.Get("/cases?state=complaints/submitted")
		wantBody(t, r0, third.Reference, `value="complaints/submitted" selected`)
		r := cara.Get("/cases?q=" + second.Reference)
		wantBody(t, r, second.Reference)
		wantNot(t, r, third.Reference)
		r = cara.Get("/cases?from=2026-03-03&to=2026-03-03")
		wantBody(t, r, second.Reference, third.Reference)
		wantNot(t, r, first.Reference)
		r = cara.Get("/cases?from=2026-02-30")
		want(t, r, http.StatusBadRequest, "impossible date")
		wantBody(t, r, `href="#from"`)

		// My cases.
		_, err := e.svc.Assign(e.ctx, e.mona, second.ID, services.Assignment{AssigneeID: e.cara.UserID})
		noErr(t, err)
		mine := cara.Get("/cases?assignee=me")
		wantBody(t, mine, second.Reference, "Cara Example", `aria-current="page"`)
		wantNot(t, mine, first.Reference)

		// Pagination: two a page, then the rest. The second and third cases
		// share a due date, so which of them ends the first page depends on
		// their IDs; what must hold is that the pages split the three cases.
		p1 := cara.Get("/cases?limit=2")
		wantBody(t, p1, first.Reference, `rel="next"`)
		next := between(p1.Body, `href="`, `" rel="next"`)
		p2 := cara.Get(strings.ReplaceAll(next, "&amp;", "&"))
		want(t, p2, http.StatusOK, "second page")
		wantBody(t, p2, `rel="prev"`)
		wantNot(t, p2, first.Reference)
		for _, ref := range []string{second.Reference, third.Reference} {
			if strings.Contains(p1.Body, ref) == strings.Contains(p2.Body, ref) {
				t.Fatalf("%s must be on exactly one of the two pages", ref)
			}
		}
		want(t, cara.Get("/cases?cursor=junk"), http.StatusBadRequest, "bad cursor")

		// A resident, another unit's caseworker and another organisation.
		want(t, e.browser(e.rita).Get("/cases"), http.StatusForbidden, "resident's queue")
		wantBody(t, e.browser(e.carl).Get("/cases"), "There are no open cases.")
		wantNot(t, e.browser(e.boss).Get("/cases"), first.Reference)
		if r := e.srv.Browser().Get("/cases"); r.Status != http.StatusSeeOther {
			t.Fatalf("signed out: %d", r.Status)
		}
	})
}

// TestCaseFlow is a caseworker taking a complaint from received through
// stage 1 to resolved, on both databases.
// A caseworker's one look at a complaint (OFFICIAL-SENSITIVE) is one
// audited read, though the page reads the case, its timeline, notes, tasks
// and files.
func TestCasePageIsOneAuditedRead(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.complaint("Bins")
		cara := e.browser(e.cara)
		want(t, cara.Get("/cases/"+c.ID), http.StatusOK, "case page")
		reads := func() int {
			page, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Action: "case.read", ResourceID: c.ID, Limit: 100})
			noErr(t, err)
			return len(page.Entries)
		}
		if n := reads(); n != 1 {
			t.Fatalf("one view of the case page wrote %d case.read entries, want 1", n)
		}
		want(t, cara.Get("/cases/"+c.ID), http.StatusOK, "case page again")
		if n := reads(); n != 2 {
			t.Fatalf("two views wrote %d case.read entries, want 2", n)
		}
	})
}

func TestCaseFlow(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.complaint("Bins")
		cara := e.browser(e.cara)
		page := cara.Get("/cases/" + c.ID)
		want(t, page, http.StatusOK, "case page")
		wantBody(t, page, c.Reference, "Received", "Rita Example", "Waste and recycling centres", "An apology",
			"Acknowledge and start stage 1", `name="version" value="1"`, "Timeline", "Submitted")
		// Only transitions allowed from this state by this person.
		wantNot(t, page, "Resolve", "Send the final response")
		// Reassign offers only people who could work on the case: Carl, a
		// caseworker in Finance, cannot open a Customer Services complaint.
		wantBody(t, page, `value="`+e.cara.UserID+`"`, "Only people who can open this case are listed")
		wantNot(t, page, `value="`+e.carl.UserID+`"`)
		// Days left, in working days, with the due date.
		wantBody(t, page, "days left", "Due ")

		r := cara.PostForm("/cases/"+c.ID+"/transitions/acknowledge", url.Values{"version": {"1"}})
		wantRedirect(t, r, "/cases/"+c.ID, "acknowledge")
		page = cara.Get("/cases/" + c.ID)
		wantBody(t, page, "Stage 1: investigating", "Send the stage 1 response", "Resolve", `href="/cases/`+c.ID+`/transitions/resolve"`)

		// Resolve asks for the outcome; leaving it out keeps the person on the form.
		form := cara.Get("/cases/" + c.ID + "/transitions/resolve")
		want(t, form, http.StatusOK, "resolve form")
		wantBody(t, form, "Stage 1 outcome", `value="partly_upheld"`, `name="version" value="2"`)
		r = cara.PostForm("/cases/"+c.ID+"/transitions/resolve", url.Values{"version": {"2"}})
		want(t, r, http.StatusUnprocessableEntity, "resolve without outcome")
		wantBody(t, r, "govuk-error-summary", `href="#outcome"`)

		// Someone else changes the case meanwhile: the stale version is refused.
		_, err := e.svc.AddNote(e.ctx, e.mona, c.ID, "Looking at this", services.Internal)
		noErr(t, err)
		_, err = e.svc.Assign(e.ctx, e.mona, c.ID, services.Assignment{AssigneeID: e.cara.UserID})
		noErr(t, err)
		r = cara.PostForm("/cases/"+c.ID+"/transitions/resolve", url.Values{"version": {"2"}, "outcome": {"upheld"}})
		want(t, r, http.StatusConflict, "stale version")
		wantBody(t, r, "Someone else changed this case", `href="/cases/`+c.ID+`"`)

		r = cara.PostForm("/cases/"+c.ID+"/transitions/resolve", url.Values{"version": {"3"}, "outcome": {"upheld"}})
		wantRedirect(t, r, "/cases/"+c.ID, "resolve")
		page = cara.Get("/cases/" + c.ID)
		wantBody(t, page, "Resolved", "Upheld", "Closed", "it is closed")
		got, err := e.svc.GetCase(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if got.State != "resolved" || got.Answers["outcome"] != "upheld" {
			t.Fatalf("case is %s with %v", got.State, got.Answers["outcome"])
		}
		// No transition out of a closed case, whatever is posted.
		r = cara.PostForm("/cases/"+c.ID+"/transitions/acknowledge", url.Values{"version": {"4"}})
		want(t, r, http.StatusConflict, "transition from the wrong state")
		want(t, cara.Get("/cases/"+c.ID+"/transitions/nope"), http.StatusNotFound, "unknown transition")

		// Who may see the case.
		d := e.complaint("Potholes")
		want(t, e.browser(e.rita).Get("/cases/"+d.ID), http.StatusForbidden, "resident on the console")
		if r := e.browser(e.carl).Get("/cases/" + d.ID); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Fatalf("other unit's caseworker: %d", r.Status)
		}
		want(t, e.browser(e.boss).Get("/cases/"+d.ID), http.StatusNotFound, "other organisation")
		want(t, e.browser(e.carl).PostForm("/cases/"+d.ID+"/transitions/acknowledge", url.Values{"version": {"1"}}), http.StatusForbidden, "other unit's transition")
		want(t, cara.Get("/cases/case_nope"), http.StatusNotFound, "junk ID")
	})
}

// TestCaseWork covers notes, tasks, attachments and reassignment.
func TestCaseWork(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	c := e.complaint("Library")
	cara := e.browser(e.cara)
	base := "/cases/" + c.ID

	r := cara.PostForm(base+"/notes", url.Values{"text": {"  "}, "visibility": {"internal"}})
	want(t, r, http.StatusUnprocessableEntity, "empty note")
	wantBody(t, r, `href="#text"`)
	wantRedirect(t, cara.PostForm(base+"/notes", url.Values{"text": {"Staff only: checked CCTV"}, "visibility": {"internal"}}), base, "internal note")
	wantRedirect(t, cara.PostForm(base+"/notes", url.Values{"text": {"We are looking into it"}, "visibility": {"applicant"}}), base, "message")
	page := cara.Get(base)
	wantBody(t, page, "Staff only: checked CCTV", "Internal note", "We are looking into it", "Message to or from the applicant", "Message sent to the applicant")
	notes, err := e.svc.ListNotes(e.ctx, e.rita, c.ID)
	noErr(t, err)
	if len(notes) != 1 || notes[0].Body != "We are looking into it" {
		t.Fatalf("the applicant sees %+v", notes)
	}

	// Tasks: add one with a due date, complete it.
	r = cara.PostForm(base+"/tasks", url.Values{"title": {"Call the centre"}, "due": {"2026-03-31"}})
	wantRedirect(t, r, base, "add task")
	page = cara.Get(base)
	wantBody(t, page, "Call the centre", "31 Mar 2026", "Mark as done")
	tasks, err := e.svc.ListTasks(e.ctx, e.cara, c.ID)
	noErr(t, err)
	wantRedirect(t, cara.PostForm(base+"/tasks/"+tasks[0].ID+"/complete", nil), base, "complete task")
	wantBody(t, cara.Get(base), "Done 2 Mar 2026 by Cara Example")
	want(t, cara.PostForm(base+"/tasks/"+tasks[0].ID+"/complete", nil), http.StatusConflict, "complete twice")
	want(t, cara.PostForm(base+"/tasks", url.Values{"title": {"x"}, "due": {"31/3"}}), http.StatusUnprocessableEntity, "bad due date")

	// Attachments: upload, list, download with the stored type.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", cara.CSRFToken())
	fw, _ := mw.CreateFormFile("file", "notes.txt")
	fw.Write([]byte("Notes from the phone call\n"))
	mw.Close()
	r = cara.Do("POST", base+"/attachments", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
	wantRedirect(t, r, base, "upload")
	atts, err := e.svc.ListAttachments(e.ctx, e.cara, c.ID)
	noErr(t, err)
	wantBody(t, cara.Get(base), "notes.txt", "File added")
	dl := cara.Get(base + "/attachments/" + atts[0].ID)
	want(t, dl, http.StatusOK, "download")
	if cd := dl.Header.Get("Content-Disposition"); cd != `attachment; filename=notes.txt` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if ct := dl.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || dl.Body != "Notes from the phone call\n" {
		t.Fatalf("download %q: %q", ct, dl.Body)
	}
	want(t, e.browser(e.boss).Get(base+"/attachments/"+atts[0].ID), http.StatusNotFound, "other org's download")

	// Reassign from the case page.
	r = cara.PostForm(base+"/assign", url.Values{"assignee_id": {e.mona.UserID}})
	wantRedirect(t, r, base, "reassign")
	wantBody(t, cara.Get(base), "Case assigned to Mona Example", "Assigned to Mona Example")
	want(t, cara.PostForm(base+"/assign", url.Values{"assignee_id": {"user_nobody"}}), http.StatusUnprocessableEntity, "unknown assignee")
}

// TestBulkReassign gives several cases to one person from the queue.
func TestBulkReassign(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a, b, c := e.complaint("A"), e.complaint("B"), e.complaint("C")
		mona := e.browser(e.mona)
		r := mona.PostForm("/cases/reassign", url.Values{"return": {"/cases?service=complaints"}, "bulk_assignee": {e.cara.UserID}})
		want(t, r, http.StatusUnprocessableEntity, "nothing selected")
		wantBody(t, r, `href="#case_ids"`, a.Reference)
		r = mona.PostForm("/cases/reassign", url.Values{"return": {"/cases?service=complaints"}, "bulk_assignee": {e.cara.UserID},
			"case_ids": {a.ID, c.ID}})
		wantRedirect(t, r, "/cases?service=complaints", "bulk reassign")
		mine := e.browser(e.cara).Get("/cases?assignee=me")
		wantBody(t, mine, a.Reference, c.Reference)
		wantBody(t, mona.Get("/cases"), "2 cases reassigned to Cara Example")
		wantNot(t, mine, b.Reference)
		// Outside the console's own pages the return address is ignored.
		r = mona.PostForm("/cases/reassign", url.Values{"return": {"https://evil.example/"}, "bulk_assignee": {e.mona.UserID}, "case_ids": {b.ID}})
		wantRedirect(t, r, "/cases", "bulk reassign with a foreign return")
		if loc := r.Header.Get("Location"); loc != "/cases" {
			t.Fatalf("returned to %q", loc)
		}
		// Another organisation's case makes the whole request fail.
		r = e.browser(e.boss).PostForm("/cases/reassign", url.Values{"bulk_assignee": {e.boss.UserID}, "case_ids": {a.ID}})
		if r.Status != http.StatusNotFound {
			t.Fatalf("other org bulk reassign: %d", r.Status)
		}
	})
}

func between(s, a, b string) string {
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	i := strings.LastIndex(s[:j], a)
	if i < 0 {
		return ""
	}
	return s[i+len(a) : j]
}

// TestCasePageSaysWhoCanMoveIt: at stage 2 only a manager sends the final
// response; the caseworker's page says so instead of leaving them stuck.
func TestCasePageSaysWhoCanMoveIt(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.complaint("Stage two")
		var err error
		for _, step := range []struct {
			id     string
			fields definition.Answers
		}{{"acknowledge", nil}, {"send_stage1_response", definition.Answers{"stage1_response": "Sorry.", "outcome": "not_upheld"}}, {"escalate_stage2", nil}} {
			c, err = e.svc.Transition(e.ctx, e.cara, c.ID, step.id, c.Version, step.fields)
			noErr(t, err)
		}
		r := e.browser(e.cara).Get("/cases/" + c.ID)
		wantBody(t, r, "There is nothing you can do to move this case on", `id="others-can"`, "Send the final response: a manager")
		wantNot(t, e.browser(e.mona).Get("/cases/"+c.ID), `id="others-can"`)
	})
}
