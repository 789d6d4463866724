package workplace

import (
	"context"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// booking writes a row of the bookings table as the bookings part would
// leave it, for the utilisation to read.
func (e *env) booking(res Resource, day time.Time, status string) {
	e.t.Helper()
	err := e.db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, `INSERT INTO workplace_bookings (id, org_id, resource_id, person_id, start_at, end_at, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, platform.NewID("bkg"), e.org.ID, res.ID, e.sid.UserID,
			store.Millis(day.Add(8*time.Hour)), store.Millis(day.Add(18*time.Hour)), status, 0, 0)
		return err
	})
	noErr(e.t, err)
}

func TestUtilisation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		monday := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // GMT: London midnight
		tuesday := monday.AddDate(0, 0, 1)
		sn, _, err := e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "Desk 1.01 sensor", Kind: SensorOccupancy, TargetKind: TargetResource, TargetID: s.desk1.ID})
		noErr(t, err)
		in := e.ingester(IngestOptions{})
		a := SensorAuth{ID: sn.ID, OrgID: e.org.ID, Kind: SensorOccupancy, TargetID: s.desk1.ID}
		e.clock.Set(monday.Add(10 * time.Hour))
		_, err = in.Submit(e.ctx, a, SourceHTTP, []byte(`{"occupied":true}`), true)
		noErr(t, err)
		e.clock.Set(tuesday.Add(10 * time.Hour))
		_, err = in.Submit(e.ctx, a, SourceHTTP, []byte(`{"occupied":false}`), true)
		noErr(t, err)
		// Monday: desk 1 booked and sensed; desk 2 booked and checked in.
		// Tuesday: both booked, nobody came; Wednesday: only desk 2 booked,
		// then cancelled (not counted).
		e.booking(s.desk1, monday, StatusConfirmed)
		e.booking(s.desk2, monday, StatusCheckedIn)
		e.booking(s.desk1, tuesday, StatusReleased)
		e.booking(s.desk2, tuesday, StatusReleased)
		e.booking(s.desk2, tuesday.AddDate(0, 0, 1), StatusCancelled)
		e.booking(s.room, monday, StatusCheckedIn) // rooms are not desks
		noErr(t, e.ws.SetBuildingPeople(e.ctx, e.kim, s.building.ID, 5))

		f := UtilisationFilter{BuildingID: s.building.ID, From: monday, To: monday.AddDate(0, 0, 7)}
		u, err := e.ws.Utilisation(e.ctx, e.mel, f)
		noErr(t, err)
		if len(u.Days) != 5 || u.Capacity != 2 || u.SensedDesks != 1 {
			t.Fatalf("days %d capacity %d sensed %d", len(u.Days), u.Capacity, u.SensedDesks)
		}
		mon, tue := u.Days[0], u.Days[1]
		if mon.Booked != 2 || mon.Occupied != 2 || mon.Released != 0 || !mon.Peak {
			t.Fatalf("Monday %+v", mon)
		}
		if tue.Booked != 2 || tue.Occupied != 0 || tue.Released != 2 || tue.Peak {
			t.Fatalf("Tuesday %+v", tue)
		}
		if u.Days[2].Booked != 0 {
			t.Fatalf("a cancelled booking counted: %+v", u.Days[2])
		}
		if u.NoShowRate() != 0.5 || u.PeakOccupied != 2 || !u.PeakDay.Equal(monday) || u.DesksNeeded != 3 {
			t.Fatalf("no-shows %v peak %d on %v desks needed %d", u.NoShowRate(), u.PeakOccupied, u.PeakDay, u.DesksNeeded)
		}
		if u.People != 5 || u.PeopleSource != "entered" || u.PeoplePerDesk() != 2.5 {
			t.Fatalf("people %d (%s), ratio %v", u.People, u.PeopleSource, u.PeoplePerDesk())
		}
		var zone *AreaUse
		for i := range u.Areas {
			if u.Areas[i].Level == "zone" {
				zone = &u.Areas[i]
			}
		}
		if zone == nil || zone.Capacity != 1 || zone.Booked != 2 || zone.Occupied != 1 || zone.PeakOccupied != 1 {
			t.Fatalf("zone %+v", zone)
		}
		if u.Weekdays[0].Weekday != time.Monday || u.Weekdays[0].Occupied != 2 {
			t.Fatalf("weekdays %+v", u.Weekdays)
		}
		// Without an entered number, the directory counts the people of
		// the units with a neighbourhood in the building (Finance here).
		noErr(t, e.ws.SetBuildingPeople(e.ctx, e.kim, s.building.ID, 0))
		f.DirectoryPeople = func(ctx context.Context, units []string) (int, error) {
			if len(units) != 1 || units[0] != e.units["Finance"] {
				t.Errorf("units %v", units)
			}
			return 7, nil
		}
		u, err = e.ws.Utilisation(e.ctx, e.kim, f)
		noErr(t, err)
		if u.People != 7 || u.PeopleSource != "directory" {
			t.Fatalf("directory people %d (%s)", u.People, u.PeopleSource)
		}

		// Staff who are not managers do not see it; bad dates are refused.
		_, err = e.ws.Utilisation(e.ctx, e.sid, f)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.Utilisation(e.ctx, e.kim, UtilisationFilter{From: tuesday, To: monday})
		wantField(t, err, "from")
		wantField(t, e.ws.SetBuildingPeople(e.ctx, e.kim, s.building.ID, -1), "people")
		wantCode(t, e.ws.SetBuildingPeople(e.ctx, e.mel, s.building.ID, 3), platform.CodeForbidden)
	})
}
