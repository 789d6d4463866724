package services

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestSLAAndEscalation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Late")
		due := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
		for _, tc := range []struct {
			at   time.Time
			want SLAStatus
		}{{start, SLAOnTrack}, {time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC), SLAAtRisk}, {due, SLAAtRisk}, {due.Add(time.Millisecond), SLABreached}} {
			if got := c.SLA(tc.at); got != tc.want {
				t.Fatalf("at %v: %s, want %s", tc.at, got, tc.want)
			}
			e.clock.Set(tc.at)
			page, err := e.svc.Search(e.ctx, e.cara, CaseFilter{SLA: tc.want}, "", 10)
			noErr(t, err)
			if len(page.Cases) != 1 {
				t.Fatalf("search for %s at %v found %d", tc.want, tc.at, len(page.Cases))
			}
		}
		n, err := e.svc.EscalateBreached(e.ctx, due)
		noErr(t, err)
		if n != 0 {
			t.Fatalf("escalated %d cases before they were due", n)
		}
		n, err = e.svc.EscalateBreached(e.ctx, due.Add(time.Hour))
		noErr(t, err)
		if n != 1 {
			t.Fatalf("escalated %d, want 1", n)
		}
		n, err = e.svc.EscalateBreached(e.ctx, due.Add(2*time.Hour))
		noErr(t, err)
		if n != 0 {
			t.Fatalf("second sweep escalated %d again", n)
		}
		got, err := e.svc.GetCase(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if !got.Escalated || got.Queue != "complaints-escalated" || got.Version != c.Version+1 {
			t.Fatalf("escalated case %+v", got)
		}
		ms := e.messages(c.ID)
		if last := ms[len(ms)-1]; last.To != (Recipient{Kind: ToRole, Value: "manager", UnitID: e.units["Customer Services"]}) {
			t.Fatalf("escalation message %+v", last)
		}
		if n := countEntries(e.entries(e.org.ID), "case.escalate", c.ID, audit.Success); n != 1 {
			t.Fatalf("%d case.escalate entries", n)
		}
		// Entering stage 2 starts a new 20-working-day clock and a new chance to escalate.
		e.clock.Set(time.Date(2026, 3, 17, 9, 0, 0, 0, time.UTC)) // Tuesday
		moved, err := e.svc.Transition(e.ctx, e.rita, c.ID, "escalate", got.Version, nil)
		noErr(t, err)
		if moved.Escalated || !moved.DueAt.Equal(time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("stage 2: escalated %v due %v", moved.Escalated, moved.DueAt)
		}
		if n, _ := e.svc.EscalateBreached(e.ctx, time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC)); n != 1 {
			t.Fatalf("stage 2 breach escalated %d", n)
		}
	})
}

func TestDrafts(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		d, err := e.svc.SaveDraft(e.ctx, e.rita, "complaints", definition.Answers{"summary": "Half"}, "details")
		noErr(t, err)
		if !d.ExpiresAt.Equal(start.Add(28 * 24 * time.Hour)) {
			t.Fatalf("expires %v", d.ExpiresAt)
		}
		e.clock.Set(start.Add(time.Hour))
		_, err = e.svc.SaveDraft(e.ctx, e.rita, "complaints", definition.Answers{"summary": "Half", "details": "More"}, "check-answers")
		noErr(t, err)
		got, err := e.svc.GetDraft(e.ctx, e.rita, "complaints")
		noErr(t, err)
		if got.Page != "check-answers" || got.Answers["details"] != "More" || !got.CreatedAt.Equal(start) {
			t.Fatalf("draft %+v", got)
		}
		_, err = e.svc.GetDraft(e.ctx, e.ray, "complaints")
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.SaveDraft(e.ctx, e.rita, "complaints", definition.Answers{"outcome": "upheld"}, "")
		wantField(t, err, "outcome")
		_, err = e.svc.SaveDraft(e.ctx, &platform.Subject{Kind: platform.SubjectAnonymous, OrgID: e.org.ID}, "complaints", nil, "")
		wantCode(t, err, platform.CodeUnauthorized)
		list, err := e.svc.ListDrafts(e.ctx, e.rita)
		noErr(t, err)
		if len(list) != 1 {
			t.Fatalf("drafts %+v", list)
		}
		// Submitting removes the draft.
		e.submit(e.rita, "Done")
		_, err = e.svc.GetDraft(e.ctx, e.rita, "complaints")
		wantCode(t, err, platform.CodeNotFound)
		// Drafts expire 28 days after the last save.
		_, err = e.svc.SaveDraft(e.ctx, e.ray, "complaints", definition.Answers{}, "")
		noErr(t, err)
		e.clock.Set(start.Add(30 * 24 * time.Hour))
		_, err = e.svc.GetDraft(e.ctx, e.ray, "complaints")
		wantCode(t, err, platform.CodeNotFound)
		n, err := e.svc.PruneDrafts(e.ctx, e.clock.Now())
		noErr(t, err)
		if n != 1 {
			t.Fatalf("pruned %d", n)
		}
		_, err = e.svc.SaveDraft(e.ctx, e.ray, "complaints", definition.Answers{}, "")
		noErr(t, err)
		noErr(t, e.svc.DeleteDraft(e.ctx, e.ray, "complaints"))
		wantCode(t, e.svc.DeleteDraft(e.ctx, e.ray, "complaints"), platform.CodeNotFound)
	})
}

func TestAttachments(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		photo := []byte("\xff\xd8\xff a photo")
		c, err := e.svc.Submit(e.ctx, e.rita, "complaints",
			definition.Answers{"summary": "Fly-tipping", "evidence": definition.File{ID: "upload-1", Name: `C:\Users\rita\photo.jpg`, MediaType: "image/jpeg"}},
			SubmitOptions{Files: map[string][]byte{"upload-1": photo}})
		noErr(t, err)
		f, ok := c.Answers["evidence"].(definition.File)
		if !ok || f.Name != "photo.jpg" || f.Size != int64(len(photo)) || !platform.ValidID("att", f.ID) {
			t.Fatalf("file answer %#v", c.Answers["evidence"])
		}
		a, content, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, f.ID)
		noErr(t, err)
		if !bytes.Equal(content, photo) || a.FieldID != "evidence" || a.MediaType != "image/jpeg" {
			t.Fatalf("attachment %+v", a)
		}
		_, err = e.svc.Submit(e.ctx, e.rita, "complaints",
			definition.Answers{"summary": "Big", "evidence": definition.File{ID: "u2", Name: "big.bin"}},
			SubmitOptions{Files: map[string][]byte{"u2": make([]byte, 2048)}}) // the field allows 1 KiB
		wantCode(t, err, platform.CodeTooLarge)
		_, err = e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "Stray"},
			SubmitOptions{Files: map[string][]byte{"u3": []byte("x")}})
		wantField(t, err, "files")

		letter, err := e.svc.AddAttachment(e.ctx, e.cara, c.ID, definition.File{Name: "letter.pdf", MediaType: "application/pdf"}, []byte("%PDF-1.7"))
		noErr(t, err)
		list, err := e.svc.ListAttachments(e.ctx, e.rita, c.ID)
		noErr(t, err)
		if len(list) != 2 || list[1].ID != letter.ID {
			t.Fatalf("attachments %+v", list)
		}
		_, _, err = e.svc.GetAttachment(e.ctx, e.ray, c.ID, letter.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, _, err = e.svc.GetAttachment(e.ctx, e.rita, c.ID, "att_00000000000000000000000000")
		wantCode(t, err, platform.CodeNotFound)
		e.svc.opts.MaxAttachmentBytes = 4
		_, err = e.svc.AddAttachment(e.ctx, e.cara, c.ID, definition.File{Name: "x"}, []byte("12345"))
		wantCode(t, err, platform.CodeTooLarge)
		_, err = e.svc.AddAttachment(e.ctx, e.cara, c.ID, definition.File{Name: "x", MediaType: "not a type;;"}, []byte("1"))
		wantCode(t, err, platform.CodeInvalid)
	})
}

func TestAssignAndBulkReassign(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		var ids []string
		for _, s := range []string{"a", "b", "c"} {
			ids = append(ids, e.submit(e.rita, s).ID)
		}
		n, err := e.svc.BulkReassign(e.ctx, e.mona, append(ids, ids[0]), Assignment{AssigneeID: e.cara.UserID})
		noErr(t, err)
		if n != 3 {
			t.Fatalf("reassigned %d", n)
		}
		mine, err := e.svc.Search(e.ctx, e.cara, CaseFilter{Mine: true, OpenOnly: true}, "", 10)
		noErr(t, err)
		if len(mine.Cases) != 3 {
			t.Fatalf("Cara has %d cases", len(mine.Cases))
		}
		if got := countEntries(e.entries(e.org.ID), "case.bulk_reassign", "", audit.Success); got != 3 {
			t.Fatalf("%d bulk audit entries", got)
		}
		// All or nothing: one case Carl may not touch stops the lot.
		_, err = e.svc.BulkReassign(e.ctx, e.carl, ids, Assignment{AssigneeID: e.carl.UserID})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.BulkReassign(e.ctx, e.mona, append([]string{"case_00000000000000000000000000"}, ids...), Assignment{Queue: "elsewhere"})
		wantCode(t, err, platform.CodeNotFound)
		mine, err = e.svc.Search(e.ctx, e.cara, CaseFilter{Assignee: e.cara.UserID}, "", 10)
		noErr(t, err)
		if len(mine.Cases) != 3 {
			t.Fatalf("a refused bulk reassignment changed cases: %d left", len(mine.Cases))
		}
		_, err = e.svc.BulkReassign(e.ctx, e.mona, ids, Assignment{AssigneeID: e.other.UserID})
		wantField(t, err, "assignee_id")
		// Nor to someone who could not open them: Carl works in Finance, and
		// the refusal names the cases; nothing changes.
		_, err = e.svc.BulkReassign(e.ctx, e.mona, ids, Assignment{AssigneeID: e.carl.UserID})
		wantField(t, err, "assignee_id")
		if msg := platform.AsError(err).Fields[0].Message; !strings.Contains(msg, "cannot work on") || !strings.Contains(msg, "COMP-") {
			t.Fatalf("refusal does not name the cases: %q", msg)
		}
		_, err = e.svc.Assign(e.ctx, e.mona, ids[1], Assignment{AssigneeID: e.carl.UserID})
		wantField(t, err, "assignee_id")
		one, err := e.svc.GetCase(e.ctx, e.mona, ids[1])
		noErr(t, err)
		if one.AssigneeID != e.cara.UserID {
			t.Fatalf("a refused assignment changed the case: %+v", one)
		}
		carl := platform.Person{ID: e.carl.UserID, Roles: e.carl.Roles, Units: e.carl.BusinessUnits}
		cara := platform.Person{ID: e.cara.UserID, Roles: e.cara.Roles, Units: e.cara.BusinessUnits}
		if e.svc.CouldWorkOn(e.ctx, carl, one) || !e.svc.CouldWorkOn(e.ctx, cara, one) {
			t.Fatal("CouldWorkOn disagrees with the access policy")
		}

		back, err := e.svc.Assign(e.ctx, e.mona, ids[0], Assignment{Queue: "complaints-senior"})
		noErr(t, err)
		if back.AssigneeID != "" || back.Queue != "complaints-senior" {
			t.Fatalf("returned to queue: %+v", back)
		}
		_, err = e.svc.Assign(e.ctx, e.rita, ids[0], Assignment{AssigneeID: e.rita.UserID})
		wantCode(t, err, platform.CodeForbidden) // the applicant does not assign staff work
		q, err := e.svc.Search(e.ctx, e.mona, CaseFilter{Queue: "complaints-senior"}, "", 10)
		noErr(t, err)
		if len(q.Cases) != 1 || q.Cases[0].ID != ids[0] {
			t.Fatalf("queue %+v", q.Cases)
		}
	})
}

func TestTasks(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Task me")
		due := time.Date(2026, 3, 3, 17, 0, 0, 0, time.UTC)
		task, err := e.svc.CreateTask(e.ctx, e.cara, c.ID, NewTask{Title: "Call Rita", DueAt: due, AssigneeID: e.cara.UserID})
		noErr(t, err)
		tasks, err := e.svc.ListTasks(e.ctx, e.mona, c.ID)
		noErr(t, err)
		if len(tasks) != 2 || tasks[0].ID != task.ID || !tasks[0].DueAt.Equal(due) {
			t.Fatalf("tasks (soonest due first) %+v", tasks)
		}
		noErr(t, e.svc.CompleteTask(e.ctx, e.cara, c.ID, task.ID))
		wantCode(t, e.svc.CompleteTask(e.ctx, e.cara, c.ID, task.ID), platform.CodeConflict)
		tasks, err = e.svc.ListTasks(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if !tasks[1].Done || tasks[1].DoneBy != e.cara.UserID {
			t.Fatalf("done task %+v", tasks[1])
		}
		_, err = e.svc.CreateTask(e.ctx, e.rita, c.ID, NewTask{Title: "Hurry up"})
		wantCode(t, err, platform.CodeForbidden)

		// Leaving the state closes the task it made on entry, as done by
		// whoever made the move; a task staff added stays theirs to close.
		own, err := e.svc.CreateTask(e.ctx, e.cara, c.ID, NewTask{Title: "Ring the depot"})
		noErr(t, err)
		c, err = e.svc.GetCase(e.ctx, e.cara, c.ID)
		noErr(t, err)
		_, err = e.svc.Transition(e.ctx, e.rita, c.ID, "escalate", c.Version, nil)
		noErr(t, err)
		tasks, err = e.svc.ListTasks(e.ctx, e.cara, c.ID)
		noErr(t, err)
		byTitle := map[string]Task{}
		for _, tk := range tasks {
			byTitle[tk.Title] = tk
		}
		if ack := byTitle["Acknowledge the complaint"]; !ack.Done || ack.DoneBy != e.rita.UserID {
			t.Fatalf("the stage's own task after leaving it: %+v", ack)
		}
		if mine := byTitle[own.Title]; mine.Done {
			t.Fatalf("a task staff added was closed by the move: %+v", mine)
		}
		_, err = e.svc.CreateTask(e.ctx, e.cara, c.ID, NewTask{Title: " "})
		wantField(t, err, "title")
	})
}

func TestDefinitions(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		_, err := e.svc.PublishDefinition(e.ctx, e.mona, complaints(1), nil)
		wantCode(t, err, platform.CodeForbidden)
		bad := complaints(1)
		bad.ReferencePrefix, bad.Workflow.Initial = "comp", "nowhere"
		_, err = e.svc.PublishDefinition(e.ctx, e.admin, bad, nil)
		wantField(t, err, "reference_prefix")
		wantField(t, err, "workflow.initial")
		lost := complaints(1)
		lost.OwnerUnit = "Department of Silly Walks"
		_, err = e.svc.PublishDefinition(e.ctx, e.admin, lost, nil)
		wantField(t, err, "owner_unit")

		e.publish(complaints(1))
		_, err = e.svc.PublishDefinition(e.ctx, e.admin, complaints(1), nil)
		wantCode(t, err, platform.CodeConflict)
		e.publish(complaints(3))
		_, err = e.svc.PublishDefinition(e.ctx, e.admin, complaints(2), nil)
		wantField(t, err, "version") // must be newer than the latest

		list, err := e.svc.ListDefinitions(e.ctx, e.rita)
		noErr(t, err)
		if len(list) != 1 || list[0].Def.Version != 3 {
			t.Fatalf("list %+v", list)
		}
		p, err := e.svc.GetDefinition(e.ctx, e.rita, "complaints", 1)
		noErr(t, err)
		if p.Def.Version != 1 || string(p.Source) != "id: complaints\n" || p.PublishedBy != e.admin.UserID {
			t.Fatalf("v1 %+v", p)
		}
		if p, _ := e.svc.GetDefinition(e.ctx, e.rita, "complaints", 0); p.Def.Version != 3 {
			t.Fatalf("latest is v%d", p.Def.Version)
		}

		// Built-ins: published once per organisation, whatever happens later.
		eq := equipment()
		for range 2 {
			noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, []*definition.Definition{eq, complaints(3)}, [][]byte{[]byte("eq"), []byte("c3")}))
		}
		if got := countEntries(e.entries(e.org.ID), "service_definition.publish", "equipment", audit.Success); got != 1 {
			t.Fatalf("built-in published %d times", got)
		}
		p, err = e.svc.GetDefinition(e.ctx, e.cara, "equipment", 0)
		noErr(t, err)
		if !p.Builtin {
			t.Fatal("equipment is not marked built in")
		}
		if p, _ := e.svc.GetDefinition(e.ctx, e.cara, "complaints", 3); p.Builtin {
			t.Fatal("the council's own v3 became a built-in")
		}
	})
}

func TestSearchPagesAndFilters(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		seen := map[string]bool{}
		for i := range 7 {
			e.clock.Set(start.Add(time.Duration(i) * 24 * time.Hour))
			e.submit(e.rita, []string{"Bins", "Potholes", "Noise", "Bins again", "Trees", "Parking", "Graffiti"}[i])
		}
		var cursor string
		var prev time.Time
		for pages := 0; ; pages++ {
			page, err := e.svc.Search(e.ctx, e.cara, CaseFilter{Queue: "complaints", OpenOnly: true}, cursor, 3)
			noErr(t, err)
			for _, c := range page.Cases {
				if seen[c.ID] {
					t.Fatalf("case %s on two pages", c.Reference)
				}
				if c.DueAt.Before(prev) {
					t.Fatal("not in due order")
				}
				seen[c.ID], prev = true, c.DueAt
			}
			if page.Next == "" {
				if pages != 2 {
					t.Fatalf("%d pages", pages+1)
				}
				break
			}
			cursor = page.Next
		}
		if len(seen) != 7 {
			t.Fatalf("paged through %d cases", len(seen))
		}
		page, err := e.svc.Search(e.ctx, e.cara, CaseFilter{Text: "bins"}, "", 10)
		noErr(t, err)
		if len(page.Cases) != 2 {
			t.Fatalf("text search found %d", len(page.Cases))
		}
		// Case does not matter, on either engine.
		page, err = e.svc.Search(e.ctx, e.cara, CaseFilter{Text: "BiNS"}, "", 10)
		noErr(t, err)
		if len(page.Cases) != 2 {
			t.Fatalf("text search in mixed case found %d", len(page.Cases))
		}
		page, err = e.svc.Search(e.ctx, e.cara, CaseFilter{Text: "comp-2026-000003"}, "", 10)
		noErr(t, err)
		if len(page.Cases) != 1 || page.Cases[0].Summary != "Noise" {
			t.Fatalf("reference search %+v", page.Cases)
		}
		page, err = e.svc.Search(e.ctx, e.cara, CaseFilter{SubmittedFrom: start.Add(24 * time.Hour), SubmittedTo: start.Add(3 * 24 * time.Hour), Sort: SortNewest}, "", 10)
		noErr(t, err)
		if len(page.Cases) != 2 || page.Cases[0].Summary != "Noise" {
			t.Fatalf("date range %+v", page.Cases)
		}
		page, err = e.svc.Search(e.ctx, e.cara, CaseFilter{Text: "100%_"}, "", 10)
		noErr(t, err)
		if len(page.Cases) != 0 {
			t.Fatal("wildcards typed were taken as syntax, not as text")
		}
		_, err = e.svc.Search(e.ctx, e.cara, CaseFilter{}, "bogus", 10)
		wantField(t, err, "cursor")
		_, err = e.svc.Search(e.ctx, e.cara, CaseFilter{Sort: SortNewest}, cursor, 10)
		wantField(t, err, "cursor") // a cursor belongs to its sort
	})
}
