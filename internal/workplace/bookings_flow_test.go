package workplace

import (
	"slices"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestSeries(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		e.close("2026-03-12", "", "the building is closed for a training day")
		res, err := e.ws.Book(e.ctx, e.sid, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-03",
			Repeat: Repeat{Every: RepeatWeekly, Weekdays: []time.Weekday{time.Tuesday, time.Thursday}, Until: "2026-03-31"}})
		noErr(t, err)
		var days []int
		for _, b := range res.Bookings {
			days = append(days, b.Start.Day())
			if b.SeriesID == "" || b.SeriesID != res.Bookings[0].SeriesID {
				t.Fatalf("series IDs %+v", b)
			}
		}
		if !slices.Equal(days, []int{3, 5, 10, 17, 19, 24, 26, 31}) || len(res.Skipped) != 1 || res.Skipped[0].Day.Day() != 12 {
			t.Fatalf("booked %v, skipped %+v", days, res.Skipped)
		}

		// All or nothing: a clash refuses the series, naming the dates.
		e.book(e.kim, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-10"})
		e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-16"})
		before := e.written()
		daily := BookInput{ResourceID: s.desk2.ID, Date: "2026-03-09", Repeat: Repeat{Every: RepeatDaily, Until: "2026-03-20"}}
		_, err = e.ws.Book(e.ctx, e.mel, daily)
		e.refused(err, before, platform.CodeConflict, "date", "Desk 1.02 is already booked on 2 of the dates: Tuesday 10 March, Monday 16 March")
		for _, c := range []struct {
			r           Repeat
			field, want string
		}{
			{Repeat{Every: RepeatDaily, Until: "2026-09-30"}, "until", "up to 26 weeks"},
			{Repeat{Every: RepeatDaily, Until: "2026-03-01"}, "until", "on or after the first"},
			{Repeat{Every: RepeatWeekly, Until: "2026-03-20"}, "weekdays", "Choose the days"},
			{Repeat{Every: "fortnightly", Until: "2026-03-20"}, "repeat", "Choose once"},
		} {
			_, err = e.ws.Book(e.ctx, e.mel, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-09", Repeat: c.r})
			e.refused(err, before, platform.CodeInvalid, c.field, c.want)
		}
		// Or the free dates only, with the clashes (and the closure) listed.
		daily.SkipClashes = true
		res, err = e.ws.Book(e.ctx, e.mel, daily)
		noErr(t, err)
		if len(res.Bookings) != 7 || len(res.Skipped) != 3 {
			t.Fatalf("skipping clashes: %d booked, skipped %+v", len(res.Bookings), res.Skipped)
		}

		// The rest of a series is cancelled from one of its bookings on.
		gone, err := e.ws.CancelSeries(e.ctx, e.mel, res.Bookings[3].ID)
		noErr(t, err)
		if len(gone) != 4 || e.claimsOf(res.Bookings[2].ID) != 40 || e.claimsOf(res.Bookings[3].ID) != 0 {
			t.Fatalf("cancelled the rest: %d", len(gone))
		}
		_, err = e.ws.CancelSeries(e.ctx, e.sid, res.Bookings[0].ID)
		wantCode(t, err, platform.CodeForbidden)

		// A date range of one's own bookings.
		gone, err = e.ws.CancelRange(e.ctx, e.sid, "2026-03-04", "2026-03-18")
		noErr(t, err)
		if len(gone) != 3 {
			t.Fatalf("cancelled %d of sid's bookings from 4 to 18 March", len(gone))
		}
		upcoming, next, err := e.ws.MyBookings(e.ctx, e.sid, BookingList{Limit: 3})
		noErr(t, err)
		if len(upcoming) != 3 || upcoming[0].Start.Day() != 3 || upcoming[1].Start.Day() != 19 || next == nil {
			t.Fatalf("upcoming %+v", upcoming)
		}
		more, next, err := e.ws.MyBookings(e.ctx, e.sid, BookingList{Limit: 3, After: next})
		noErr(t, err)
		if len(more) != 2 || more[1].Start.Day() != 31 || next != nil {
			t.Fatalf("second page %+v", more)
		}
		past, _, err := e.ws.MyBookings(e.ctx, e.sid, BookingList{Past: true})
		noErr(t, err)
		if len(past) != 3 || past[0].Status != StatusCancelled || past[0].Start.Day() != 17 {
			t.Fatalf("past %+v", past)
		}
		_, err = e.ws.CancelRange(e.ctx, e.sid, "2026-03-18", "2026-03-04")
		wantField(t, err, "to")
		between, err := e.ws.BookingsBetween(e.ctx, e.sid, e.sid.UserID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC))
		noErr(t, err)
		if len(between) != 3 {
			t.Fatalf("bookings between 1 and 11 March: %d", len(between))
		}
		_, err = e.ws.BookingsBetween(e.ctx, e.ann, e.sid.UserID, time.Now(), time.Now())
		wantCode(t, err, platform.CodeForbidden)

		// Rules without series refuse them.
		r := DefaultRules(KindDesk)
		r.AllowRecurring = false
		noErr(t, e.ws.SaveRules(e.ctx, e.kim, r))
		_, err = e.ws.Book(e.ctx, e.mel, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-23", Repeat: Repeat{Every: RepeatDaily, Until: "2026-03-24"}})
		wantField(t, err, "repeat")
	})
}

func TestApprovals(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		r := DefaultRules(KindRoom)
		r.NeedsApproval = true
		noErr(t, e.ws.SaveRules(e.ctx, e.kim, r))
		asked := e.book(e.sid, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "09:00", To: "10:00"})
		if asked.Status != StatusRequested || e.claimsOf(asked.ID) != 4 {
			t.Fatalf("a booking needing approval %+v holds its time", asked)
		}
		_, err := e.ws.Book(e.ctx, e.ann, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "09:30", To: "10:00"})
		wantCode(t, err, platform.CodeConflict)

		// Only a manager of the booker's unit, or a workplace manager, decides.
		for _, sub := range []*platform.Subject{e.sid, e.ann} {
			_, err = e.ws.Approve(e.ctx, sub, asked.ID, "")
			wantCode(t, err, platform.CodeForbidden)
		}
		if list, err := e.ws.Approvals(e.ctx, e.mel); err != nil || len(list) != 1 || list[0].ID != asked.ID {
			t.Fatalf("mel's approvals %+v %v", list, err)
		}
		_, err = e.ws.Approvals(e.ctx, e.sid)
		wantCode(t, err, platform.CodeForbidden)
		ok, err := e.ws.Approve(e.ctx, e.mel, asked.ID, "Fine")
		noErr(t, err)
		if ok.Status != StatusConfirmed || ok.DecidedBy != "Mel" || ok.Note != "Fine" {
			t.Fatalf("approved %+v", ok)
		}
		_, err = e.ws.Approve(e.ctx, e.mel, asked.ID, "")
		wantCode(t, err, platform.CodeConflict)

		// A rejection frees the time.
		other := e.book(e.sid, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "14:00", To: "15:00"})
		no, err := e.ws.Reject(e.ctx, e.kim, other.ID, "The room is kept for the audit that afternoon")
		noErr(t, err)
		if no.Status != StatusRejected || e.claimsOf(other.ID) != 0 || !slices.Equal(e.changes(other.ID), []string{"created", "rejected"}) {
			t.Fatalf("rejected %+v %v", no, e.changes(other.ID))
		}
		if mine := e.book(e.kim, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "14:00", To: "15:00"}); mine.Status != StatusConfirmed {
			t.Fatalf("a workplace manager's booking needs no approval: %s", mine.Status)
		}
	})
}

func TestCheckInAndRelease(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		sids := e.book(e.sid, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-02"})
		anns := e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-02"})
		tomorrow := e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		room := e.book(e.ann, BookInput{ResourceID: s.room.ID, Date: "2026-03-02", From: "09:00", To: "10:00"})
		waiting := e.book(e.sid, BookInput{ResourceID: s.room.ID, Date: "2026-03-02", From: "09:00", To: "09:30", Wait: true})

		_, err := e.ws.CheckIn(e.ctx, e.ann, sids.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.CheckIn(e.ctx, e.ann, tomorrow.ID)
		wantCode(t, err, platform.CodeConflict)
		if _, err := e.ws.BookingHereNow(e.ctx, e.ann, s.desk1.ID); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("ann has no booking of desk 1 now: %v", err)
		}
		in, err := e.ws.CheckInHere(e.ctx, e.sid, s.desk1.ID)
		noErr(t, err)
		if in.ID != sids.ID || in.Status != StatusCheckedIn || !in.CheckedInAt.Equal(start) {
			t.Fatalf("checked in %+v", in)
		}
		_, err = e.ws.CheckIn(e.ctx, e.sid, sids.ID)
		wantCode(t, err, platform.CodeConflict)

		// An hour on (the desks' grace), ann's desk goes back; sid's stays.
		e.clock.Add(59 * time.Minute)
		run, err := e.ws.ReleaseNoShows(e.ctx)
		noErr(t, err)
		if run.Released != 0 {
			t.Fatalf("released %d within the grace period", run.Released)
		}
		e.clock.Add(time.Minute)
		run, err = e.ws.ReleaseNoShows(e.ctx)
		noErr(t, err)
		if run.Released != 1 || e.claimsOf(anns.ID) != 0 {
			t.Fatalf("released %+v", run)
		}
		got, _ := e.ws.Booking(e.ctx, e.ann, anns.ID)
		if got.Status != StatusReleased || !slices.Equal(e.changes(anns.ID), []string{"created", "released"}) {
			t.Fatalf("ann's desk %+v %v", got, e.changes(anns.ID))
		}
		_, err = e.ws.CheckIn(e.ctx, e.ann, anns.ID)
		wantCode(t, err, platform.CodeConflict)
		if got, _ := e.ws.Booking(e.ctx, e.sid, sids.ID); got.Status != StatusCheckedIn {
			t.Fatalf("sid checked in, yet %s", got.Status)
		}
		// Someone else can book the released desk for the rest of the day.
		e.book(e.mel, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-02"})

		// The room's 15 minutes pass at 09:15: released, and sid, waiting, gets it.
		e.clock.Set(time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC))
		run, err = e.ws.ReleaseNoShows(e.ctx)
		noErr(t, err)
		if run.Released != 1 {
			t.Fatalf("room released %+v", run)
		}
		if got, _ := e.ws.Booking(e.ctx, e.sid, waiting.ID); got.Status != StatusConfirmed || e.claimsOf(waiting.ID) != 2 {
			t.Fatalf("sid off the waiting list: %+v", got)
		}
		if got, _ := e.ws.Booking(e.ctx, e.ann, room.ID); got.Status != StatusReleased {
			t.Fatalf("ann's room %s", got.Status)
		}

		// Leaving early ends a checked-in booking at the next quarter hour.
		e.clock.Set(time.Date(2026, 3, 2, 15, 5, 0, 0, time.UTC))
		end, err := e.ws.Cancel(e.ctx, e.sid, sids.ID)
		noErr(t, err)
		if end.Status != StatusCheckedIn || !end.End.Equal(time.Date(2026, 3, 2, 15, 15, 0, 0, time.UTC)) || e.claimsOf(sids.ID) != 29 {
			t.Fatalf("left early %+v, %d claims", end, e.claimsOf(sids.ID))
		}
	})
}
