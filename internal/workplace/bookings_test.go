package workplace

import (
	"slices"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The clock starts on Monday 2 March 2026 at 08:00 (GMT, so UTC too).
func TestBookDeskRules(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		b := e.book(e.sid, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-03"})
		if b.Status != StatusConfirmed || !b.Start.Equal(time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)) || !b.End.Equal(time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)) ||
			b.ResourceName != "Desk 1.01" || b.PersonID != e.sid.UserID || b.UnitID != e.units["Finance"] {
			t.Fatalf("booked %+v", b)
		}
		if n := e.claimsOf(b.ID); n != 40 {
			t.Fatalf("a day from 08:00 to 18:00 holds 40 claims, not %d", n)
		}
		if got := e.changes(b.ID); !slices.Equal(got, []string{"created"}) {
			t.Fatalf("events %v", got)
		}

		before := e.written()
		_, err := e.ws.Book(e.ctx, e.kim, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-03"})
		e.refused(err, before, platform.CodeConflict, "date", "Desk 1.01 is already booked from 08:00 to 18:00 on Tuesday 3 March")
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-04"})
		e.refused(err, before, platform.CodeInvalid, "resource_id", "kept for its team")
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-20"})
		e.refused(err, before, platform.CodeInvalid, "date", "up to 14 days ahead: choose a date by Monday 16 March")
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-02-27"})
		e.refused(err, before, platform.CodeInvalid, "date", "That time has passed")
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "3 March"})
		e.refused(err, before, platform.CodeInvalid, "date", "real date")
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03", Part: PartMorning})
		e.refused(err, before, platform.CodeInvalid, "part", "whole days")
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: "res_nope", Date: "2026-03-03"})
		e.refused(err, before, platform.CodeInvalid, "resource_id", "Choose one of the desks or rooms")
		_, err = e.ws.Book(e.ctx, e.other, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		e.refused(err, before, platform.CodeInvalid, "resource_id", "Choose one of the desks or rooms")
		_, err = e.ws.Book(e.ctx, e.rita, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		wantCode(t, err, platform.CodeForbidden)

		// Closures and bank holidays.
		e.close("2026-03-05", s.building.ID, "fire alarm testing")
		before = e.written()
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-05"})
		e.refused(err, before, platform.CodeInvalid, "date", "Desk 1.02 cannot be booked on Thursday 5 March: closed (fire alarm testing)")
		e.clock.Set(time.Date(2026, 3, 25, 8, 0, 0, 0, time.UTC))
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-04-03"})
		e.refused(err, before, platform.CodeInvalid, "date", "a bank holiday, Good Friday")
		e.clock.Set(start)

		// Withdrawn desks and equipment are not booked.
		laptop, err := e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: "Laptop 7", Category: "laptop"})
		noErr(t, err)
		before = e.written()
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: laptop.ID, Date: "2026-03-03"})
		e.refused(err, before, platform.CodeInvalid, "resource_id", "reserve it as a loan")
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, `UPDATE workplace_resources SET active = 0 WHERE id = ?`, s.desk2.ID)
			return err
		}))
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		e.refused(err, before, platform.CodeInvalid, "resource_id", "Desk 1.02 has been withdrawn")
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, `UPDATE workplace_resources SET active = 1 WHERE id = ?`, s.desk2.ID)
			return err
		}))

		// How many at once: a series counts once.
		r := DefaultRules(KindDesk)
		r.MaxActive = 2
		noErr(t, e.ws.SaveRules(e.ctx, e.kim, r))
		e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-06", Repeat: Repeat{Every: RepeatWeekly, Weekdays: []time.Weekday{time.Friday}, Until: "2026-03-27"}})
		before = e.written()
		_, err = e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-04"})
		e.refused(err, before, platform.CodeInvalid, "resource_id", "You already have 2 desk bookings")

		// A workplace manager books inside a neighbourhood.
		e.book(e.kim, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-04"})
	})
}

func TestBookRoomSlotsAndWaitingList(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		first := e.book(e.sid, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "09:00", To: "10:00", Title: "Budget review", Attendees: 4})
		if e.claimsOf(first.ID) != 4 || first.Title != "Budget review" || first.Attendees != 4 {
			t.Fatalf("room booking %+v, %d claims", first, e.claimsOf(first.ID))
		}
		before := e.written()
		for _, c := range []struct {
			in          BookInput
			code        platform.Code
			field, want string
		}{
			{BookInput{From: "09:00", To: "10:00", Attendees: 9}, platform.CodeInvalid, "attendees", "Medway Room seats 8"},
			{BookInput{From: "09:15", To: "10:00"}, platform.CodeInvalid, "from", "steps of 30 minutes"},
			{BookInput{From: "07:30", To: "09:00"}, platform.CodeInvalid, "from", "between 08:00 and 18:00"},
			{BookInput{From: "11:00", To: "10:00"}, platform.CodeInvalid, "to", "after the start time"},
			{BookInput{From: "nine", To: "10:00"}, platform.CodeInvalid, "from", "like 09:30"},
			{BookInput{From: "09:30", To: "10:30"}, platform.CodeConflict, "date", "Medway Room is already booked from 09:30 to 10:30 on Tuesday 3 March"},
			{BookInput{From: "09:30", To: "10:30", Wait: true, Repeat: Repeat{Every: RepeatDaily, Until: "2026-03-04"}}, platform.CodeInvalid, "repeat", "one booking at a time"},
		} {
			c.in.ResourceID, c.in.Date = s.room.ID, "2026-03-03"
			_, err := e.ws.Book(e.ctx, e.ann, c.in)
			e.refused(err, before, c.code, c.field, c.want)
		}
		next := e.book(e.ann, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "10:00", To: "11:00"})

		// Asking for a taken time puts ann, then mel, on the waiting list.
		res, err := e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "09:00", To: "10:00", Wait: true})
		noErr(t, err)
		annWait := res.Bookings[0]
		melWait := e.book(e.mel, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "09:30", To: "10:00", Wait: true})
		if annWait.Status != StatusWaiting || e.claimsOf(annWait.ID) != 0 || melWait.Status != StatusWaiting {
			t.Fatalf("waiting %+v %+v", annWait, melWait)
		}
		list, err := e.ws.WaitingFor(e.ctx, e.sid, first)
		noErr(t, err)
		if len(list) != 2 || list[0].ID != annWait.ID || list[0].PersonName != "" {
			t.Fatalf("waiting list seen by the booker: %+v", list)
		}

		// The booker cancels: the first on the list gets it, in the same write.
		c, err := e.ws.Cancel(e.ctx, e.sid, first.ID)
		noErr(t, err)
		if c.Status != StatusCancelled || e.claimsOf(first.ID) != 0 {
			t.Fatalf("cancelled %+v", c)
		}
		got, err := e.ws.Booking(e.ctx, e.ann, annWait.ID)
		noErr(t, err)
		if got.Status != StatusConfirmed || got.Sequence != 1 || e.claimsOf(annWait.ID) != 4 || !slices.Equal(e.changes(annWait.ID), []string{"created", "promoted"}) {
			t.Fatalf("promoted %+v, events %v", got, e.changes(annWait.ID))
		}
		if got, _ := e.ws.Booking(e.ctx, e.mel, melWait.ID); got.Status != StatusWaiting {
			t.Fatalf("the second on the list is still waiting, not %s", got.Status)
		}
		_, err = e.ws.Cancel(e.ctx, e.sid, first.ID)
		wantCode(t, err, platform.CodeConflict)

		// Changing keeps the ID and bumps the sequence; the freed time goes to mel.
		moved, err := e.ws.Change(e.ctx, e.ann, annWait.ID, ChangeInput{Date: "2026-03-03", From: "11:00", To: "12:30", Title: "Moved"})
		noErr(t, err)
		if moved.ID != annWait.ID || moved.Sequence != 2 || !moved.Start.Equal(time.Date(2026, 3, 3, 11, 0, 0, 0, time.UTC)) || e.claimsOf(moved.ID) != 6 {
			t.Fatalf("moved %+v", moved)
		}
		if got, _ := e.ws.Booking(e.ctx, e.mel, melWait.ID); got.Status != StatusConfirmed {
			t.Fatalf("mel got the freed time: %s", got.Status)
		}
		before = e.written()
		_, err = e.ws.Change(e.ctx, e.ann, annWait.ID, ChangeInput{Date: "2026-03-03", From: "10:30", To: "11:30"})
		e.refused(err, before, platform.CodeConflict, "date", "already booked from 10:30 to 11:30")
		_, err = e.ws.Change(e.ctx, e.sid, next.ID, ChangeInput{Date: "2026-03-03", From: "15:00", To: "16:00"})
		wantCode(t, err, platform.CodeForbidden)
		// Moving to another resource: ann's room booking becomes a desk.
		_, err = e.ws.Change(e.ctx, e.ann, next.ID, ChangeInput{ResourceID: s.desk2.ID, Date: "2026-03-04"})
		noErr(t, err)
		if got, _ := e.ws.Booking(e.ctx, e.ann, next.ID); got.ResourceID != s.desk2.ID || got.Sequence != 1 || e.claimsOf(next.ID) != 40 {
			t.Fatalf("moved to a desk %+v", got)
		}

		// Availability: a room partly booked, a time taken, a desk yours.
		spots, err := e.ws.Availability(e.ctx, e.ann, AvailabilityQuery{FloorID: s.floor.ID, Date: "2026-03-03"})
		noErr(t, err)
		states := map[string]string{}
		for _, sp := range spots {
			states[sp.Name] = sp.State + sp.Reason
		}
		want := map[string]string{"Desk 1.01": "not bookablekept for the Finance neighbourhood's team", "Desk 1.02": "free", "Medway Room": "yours"}
		if len(states) != 3 || states["Desk 1.01"] != want["Desk 1.01"] || states["Desk 1.02"] != want["Desk 1.02"] || states["Medway Room"] != want["Medway Room"] {
			t.Fatalf("availability %v", states)
		}
		spots, err = e.ws.Availability(e.ctx, e.sid, AvailabilityQuery{FloorID: s.floor.ID, Kind: KindRoom, Date: "2026-03-03"})
		noErr(t, err)
		if spots[0].State != SpotPartly {
			t.Fatalf("the room for the day, to sid: %+v", spots[0])
		}
		spots, err = e.ws.Availability(e.ctx, e.sid, AvailabilityQuery{FloorID: s.floor.ID, Kind: KindRoom, Date: "2026-03-03", From: "09:30", To: "10:00"})
		noErr(t, err)
		if spots[0].State != SpotTaken {
			t.Fatalf("the room at 09:30, to sid: %+v", spots[0])
		}
		spots, err = e.ws.Availability(e.ctx, e.sid, AvailabilityQuery{FloorID: s.floor.ID, Kind: KindRoom, Date: "2026-03-03", From: "14:00", To: "15:00", Attendees: 10})
		noErr(t, err)
		if spots[0].State != SpotNotBookable || spots[0].Reason != "seats 8" {
			t.Fatalf("the room for ten: %+v", spots[0])
		}
		day, err := e.ws.ResourceDay(e.ctx, e.sid, s.room.ID, "2026-03-03")
		noErr(t, err)
		if len(day) != 2 || day[0].PersonName != "" {
			t.Fatalf("the room's day to sid: %+v", day)
		}
		day, err = e.ws.ResourceDay(e.ctx, e.kim, s.room.ID, "2026-03-03")
		noErr(t, err)
		if len(day) != 2 || day[0].PersonName != "Mel" {
			t.Fatalf("the room's day to the workplace manager: %+v", day)
		}
	})
}
