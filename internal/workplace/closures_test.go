package workplace

import (
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestClosures: closed days for every kind and building or one of each,
// bank holidays from the calendar, and only managers close days.
func TestClosures(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// Good Friday 2026 is 3 April, as the services calendar says.
		ap := access.New(e.log)
		noErr(t, ap.Register(ResourceType, Policy))
		e.ws = New(db, e.log, ap, Options{Files: blobtest.Disk(t), Now: e.clock.Now, Holiday: func(d time.Time) (string, bool) {
			if d.Format("2006-01-02") == "2026-04-03" {
				return "Good Friday", true
			}
			return "", false
		}})
		s := e.site()
		annexe, err := e.ws.CreateBuilding(e.ctx, e.kim, BuildingInput{Name: "Invicta House"})
		noErr(t, err)
		day := func(s string) time.Time {
			d, err := time.ParseInLocation("2006-01-02", s, e.ws.Location())
			noErr(t, err)
			return d.Add(10 * time.Hour)
		}

		all, err := e.ws.CreateClosure(e.ctx, e.kim, ClosureInput{Day: "2026-03-10", Reason: "Fire alarm testing"})
		noErr(t, err)
		_, err = e.ws.CreateClosure(e.ctx, e.kim, ClosureInput{Day: "2026-03-11", Kind: KindRoom, BuildingID: s.building.ID, Reason: "Rooms being rewired"})
		noErr(t, err)
		for _, c := range []struct {
			kind, building, day string
			closed              bool
			reason              string
		}{
			{KindDesk, s.building.ID, "2026-03-10", true, "closed (Fire alarm testing)"},
			{KindEquipment, annexe.ID, "2026-03-10", true, "closed (Fire alarm testing)"},
			{KindRoom, s.building.ID, "2026-03-11", true, "closed (Rooms being rewired)"},
			{KindDesk, s.building.ID, "2026-03-11", false, ""},
			{KindRoom, annexe.ID, "2026-03-11", false, ""},
			{KindDesk, s.building.ID, "2026-03-12", false, ""},
			{KindDesk, annexe.ID, "2026-04-03", true, "a bank holiday, Good Friday"},
		} {
			reason, closed, err := e.ws.Closed(e.ctx, db, e.org.ID, c.kind, c.building, day(c.day))
			noErr(t, err)
			if closed != c.closed || reason != c.reason {
				t.Errorf("%s %s on %s: closed %v %q, want %v %q", c.kind, c.building, c.day, closed, reason, c.closed, c.reason)
			}
		}
		// Asked inside a write, as a booking does.
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, closed, err := e.ws.Closed(e.ctx, tx, e.org.ID, KindDesk, s.building.ID, day("2026-03-10"))
			if err == nil && !closed {
				t.Error("closed day open inside a write")
			}
			return err
		}))
		// Another organisation's days are its own.
		if _, closed, _ := e.ws.Closed(e.ctx, db, e.other.OrgID, KindDesk, "", day("2026-03-10")); closed {
			t.Error("another organisation's day closed")
		}

		list, err := e.ws.Closures(e.ctx, e.sid, day("2026-03-01"), day("2026-04-30"))
		noErr(t, err)
		if len(list) != 3 || list[0].Day != "2026-03-10" || list[2].Reason != "Good Friday" || !list[2].Holiday {
			t.Fatalf("closures: %+v", list)
		}

		_, err = e.ws.CreateClosure(e.ctx, e.kim, ClosureInput{Day: "2026-02-30", Kind: "sofa", Reason: ""})
		wantField(t, err, "day")
		wantField(t, err, "kind")
		wantField(t, err, "reason")
		_, err = e.ws.CreateClosure(e.ctx, e.kim, ClosureInput{Day: "2026-03-12", BuildingID: "bld_nope", Reason: "x"})
		wantField(t, err, "building_id")
		_, err = e.ws.CreateClosure(e.ctx, e.sid, ClosureInput{Day: "2026-03-12", Reason: "Staff party"})
		wantCode(t, err, platform.CodeForbidden)
		wantCode(t, e.ws.DeleteClosure(e.ctx, e.other, all.ID), platform.CodeNotFound)
		wantCode(t, e.ws.DeleteClosure(e.ctx, e.sid, all.ID), platform.CodeForbidden)
		noErr(t, e.ws.DeleteClosure(e.ctx, e.kim, all.ID))
		if _, closed, _ := e.ws.Closed(e.ctx, db, e.org.ID, KindDesk, s.building.ID, day("2026-03-10")); closed {
			t.Error("deleted closure still closes the day")
		}
	})
}
