package workplaceweb

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// The demo's past week is booked by the directory's people: every
// booking names a member of staff who exists (never a resident), in
// their unit, one desk a day each, and a team's neighbourhood desk only
// by that team.
func TestDemoPastBookingsAreDirectoryPeople(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		desks, err := e.m.Store().Resources(e.ctx, e.subject("Kim"), workplace.ResourceFilter{Kind: workplace.KindDesk})
		noErr(t, err)
		noErr(t, e.m.bookings.demoLastWeek(e.ctx, e.m, e.org, desks, e.clock.Now()))
		rows, err := db.Query(e.ctx, `SELECT resource_id, person_id, person_name, unit_id, start_at FROM workplace_bookings WHERE org_id = ?`, e.org.ID)
		noErr(t, err)
		defer rows.Close()
		sys := platform.System(e.org.ID)
		n, seen := 0, map[string]bool{}
		for rows.Next() {
			var res, id, name, unit string
			var at int64
			noErr(t, rows.Scan(&res, &id, &name, &unit, &at))
			n++
			p, err := e.m.d.Directory.Person(e.ctx, sys, id)
			if err != nil || p.Name != name || len(p.Roles) == 0 || slices.Contains(p.Roles, platform.RoleResident) {
				t.Fatalf("booking by %q (%s): the directory says %+v %v", name, id, p, err)
			}
			if len(p.Units) > 0 && unit != p.Units[0] {
				t.Fatalf("%s's booking is in unit %q, not theirs", name, unit)
			}
			if res == e.desk1.ID && unit != e.units["Finance"] {
				t.Fatalf("%s sat in the Finance neighbourhood", name)
			}
			day := fmt.Sprint(id, "/", at/86400000)
			if seen[day] {
				t.Fatalf("%s has two desks on one day", name)
			}
			seen[day] = true
		}
		noErr(t, rows.Err())
		if n == 0 {
			t.Fatal("no past bookings")
		}
	})
}

// TestPastWorkingWeek: the demo's week of bookings and readings is the
// last one wholly past, so at a weekend it is the week just ended, and the
// latest week on the utilisation page is not left empty.
func TestPastWorkingWeek(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for now, want := range map[string]string{
		"2026-11-29 13:00": "2026-11-23", // a Sunday: the week just ended
		"2026-11-28 09:00": "2026-11-23", // a Saturday
		"2026-11-30 09:00": "2026-11-23", // a Monday: last week
		"2026-11-27 17:00": "2026-11-16", // a Friday: this week is not over
	} {
		at, err := time.ParseInLocation("2006-01-02 15:04", now, loc)
		if err != nil {
			t.Fatal(err)
		}
		if got := pastWorkingWeek(at).Format(time.DateOnly); got != want {
			t.Errorf("on %s (%s): %s, want %s", now, at.Weekday(), got, want)
		}
	}
}
