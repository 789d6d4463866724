package workplace

import (
	"context"
	"errors"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// ReleaseRun counts what one run of ReleaseNoShows did.
type ReleaseRun struct {
	Released int // given back: nobody came
	Sensed   int // taken as checked in: a sensor saw the place in use
}

// releaseBatch bounds one run; the next run takes the rest.
const releaseBatch = 500

// ReleaseNoShows gives back, in every organisation, the confirmed bookings
// nobody checked in to within their kind's grace minutes (a grace of 0
// never releases), so the desk or room can be booked again and the
// waiting list gets it (the grace counts from the start, or from when the
// booking was made or last changed if that is later). When a sensor covers the place and saw it in use
// during the grace period, the booking counts as checked in instead.
// Bookings that ended over a week ago are left as they are.
func (s *Store) ReleaseNoShows(ctx context.Context) (ReleaseRun, error) {
	var run ReleaseRun
	now := s.now()
	found, err := bookings(ctx, s.db, `SELECT `+bookingColumns+bookingFrom+` WHERE b.status = 'confirmed' AND b.start_at <= ? AND b.end_at > ?
		ORDER BY b.start_at, b.id LIMIT ?`, store.Millis(now), store.Millis(now.Add(-7*24*time.Hour)), releaseBatch)
	if err != nil {
		return run, err
	}
	type key struct{ org, kind string }
	rules := map[key]Rules{}
	var errs []error
	for _, b := range found {
		k := key{b.OrgID, b.ResourceKind}
		r, ok := rules[k]
		if !ok {
			if r, err = s.rules(ctx, s.db, b.OrgID, b.ResourceKind); err != nil {
				return run, err
			}
			rules[k] = r
		}
		// The grace runs from the start, or from when the booking was made
		// or last changed if later: a desk booked at 10:00 for the day is
		// not a no-show at 10:01.
		from := b.Start
		if b.UpdatedAt.After(from) {
			from = b.UpdatedAt
		}
		deadline := from.Add(time.Duration(r.GraceMinutes) * time.Minute)
		if r.GraceMinutes == 0 || deadline.After(now) {
			continue
		}
		// Asked before the write: the sensors' answer may take a query of
		// its own, and the write re-checks the booking's state anyway.
		until := deadline
		if b.End.Before(until) {
			until = b.End
		}
		occupied, sensed, err := s.OccupiedDuring(ctx, b.OrgID, b.ResourceID, b.Start, until)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		byTheSensor := sensed && occupied
		changed, err := s.releaseOne(ctx, b, byTheSensor)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case changed && byTheSensor:
			run.Sensed++
		case changed:
			run.Released++
		}
	}
	return run, errors.Join(errs...)
}

// releaseOne releases b, or marks it checked in by the sensor, if it is
// still confirmed; it reports whether it changed anything.
func (s *Store) releaseOne(ctx context.Context, b Booking, byTheSensor bool) (bool, error) {
	sys := platform.System(b.OrgID)
	var changed bool
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		now := s.now()
		status, action, change := StatusReleased, "workplace.booking_release", "released"
		checked := int64(0)
		if byTheSensor {
			status, action, change, checked = StatusCheckedIn, "workplace.booking_sensed", "checked_in", store.Millis(now)
		}
		res, err := tx.Exec(ctx, `UPDATE workplace_bookings SET status = ?, checked_in_at = ?, decided_by = ?, sequence = sequence + ?, updated_at = ?
			WHERE id = ? AND status = 'confirmed'`, status, checked, "dbtp", b2i(!byTheSensor), store.Millis(now), b.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // checked in or cancelled meanwhile
		}
		changed = true
		b.Status = status
		e := audit.For(sys, action, "booking", b.ID, audit.Success)
		e.Detail = b.ResourceName + " " + s.describe(b.Start, b.End) + " for " + b.PersonName
		if byTheSensor {
			e.Detail += ": a sensor saw it in use"
		} else {
			e.Detail += ": nobody checked in"
		}
		if err := s.audit.Record(tx, e); err != nil {
			return err
		}
		if err := s.publish(ctx, tx, b, change); err != nil {
			return err
		}
		if byTheSensor {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, b.ID); err != nil {
			return err
		}
		return s.promote(ctx, tx, sys, b.OrgID, b.ResourceID, b.Start, b.End)
	})
	return changed, err
}
