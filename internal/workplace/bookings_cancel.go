package workplace

import (
	"context"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Cancelling: one booking, the rest of a series, or one's bookings
// between two dates. The pages ask first (RangeToCancel and
// SeriesToCancel say what would go); the API cancels at once.

// Cancel cancels one booking (or a place on a waiting list). A booking
// already checked in ends now instead, so its past stays on record and the
// rest of its time is freed.
func (s *Store) Cancel(ctx context.Context, sub *platform.Subject, id string) (Booking, error) {
	var out Booking
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		b, err := s.mine(tx, sub, id, access.Update)
		if err != nil {
			return err
		}
		out, err = s.cancel(ctx, tx, sub, b)
		return err
	})
	return out, err
}

// cancel cancels b inside a write, checking it can be.
func (s *Store) cancel(ctx context.Context, tx *store.Tx, sub *platform.Subject, b Booking) (Booking, error) {
	now := s.now()
	if !b.Active() && b.Status != StatusWaiting {
		return b, platform.Errorf(platform.CodeConflict, "This booking is already %s", statusWords(b.Status))
	}
	if !b.End.After(now) {
		return b, platform.Errorf(platform.CodeConflict, "This booking has ended")
	}
	action, change := "workplace.booking_cancel", "cancelled"
	oldStart, oldEnd := b.Start, b.End
	b.Sequence++
	b.UpdatedAt = now
	if b.Status == StatusCheckedIn {
		// Leaving early: the booking ends at the next slot boundary.
		step := int64(ClaimMinutes * 60 * 1000)
		b.End = store.Time((store.Millis(now) + step - 1) / step * step)
		oldStart = b.End
		if _, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ? AND slot_start >= ?`, b.ID, store.Millis(b.End)); err != nil {
			return b, err
		}
		action, change = "workplace.booking_end", "changed"
	} else {
		b.Status = StatusCancelled
		if _, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, b.ID); err != nil {
			return b, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE workplace_bookings SET status = ?, end_at = ?, sequence = ?, updated_at = ? WHERE id = ?`,
		b.Status, store.Millis(b.End), b.Sequence, store.Millis(now), b.ID); err != nil {
		return b, err
	}
	e := audit.For(sub, action, "booking", b.ID, audit.Success)
	e.Detail = b.ResourceName + " " + s.describe(oldStart, oldEnd)
	if err := s.audit.Record(tx, e); err != nil {
		return b, err
	}
	if err := s.publish(ctx, tx, b, change); err != nil {
		return b, err
	}
	return b, s.promote(ctx, tx, sub, b.OrgID, b.ResourceID, oldStart, oldEnd)
}

// rangeDays reads the first and last days of a range to cancel.
func (s *Store) rangeDays(first, last string) (from, to time.Time, err error) {
	from, err1 := s.parseDay(first)
	to, err2 := s.parseDay(last)
	switch {
	case err1 != nil:
		return from, to, platform.Invalid("Check the dates", platform.FieldError{Field: "from", Message: "Enter the first date as a real date, like 2026-03-02"})
	case err2 != nil || to.Before(from):
		return from, to, platform.Invalid("Check the dates", platform.FieldError{Field: "to", Message: "Enter the last date, on or after the first"})
	case to.After(from.AddDate(1, 0, 0)):
		return from, to, platform.Invalid("Check the dates", platform.FieldError{Field: "to", Message: "Cancel up to a year of bookings at a time"})
	}
	return from, to, nil
}

// inRange are sub's own bookings (and waiting-list places) not yet ended
// that start on the days from..to, both included: what CancelRange
// cancels.
func (s *Store) inRange(ctx context.Context, q querier, sub *platform.Subject, from, to time.Time) ([]Booking, error) {
	return bookings(ctx, q, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.person_id = ? AND b.start_at >= ? AND b.start_at < ?
		AND b.end_at > ? AND b.status IN ('requested', 'confirmed', 'waiting') ORDER BY b.start_at, b.id`,
		sub.OrgID, sub.UserID, store.Millis(from), store.Millis(to.AddDate(0, 0, 1)), store.Millis(s.now()))
}

// RangeToCancel lists what CancelRange would cancel, for the page that
// asks the person to confirm it.
func (s *Store) RangeToCancel(ctx context.Context, sub *platform.Subject, first, last string) ([]Booking, error) {
	from, to, err := s.rangeDays(first, last)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, sub, access.Read, bookingResource(sub.OrgID, "", sub.UserID, "")); err != nil {
		return nil, err
	}
	return s.inRange(ctx, s.db, sub, from, to)
}

// CancelRange cancels sub's own bookings (and waiting-list places) that
// start on the days from first to last, both included, and returns them.
func (s *Store) CancelRange(ctx context.Context, sub *platform.Subject, first, last string) ([]Booking, error) {
	from, to, err := s.rangeDays(first, last)
	if err != nil {
		return nil, err
	}
	var out []Booking
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		out = nil
		if err := s.access.CheckTx(tx, sub, access.Update, bookingResource(sub.OrgID, "", sub.UserID, "")); err != nil {
			return err
		}
		found, err := s.inRange(ctx, tx, sub, from, to)
		if err != nil {
			return err
		}
		for _, b := range found {
			c, err := s.cancel(ctx, tx, sub, b)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// restOfSeries are the bookings of b's series from b on that have not
// ended: what CancelSeries cancels.
func (s *Store) restOfSeries(ctx context.Context, q querier, b Booking) ([]Booking, error) {
	if b.SeriesID == "" {
		return nil, platform.Errorf(platform.CodeConflict, "This booking is not part of a series")
	}
	found, err := bookings(ctx, q, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.series_id = ? AND b.start_at >= ? AND b.end_at > ?
		AND b.status IN ('requested', 'confirmed', 'waiting') ORDER BY b.start_at, b.id`, b.OrgID, b.SeriesID, store.Millis(b.Start), store.Millis(s.now()))
	if err == nil && len(found) == 0 {
		err = platform.Errorf(platform.CodeConflict, "Nothing is left to cancel in this series")
	}
	return found, err
}

// SeriesToCancel lists what CancelSeries would cancel, for the page that
// asks to confirm it; sub must be one who may change the booking.
func (s *Store) SeriesToCancel(ctx context.Context, sub *platform.Subject, id string) ([]Booking, error) {
	b, err := s.booking(ctx, s.db, sub.OrgID, id)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, sub, access.Update, bookingResource(b.OrgID, b.ID, b.PersonID, b.UnitID)); err != nil {
		return nil, err
	}
	return s.restOfSeries(ctx, s.db, b)
}

// CancelSeries cancels the booking id and every later booking of its
// series that has not ended, and returns them.
func (s *Store) CancelSeries(ctx context.Context, sub *platform.Subject, id string) ([]Booking, error) {
	var out []Booking
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		out = nil
		b, err := s.mine(tx, sub, id, access.Update)
		if err != nil {
			return err
		}
		found, err := s.restOfSeries(ctx, tx, b)
		if err != nil {
			return err
		}
		for _, f := range found {
			c, err := s.cancel(ctx, tx, sub, f)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
