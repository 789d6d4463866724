package workplace

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// kit is the equipment the loans tests lend: two laptops and a headset.
type kit struct {
	a                *Assets
	laptop1, laptop2 Resource
	headset          Resource
}

func (e *env) kit() kit {
	e.t.Helper()
	k := kit{a: e.ws.Assets(e.id.Directory())}
	var err error
	k.laptop1, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: "Laptop 1", Category: "laptop", AssetTag: "NC-L001"})
	noErr(e.t, err)
	k.laptop2, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: "Laptop 2", Category: "laptop", AssetTag: "NC-L002"})
	noErr(e.t, err)
	k.headset, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: "Headset 1", Category: "headset", AssetTag: "NC-H001"})
	noErr(e.t, err)
	return k
}

// day is a local date n days from the test clock's today.
func (e *env) day(n int) string {
	return e.clock.Now().In(e.ws.Location()).AddDate(0, 0, n).Format(time.DateOnly)
}

func (e *env) claims(holder string) int {
	return e.count(`SELECT COUNT(*) FROM workplace_claims WHERE holder_id = ?`, holder)
}

func wantMessage(t testing.TB, err error, code platform.Code, words ...string) {
	t.Helper()
	wantCode(t, err, code)
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("want %q in %q", w, err.Error())
		}
	}
}

func TestLoans(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		k := e.kit()
		a := k.a

		// Sid reserves a laptop for three days: three days claimed.
		l1, err := a.Reserve(e.ctx, e.sid, LoanInput{ResourceID: k.laptop1.ID, From: e.day(1), To: e.day(3), Purpose: "Working from home"})
		noErr(t, err)
		if l1.Status != LoanReserved || l1.PersonID != e.sid.UserID || l1.PersonName != "Sid" || l1.UnitID != e.units["Finance"] || e.claims(l1.ID) != 3 {
			t.Fatalf("reserved %+v with %d claims", l1, e.claims(l1.ID))
		}
		loans := func() int { return e.count(`SELECT COUNT(*) FROM workplace_loans`) }
		allClaims := func() int { return e.count(`SELECT COUNT(*) FROM workplace_claims`) }

		// The same laptop on an overlapping day is refused, naming the
		// clash, and nothing is written.
		_, err = a.Reserve(e.ctx, e.kim, LoanInput{ResourceID: k.laptop1.ID, PersonID: e.ann.UserID, From: e.day(3), To: e.day(5)})
		d3, _ := e.ws.loanDay(e.day(3))
		wantMessage(t, err, platform.CodeConflict, "Laptop 1 (NC-L001)", "another loan", dayText(d3))
		if loans() != 1 || allClaims() != 3 {
			t.Fatalf("a refused reservation wrote: %d loans, %d claims", loans(), allClaims())
		}
		// Any laptop finds the free one; then none is free.
		l2, err := a.Reserve(e.ctx, e.kim, LoanInput{Category: "Laptop", PersonID: e.ann.UserID, From: e.day(2), To: e.day(2)})
		noErr(t, err)
		if l2.ResourceID != k.laptop2.ID || l2.To != e.day(2) {
			t.Fatalf("any laptop gave %+v", l2)
		}
		_, err = a.Reserve(e.ctx, e.kim, LoanInput{Category: "laptop", PersonID: e.ann.UserID, From: e.day(2)})
		wantMessage(t, err, platform.CodeConflict, "No laptop is free")
		// The day after, the first laptop is free again.
		l3, err := a.Reserve(e.ctx, e.kim, LoanInput{Category: "laptop", PersonID: e.ann.UserID, From: e.day(4)})
		noErr(t, err)
		if l3.ResourceID != k.laptop1.ID {
			t.Fatalf("day 4 gave %+v", l3)
		}

		// The rules, with the field to correct, and nothing written.
		before, beforeClaims := loans(), allClaims()
		_, err = a.Reserve(e.ctx, e.sid, LoanInput{ResourceID: k.headset.ID, From: e.day(-1)})
		wantField(t, err, "from")
		_, err = a.Reserve(e.ctx, e.sid, LoanInput{ResourceID: k.headset.ID, From: e.day(31)})
		wantField(t, err, "from")
		_, err = a.Reserve(e.ctx, e.sid, LoanInput{ResourceID: k.headset.ID, From: e.day(3), To: e.day(2)})
		wantField(t, err, "to")
		_, err = a.Reserve(e.ctx, e.sid, LoanInput{ResourceID: k.headset.ID, From: "next week"})
		wantField(t, err, "from")
		_, err = a.Reserve(e.ctx, e.sid, LoanInput{From: e.day(1)})
		wantField(t, err, "resource_id")
		_, err = a.Reserve(e.ctx, e.sid, LoanInput{ResourceID: e.site().desk1.ID, From: e.day(1)})
		wantField(t, err, "resource_id")
		r := DefaultRules(KindEquipment)
		r.MaxActive = 1
		noErr(t, e.ws.SaveRules(e.ctx, e.kim, r))
		_, err = a.Reserve(e.ctx, e.sid, LoanInput{ResourceID: k.headset.ID, From: e.day(1)})
		wantField(t, err, "resource_id")
		if loans() != before || allClaims() != beforeClaims {
			t.Fatalf("refusals wrote: %d loans, %d claims", loans(), allClaims())
		}

		// Who may reserve for whom: a resident never; staff only for
		// themselves; a manager for their unit's staff; stores for anyone.
		_, err = a.Reserve(e.ctx, e.rita, LoanInput{ResourceID: k.headset.ID, From: e.day(1)})
		wantCode(t, err, platform.CodeForbidden)
		_, err = a.Reserve(e.ctx, e.ann, LoanInput{ResourceID: k.headset.ID, PersonID: e.sid.UserID, From: e.day(1)})
		wantCode(t, err, platform.CodeForbidden)
		_, err = a.Reserve(e.ctx, e.kim, LoanInput{ResourceID: k.headset.ID, PersonID: e.rita.UserID, From: e.day(1)})
		wantField(t, err, "person_id")
		r.MaxActive = 3
		noErr(t, e.ws.SaveRules(e.ctx, e.kim, r))
		lh, err := a.Reserve(e.ctx, e.mel, LoanInput{ResourceID: k.headset.ID, PersonID: e.sid.UserID, From: e.day(1)})
		noErr(t, err)

		// Another organisation sees nothing; staff see their own loans.
		other, err := a.Loans(e.ctx, e.other, LoanFilter{})
		noErr(t, err)
		if len(other.Loans) != 0 {
			t.Fatalf("another organisation sees %+v", other.Loans)
		}
		_, err = a.Loan(e.ctx, e.other, l1.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = a.Loan(e.ctx, e.ann, l1.ID)
		wantCode(t, err, platform.CodeForbidden)
		mine, err := a.Loans(e.ctx, e.sid, LoanFilter{})
		noErr(t, err)
		if len(mine.Loans) != 2 {
			t.Fatalf("sid sees %d loans", len(mine.Loans))
		}
		all, err := a.Loans(e.ctx, e.kim, LoanFilter{Limit: 2})
		noErr(t, err)
		rest, err := a.Loans(e.ctx, e.kim, LoanFilter{Limit: 2, After: all.Next})
		noErr(t, err)
		if len(all.Loans) != 2 || all.Next == "" || len(rest.Loans) != 2 || rest.Next != "" || rest.Loans[1].ID == all.Loans[1].ID {
			t.Fatalf("pages %+v then %+v", all, rest)
		}

		// Collection: stores only; early collection moves the start to today.
		_, err = a.Collect(e.ctx, e.sid, l1.ID, "")
		wantCode(t, err, platform.CodeForbidden)
		got, err := a.Collect(e.ctx, e.kim, l1.ID, "Small scratch on the lid")
		noErr(t, err)
		if got.Status != LoanCollected || got.From != e.day(0) || got.CollectedBy != e.kim.UserID || got.ConditionOut != "Small scratch on the lid" || e.claims(l1.ID) != 4 {
			t.Fatalf("collected %+v with %d claims", got, e.claims(l1.ID))
		}
		_, err = a.Collect(e.ctx, e.kim, l1.ID, "")
		wantCode(t, err, platform.CodeConflict)
		due, err := a.Loans(e.ctx, e.kim, LoanFilter{View: ViewOut})
		noErr(t, err)
		if len(due.Loans) != 1 || due.Loans[0].ID != l1.ID {
			t.Fatalf("out now: %+v", due.Loans)
		}

		// Returning early frees the days still ahead, so ann can have them.
		_, err = a.Return(e.ctx, e.kim, l1.ID, "", true)
		wantField(t, err, "condition_in")
		back, err := a.Return(e.ctx, e.kim, l1.ID, "Screen cracked", true)
		noErr(t, err)
		if back.Status != LoanReturned || !back.Damaged || back.ConditionIn != "Screen cracked" || e.claims(l1.ID) != 1 {
			t.Fatalf("returned %+v with %d claims", back, e.claims(l1.ID))
		}
		_, err = a.Reserve(e.ctx, e.kim, LoanInput{ResourceID: k.laptop1.ID, PersonID: e.ann.UserID, From: e.day(1), To: e.day(3)})
		noErr(t, err)

		// Cancelling: the borrower may; someone else's loan they may not.
		_, err = a.Cancel(e.ctx, e.ann, lh.ID)
		wantCode(t, err, platform.CodeForbidden)
		c, err := a.Cancel(e.ctx, e.sid, lh.ID)
		noErr(t, err)
		if c.Status != LoanCancelled || e.claims(lh.ID) != 0 {
			t.Fatalf("cancelled %+v with %d claims", c, e.claims(lh.ID))
		}
		_, err = a.Cancel(e.ctx, e.sid, lh.ID)
		wantCode(t, err, platform.CodeConflict)

		// Every change is in the audit log.
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action LIKE 'workplace.loan_%'`); n < 7 {
			t.Fatalf("%d loan audit entries", n)
		}
	})
}

// TestLoanConcurrency fires many simultaneous reservations at one item:
// for each of five separate two-day windows twenty people ask at once,
// and exactly one per window succeeds; twelve ask for any of three
// headsets on one day, and exactly three succeed.
func TestLoanConcurrency(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		k := e.kit()
		for i := 2; i <= 3; i++ {
			_, err := e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: fmt.Sprintf("Headset %d", i), Category: "headset"})
			noErr(t, err)
		}
		type result struct {
			window int
			loan   Loan
			err    error
		}
		var wg sync.WaitGroup
		out := make(chan result, 200)
		for w := 0; w < 5; w++ {
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					l, err := k.a.Reserve(e.ctx, e.kim, LoanInput{ResourceID: k.laptop1.ID, PersonID: e.sid.UserID, From: e.day(1 + 2*w), To: e.day(2 + 2*w)})
					out <- result{w, l, err}
				}(w)
			}
		}
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := k.a.Reserve(e.ctx, e.kim, LoanInput{Category: "headset", PersonID: e.ann.UserID, From: e.day(1)})
				out <- result{-1, l, err}
			}()
		}
		wg.Wait()
		close(out)
		won := map[int]int{}
		items := map[string]bool{}
		for r := range out {
			if r.err != nil {
				if platform.CodeOf(r.err) != platform.CodeConflict {
					t.Fatalf("window %d: %v", r.window, r.err)
				}
				continue
			}
			won[r.window]++
			if r.window < 0 {
				items[r.loan.ResourceID] = true
			}
		}
		for w := 0; w < 5; w++ {
			if won[w] != 1 {
				t.Fatalf("window %d: %d reservations succeeded", w, won[w])
			}
		}
		if won[-1] != 3 || len(items) != 3 {
			t.Fatalf("any headset: %d succeeded on %d items", won[-1], len(items))
		}
		if n := e.count(`SELECT COUNT(*) FROM workplace_loans`); n != 8 {
			t.Fatalf("%d loans written", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM workplace_claims WHERE resource_id = ?`, k.laptop1.ID); n != 10 {
			t.Fatalf("%d laptop claims", n)
		}
	})
}

func TestOverdueReminders(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		k := e.kit()
		l, err := k.a.Reserve(e.ctx, e.kim, LoanInput{ResourceID: k.laptop1.ID, PersonID: e.sid.UserID, From: e.day(0), To: e.day(1)})
		noErr(t, err)
		_, err = k.a.Collect(e.ctx, e.kim, l.ID, "")
		noErr(t, err)
		never, err := k.a.Reserve(e.ctx, e.kim, LoanInput{ResourceID: k.headset.ID, PersonID: e.ann.UserID, From: e.day(1), To: e.day(2)})
		noErr(t, err)
		var sent []Reminder
		run := func() DailyRun {
			t.Helper()
			r, err := k.a.RunDaily(e.ctx, 3, func(tx *store.Tx, r Reminder) error { sent = append(sent, r); return nil })
			noErr(t, err)
			return r
		}
		// Due back tomorrow: nothing to do today or tomorrow.
		if r := run(); r.Reminded != 0 || r.Lapsed != 0 {
			t.Fatalf("today: %+v", r)
		}
		e.clock.Add(24 * time.Hour)
		if r := run(); r.Reminded != 0 {
			t.Fatalf("on its last day: %+v", r)
		}
		// The day after its last: one reminder, once that day.
		e.clock.Add(24 * time.Hour)
		if r := run(); r.Reminded != 1 || len(sent) != 1 || sent[0].Loan.ID != l.ID || sent[0].Number != 1 || sent[0].Loan.PersonName != "Sid" {
			t.Fatalf("first overdue day: %+v %+v", r, sent)
		}
		if r := run(); r.Reminded != 0 {
			t.Fatalf("again the same day: %+v", r)
		}
		overdue, err := k.a.Loans(e.ctx, e.kim, LoanFilter{View: ViewOverdue})
		noErr(t, err)
		if len(overdue.Loans) != 1 || overdue.Loans[0].ID != l.ID || !overdue.Loans[0].Overdue(k.a.Today()) {
			t.Fatalf("overdue list %+v", overdue.Loans)
		}
		// The headset nobody collected lapses after its last day.
		e.clock.Add(24 * time.Hour)
		if r := run(); r.Reminded != 1 || r.Lapsed != 1 {
			t.Fatalf("second overdue day: %+v", r)
		}
		if got, _ := k.a.Loan(e.ctx, e.kim, never.ID); got.Status != LoanCancelled || e.claims(never.ID) != 0 {
			t.Fatalf("lapsed %+v", got)
		}
		// At most three reminders.
		for i := 0; i < 4; i++ {
			e.clock.Add(24 * time.Hour)
			run()
		}
		if len(sent) != 3 || sent[2].Number != 3 {
			t.Fatalf("sent %d reminders", len(sent))
		}
	})
}
