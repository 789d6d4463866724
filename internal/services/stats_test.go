package services

import (
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestStats checks the dashboard figures against cases made by hand, and
// that they count only what the viewer may read.
func TestStats(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		a := e.submit(e.rita, "one")
		e.submit(e.rita, "two")
		e.clock.Set(start.Add(3 * 24 * time.Hour)) // Thursday
		_, err := e.svc.Transition(e.ctx, e.cara, a.ID, "resolve", a.Version, definition.Answers{"outcome": "fixed"})
		noErr(t, err)
		e.clock.Set(start.Add(7 * 24 * time.Hour)) // the next Monday
		e.submit(e.ray, "three")
		e.clock.Set(start.Add(17 * 24 * time.Hour)) // the first two are past due

		f := StatsFilter{Since: start.Truncate(24 * time.Hour), Service: "complaints"}
		st, err := e.svc.Stats(e.ctx, e.mona, f, 3)
		noErr(t, err)
		if len(st.Weekly) != 3 || st.Weekly[0] != 2 || st.Weekly[1] != 1 || st.Weekly[2] != 0 {
			t.Fatalf("weekly %v", st.Weekly)
		}
		if len(st.Open) != 1 || st.Open[0].State != "stage1" || st.Open[0].Label != "Stage 1" || st.Open[0].Open != 2 || st.Open[0].Breached != 1 {
			t.Fatalf("open %+v", st.Open)
		}
		if len(st.Spans) != 3 {
			t.Fatalf("spans %+v", st.Spans)
		}
		left := 0
		for _, sp := range st.Spans {
			if !sp.Left.IsZero() {
				left++
				if sp.CaseID != a.ID || !sp.Left.Equal(start.Add(3*24*time.Hour)) || sp.Due.IsZero() || sp.Left.After(sp.Due) {
					t.Fatalf("closed span %+v", sp)
				}
			}
		}
		if left != 1 {
			t.Fatalf("%d spans ended, want 1", left)
		}

		// Another unit's caseworker and another organisation count nothing.
		for _, sub := range []*platform.Subject{e.carl, e.other} {
			st, err := e.svc.Stats(e.ctx, sub, f, 3)
			noErr(t, err)
			if st.Weekly[0]+st.Weekly[1] != 0 || len(st.Open) != 0 || len(st.Spans) != 0 {
				t.Fatalf("%s sees %+v", sub.Name, st)
			}
		}
		_, err = e.svc.Stats(e.ctx, e.rita, f, 3)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.Stats(e.ctx, e.mona, StatsFilter{}, 3)
		wantCode(t, err, platform.CodeInvalid)
	})
}
