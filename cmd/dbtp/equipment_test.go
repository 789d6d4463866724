package main

import (
	"context"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/workplaceweb"
)

func (a *app) workplace() *workplaceweb.Module {
	for _, m := range a.mods {
		if w, ok := m.(*workplaceweb.Module); ok {
			return w
		}
	}
	return nil
}

// TestEquipmentRequestsReserveLoans: a request made through the built-in
// equipment collection service reserves a headset from the day asked for,
// moves when stores book another collection day, is collected and
// returned damaged as the case moves; a cancelled request releases its
// reservation; following a request again changes nothing.
func TestEquipmentRequestsReserveLoans(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	sys, org, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	env := demoEnv(r.app)
	jo, err := env.Person(ctx, org, "staff@kent.example")
	if err != nil {
		t.Fatal(err)
	}
	kim, err := env.Person(ctx, org, "stores@kent.example")
	if err != nil {
		t.Fatal(err)
	}
	eng, wp := r.app.services(), r.app.workplace()
	day := func(n int) string { return time.Now().In(wp.Store().Location()).AddDate(0, 0, n).Format(time.DateOnly) }
	ask := func() string {
		t.Helper()
		c, err := eng.Submit(ctx, jo, "equipment-collection", definition.Answers{"items": []string{"headset"}, "reason": "Calls from home",
			"collection_site": "sessions_house", "preferred_date": day(2), "line_manager": kim.UserID}, services.SubmitOptions{})
		if err != nil {
			t.Fatalf("submit: %v %v", err, platform.AsError(err).Fields)
		}
		return c.ID
	}
	// loan waits for the request's loan to reach a state (the events are
	// delivered by the background jobs).
	loan := func(caseID string, ok func(workplace.Loan) bool) workplace.Loan {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			ls, err := wp.Assets().LoansForCase(ctx, org.ID, caseID)
			if err != nil {
				t.Fatal(err)
			}
			for i := len(ls) - 1; i >= 0; i-- {
				if ok(ls[i]) {
					return ls[i]
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("request %s: loans %+v", caseID, ls)
			}
			<-time.After(100 * time.Millisecond)
		}
	}
	id := ask()
	l := loan(id, func(l workplace.Loan) bool { return l.Status == workplace.LoanReserved })
	if l.From != day(2) || l.To != day(29) || l.Category != "headset" || l.PersonID != jo.UserID || l.CaseRef == "" {
		t.Fatalf("reserved %+v", l)
	}
	move := func(id, transition string, fields definition.Answers, as *platform.Subject) {
		t.Helper()
		c, err := eng.GetCase(ctx, sys, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Transition(ctx, as, id, transition, c.Version, fields); err != nil {
			t.Fatalf("%s: %v", transition, err)
		}
	}
	move(id, "accept", nil, kim)
	move(id, "book_collection", definition.Answers{"asset_tags": l.AssetTag, "collection_date": day(3), "collection_slot": "morning"}, kim)
	moved := loan(id, func(l workplace.Loan) bool { return l.Status == workplace.LoanReserved && l.From == day(3) })
	move(id, "mark_collected", nil, kim)
	out := loan(id, func(l workplace.Loan) bool { return l.Status == workplace.LoanCollected })
	if out.ID != moved.ID || out.From != day(0) {
		t.Fatalf("collected early %+v", out)
	}
	move(id, "mark_returned", definition.Answers{"return_condition": "damaged"}, kim)
	back := loan(id, func(l workplace.Loan) bool { return l.Status == workplace.LoanReturned })
	if !back.Damaged || back.ID != out.ID {
		t.Fatalf("returned %+v", back)
	}

	// Cancelled by the person who asked: the reservation is released.
	id2 := ask()
	loan(id2, func(l workplace.Loan) bool { return l.Status == workplace.LoanReserved })
	move(id2, "cancel", nil, jo)
	loan(id2, func(l workplace.Loan) bool { return l.Status == workplace.LoanCancelled })

	// Following them again (a redelivered event) changes nothing.
	for _, c := range []string{id, id2} {
		before, _ := wp.Assets().LoansForCase(ctx, org.ID, c)
		if err := wp.FollowEquipmentRequest(ctx, org.ID, c); err != nil {
			t.Fatal(err)
		}
		after, _ := wp.Assets().LoansForCase(ctx, org.ID, c)
		if len(after) != len(before) || after[len(after)-1].Status != before[len(before)-1].Status {
			t.Fatalf("following %s again: %+v then %+v", c, before, after)
		}
	}
}
