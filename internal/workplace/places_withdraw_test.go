package workplace

import (
	"slices"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Withdrawing a desk cancels its bookings that have not ended in the same
// write (claims freed, a "cancelled" event for each booker's email, an
// audit entry each, the reason kept), and leaves alone the one checked in
// now, those of other desks and those already over. The preview says the
// same before anything is done. Withdrawing a floor does so for all on it,
// waiting lists included.
func TestWithdrawalCancelsFutureBookings(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		// Monday 2 March, 08:00. Mel sits at Desk 1.02 today, checked in.
		today := e.book(e.mel, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-02"})
		_, err := e.ws.CheckIn(e.ctx, e.mel, today.ID)
		noErr(t, err)
		sids := e.book(e.sid, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
		anns := e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-04"})
		other := e.book(e.sid, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-05"})
		room := e.book(e.sid, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "10:00", To: "11:00"})
		wait := e.book(e.ann, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "10:00", To: "11:00", Wait: true})

		// A refusal cancels nothing.
		_, err = e.ws.WithdrawResource(e.ctx, e.sid, s.desk2.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.WithdrawalPreview(e.ctx, e.sid, WithdrawResourceScope, s.desk2.ID)
		wantCode(t, err, platform.CodeForbidden)
		if got, _ := e.ws.Booking(e.ctx, e.kim, sids.ID); got.Status != StatusConfirmed {
			t.Fatalf("a refused withdrawal cancelled %s", got.Status)
		}

		prev, err := e.ws.WithdrawalPreview(e.ctx, e.kim, WithdrawResourceScope, s.desk2.ID)
		noErr(t, err)
		ids := func(bs []Booking) (out []string) {
			for _, b := range bs {
				out = append(out, b.ID)
			}
			return out
		}
		if prev.Resources != 1 || !slices.Equal(ids(prev.Bookings), []string{sids.ID, anns.ID}) || prev.People() != 2 {
			t.Fatalf("preview: %d resources, bookings %v, %d people", prev.Resources, ids(prev.Bookings), prev.People())
		}
		w, err := e.ws.WithdrawResource(e.ctx, e.kim, s.desk2.ID)
		noErr(t, err)
		if !slices.Equal(ids(w.Bookings), ids(prev.Bookings)) {
			t.Fatalf("cancelled %v, previewed %v", ids(w.Bookings), ids(prev.Bookings))
		}
		for _, id := range []string{sids.ID, anns.ID} {
			got, err := e.ws.Booking(e.ctx, e.kim, id)
			noErr(t, err)
			if got.Status != StatusCancelled || got.CancelReason != "Desk 1.02 was withdrawn" || e.claimsOf(id) != 0 ||
				!slices.Equal(e.changes(id), []string{"created", "cancelled"}) {
				t.Fatalf("booking %s after the withdrawal: %s %q, %d claims, events %v", id, got.Status, got.CancelReason, e.claimsOf(id), e.changes(id))
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'workplace.booking_cancel' AND resource_id IN (?, ?)`, sids.ID, anns.ID); n != 2 {
			t.Fatalf("%d audit entries for the cancellations", n)
		}
		if got, _ := e.ws.Booking(e.ctx, e.kim, today.ID); got.Status != StatusCheckedIn || e.claimsOf(today.ID) == 0 {
			t.Fatalf("the booking checked in now: %s", got.Status)
		}
		if got, _ := e.ws.Booking(e.ctx, e.kim, other.ID); got.Status != StatusConfirmed {
			t.Fatalf("another desk's booking: %s", got.Status)
		}
		// Brought back, the desk's cancelled bookings stay cancelled.
		noErr(t, e.ws.ReinstateResource(e.ctx, e.kim, s.desk2.ID))
		if got, _ := e.ws.Booking(e.ctx, e.kim, sids.ID); got.Status != StatusCancelled {
			t.Fatalf("after reinstating: %s", got.Status)
		}

		// The floor: its room's booking and waiting list, Desk 1.01's booking.
		prev, err = e.ws.WithdrawalPreview(e.ctx, e.kim, WithdrawFloorScope, s.floor.ID)
		noErr(t, err)
		if prev.Resources != 3 || len(prev.Bookings) != 3 {
			t.Fatalf("floor preview: %d resources, %v", prev.Resources, ids(prev.Bookings))
		}
		w, err = e.ws.WithdrawFloor(e.ctx, e.kim, s.floor.ID)
		noErr(t, err)
		want := []string{room.ID, wait.ID, other.ID}
		slices.Sort(want)
		if got := ids(w.Bookings); w.Resources != 3 || !slices.Equal(slices.Sorted(slices.Values(got)), want) {
			t.Fatalf("floor withdrawal: %d resources, %v", w.Resources, ids(w.Bookings))
		}
		got, _ := e.ws.Booking(e.ctx, e.kim, wait.ID)
		if got.Status != StatusCancelled || got.CancelReason != "Medway Room was withdrawn with its floor, First floor" {
			t.Fatalf("the waiting list: %s %q", got.Status, got.CancelReason)
		}
		if n := e.count(`SELECT COUNT(*) FROM workplace_claims WHERE holder_id IN (?, ?)`, room.ID, other.ID); n != 0 {
			t.Fatalf("%d claims left", n)
		}
		w, err = e.ws.WithdrawBuilding(e.ctx, e.kim, s.building.ID)
		noErr(t, err)
		if len(w.Bookings) != 0 {
			t.Fatalf("the building cancelled %v again", ids(w.Bookings))
		}
	})
}
