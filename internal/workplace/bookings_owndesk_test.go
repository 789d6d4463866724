package workplace

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A person sits at one desk at a time: a second desk at a time they hold
// one is refused (naming the one they have), a series skips those days
// when asked, and moving a booking to another desk the same day is a
// change, not a second desk. Rooms are not limited so. (The same desk
// twice is the clash check's: "already booked".)
func TestOneDeskAtATime(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		first := e.book(e.sid, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-03"})

		before := e.written()
		_, err := e.ws.Book(e.ctx, e.sid, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		e.refused(err, before, platform.CodeInvalid, "date",
			"You already have Desk 1.01 from 08:00 to 18:00 on Tuesday 3 March: change that booking to move desk, or cancel it first")

		// Another day is fine; a series over both days skips the one she has.
		res, err := e.ws.Book(e.ctx, e.sid, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03", Repeat: Repeat{Every: "daily", Until: "2026-03-04"}, SkipClashes: true})
		noErr(t, err)
		if len(res.Bookings) != 1 || len(res.Skipped) != 1 || res.Skipped[0].Reason != "you have another desk then" {
			t.Fatalf("series: %+v", res)
		}

		// Moving her first booking to the other desk on the same day is a change.
		_, err = e.ws.Change(e.ctx, e.sid, first.ID, ChangeInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		noErr(t, err)
		// But not onto a day she already has a desk.
		before = e.written()
		_, err = e.ws.Change(e.ctx, e.sid, first.ID, ChangeInput{ResourceID: s.desk1.ID, Date: "2026-03-04"})
		e.refused(err, before, platform.CodeInvalid, "date", "You already have Desk 1.02 from 08:00 to 18:00 on Wednesday 4 March")

		// A room at the same time as a desk is another matter.
		e.book(e.sid, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "10:00", To: "11:00"})
	})
}
