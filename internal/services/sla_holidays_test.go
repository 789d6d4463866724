package services

import (
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/services/calendar"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// SLA clocks run on England and Wales working days: a complaint made on the
// Friday before Christmas 2025 has ten working days that skip Christmas Day,
// Boxing Day and New Year's Day, so it is due at the end of Wednesday 7
// January 2026, breached from the first moment of the 8th, and escalated then.
func TestSLAClocksSkipBankHolidays(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		london, err := time.LoadLocation("Europe/London")
		noErr(t, err)
		e.clock.Set(time.Date(2025, 12, 19, 17, 30, 0, 0, london))
		e.svc = New(db, e.log, access.New(e.log), Options{Calendar: calendar.Default(), Clock: e.clock, UnitID: e.id.UnitID, UserExists: e.id.UserExists})
		e.publish(complaints(1))
		c := e.submit(e.rita, "Missed bin collection")

		wantDue := time.Date(2026, 1, 7, 23, 59, 59, int(999*time.Millisecond), london)
		if !c.DueAt.Equal(wantDue) {
			t.Fatalf("due %s, want %s (ten working days after 19 December 2025)", c.DueAt.In(london), wantDue)
		}
		breached := func() int {
			page, err := e.svc.Search(e.ctx, e.cara, CaseFilter{SLA: SLABreached}, "", 50)
			noErr(t, err)
			return len(page.Cases)
		}
		e.clock.Set(time.Date(2026, 1, 7, 23, 0, 0, 0, london))
		if c.SLA(e.clock.Now()) == SLABreached || breached() != 0 {
			t.Fatal("breached before the end of the last working day")
		}
		if n, err := e.svc.EscalateBreached(e.ctx, e.clock.Now()); err != nil || n != 0 {
			t.Fatalf("escalated %d early: %v", n, err)
		}
		e.clock.Set(time.Date(2026, 1, 8, 0, 0, 1, 0, london))
		if c.SLA(e.clock.Now()) != SLABreached || breached() != 1 {
			t.Fatal("not breached after the deadline")
		}
		if n, err := e.svc.EscalateBreached(e.ctx, e.clock.Now()); err != nil || n != 1 {
			t.Fatalf("escalated %d: %v", n, err)
		}
	})
}
