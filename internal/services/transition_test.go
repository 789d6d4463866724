package services

import (
	"strings"
	"sync"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestTransitionGuards(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Noise")
		outcome := definition.Answers{"outcome": "Upheld"}

		// Role: plain staff may not resolve (the access point already refuses them an update).
		_, err := e.svc.Transition(e.ctx, e.sam, c.ID, "resolve", c.Version, outcome)
		wantCode(t, err, platform.CodeForbidden)
		// Applicant: another resident may not escalate Rita's complaint; Rita may not resolve it.
		_, err = e.svc.Transition(e.ctx, e.ray, c.ID, "escalate", c.Version, nil)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.Transition(e.ctx, e.rita, c.ID, "resolve", c.Version, outcome)
		wantCode(t, err, platform.CodeForbidden)
		if n := countEntries(e.entries(e.org.ID), "case.transition", c.ID, audit.Denied); n != 1 {
			t.Fatalf("%d denied case.transition entries, want 1 (the guard refusing Rita)", n)
		}
		ts, err := e.svc.AllowedTransitions(e.ctx, e.rita, c)
		noErr(t, err)
		if len(ts) != 1 || ts[0].ID != "escalate" {
			t.Fatalf("Rita may make %+v", ts)
		}
		c, err = e.svc.Transition(e.ctx, e.rita, c.ID, "escalate", c.Version, nil)
		noErr(t, err)
		if c.State != "stage2" {
			t.Fatalf("state %s", c.State)
		}
		// Unit: refer needs a manager in Legal. Mona manages Customer Services only; Lou is in both.
		_, err = e.svc.Transition(e.ctx, e.mona, c.ID, "refer", c.Version, nil)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.Transition(e.ctx, e.cara, c.ID, "refer", c.Version, nil)
		wantCode(t, err, platform.CodeForbidden) // a caseworker, not a manager
		ts, err = e.svc.AllowedTransitions(e.ctx, e.mona, c)
		noErr(t, err)
		if len(ts) != 1 || ts[0].ID != "resolve" {
			t.Fatalf("Mona may make %+v", ts)
		}
		c, err = e.svc.Transition(e.ctx, e.lou, c.ID, "refer", c.Version, nil)
		noErr(t, err)
		if c.State != "ombudsman" || !c.Terminal || c.ClosedAt.IsZero() || !c.DueAt.IsZero() {
			t.Fatalf("closed case %+v", c)
		}
		tl, err := e.svc.Timeline(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if len(tl) != 3 || tl[2].FromState != "stage2" || tl[2].ToState != "ombudsman" || tl[2].ActorID != e.lou.UserID {
			t.Fatalf("timeline %+v", tl)
		}
		var detail string
		for _, en := range e.entries(e.org.ID) {
			if en.Action == "case.transition" && en.Outcome == audit.Success && en.ResourceID == c.ID && detail == "" {
				detail = en.Detail
			}
		}
		if !strings.Contains(detail, "stage2 -> ombudsman") {
			t.Fatalf("audit detail %q", detail)
		}
	})
}

func TestTransitionRequiresFieldsAndState(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Parking")

		_, err := e.svc.Transition(e.ctx, e.cara, c.ID, "resolve", c.Version, nil)
		wantCode(t, err, platform.CodeInvalid)
		wantField(t, err, "outcome")
		_, err = e.svc.Transition(e.ctx, e.cara, c.ID, "resolve", c.Version, definition.Answers{"summary": "rewritten"})
		wantField(t, err, "summary") // the applicant's answers are not staff's to change
		_, err = e.svc.Transition(e.ctx, e.cara, c.ID, "fly", c.Version, nil)
		wantCode(t, err, platform.CodeNotFound)

		done, err := e.svc.Transition(e.ctx, e.cara, c.ID, "resolve", c.Version, definition.Answers{"outcome": "Upheld, apology sent"})
		noErr(t, err)
		if done.Version != c.Version+1 || done.Answers["outcome"] != "Upheld, apology sent" || done.Answers["summary"] != "Parking" {
			t.Fatalf("resolved case %+v", done)
		}
		got, err := e.svc.GetCase(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if got.State != "resolved" || got.Answers["outcome"] != "Upheld, apology sent" || got.Version != done.Version {
			t.Fatalf("stored %+v", got)
		}
		if ms := e.messages(c.ID); len(ms) != 2 || ms[1].Subject != "Your complaint "+c.Reference+" is Resolved" {
			t.Fatalf("messages %+v", ms)
		}
		// Not allowed from this state: a clear conflict naming where it is now.
		_, err = e.svc.Transition(e.ctx, e.rita, c.ID, "escalate", done.Version, nil)
		wantCode(t, err, platform.CodeConflict)
		if !strings.Contains(err.Error(), "this case is now Resolved") {
			t.Fatalf("message %q", err)
		}
		// A stale version: someone changed it since the page was loaded.
		c2 := e.submit(e.rita, "Trees")
		_, err = e.svc.Assign(e.ctx, e.mona, c2.ID, Assignment{AssigneeID: e.cara.UserID})
		noErr(t, err)
		_, err = e.svc.Transition(e.ctx, e.cara, c2.ID, "resolve", c2.Version, definition.Answers{"outcome": "x"})
		wantCode(t, err, platform.CodeConflict)
		if !strings.Contains(err.Error(), "someone else changed this case") {
			t.Fatalf("message %q", err)
		}
	})
}

func TestConcurrentTransitionsOneWins(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Race")
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				who := e.cara
				if i%2 == 1 {
					who = e.mona
				}
				_, errs[i] = e.svc.Transition(e.ctx, who, c.ID, "resolve", c.Version, definition.Answers{"outcome": "done"})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch platform.CodeOf(err) {
			case "":
				ok++
			case platform.CodeConflict:
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d transitions succeeded, want exactly 1", ok)
		}
		tl, err := e.svc.Timeline(e.ctx, e.cara, c.ID)
		noErr(t, err)
		moves := 0
		for _, ev := range tl {
			if ev.Kind == EventTransition {
				moves++
			}
		}
		if moves != 1 {
			t.Fatalf("%d transition events, want 1", moves)
		}
		if got := countEntries(e.entries(e.org.ID), "case.transition", c.ID, audit.Success); got != 1 {
			t.Fatalf("%d audit entries, want 1", got)
		}
		if ms := e.messages(c.ID); len(ms) != 2 {
			t.Fatalf("%d messages, want 2 (received, resolved)", len(ms))
		}
	})
}
