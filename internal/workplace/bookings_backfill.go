package workplace

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// PastBooking is a booking that already happened, as history brought in
// from another system (or the demo's last week): it is stored as it was,
// outside the rules, which are for bookings still to come.
type PastBooking struct {
	ResourceID  string
	PersonID    string // "" when the person is not in the directory
	PersonName  string
	UnitID      string // the person's business unit, for its managers; "" when none
	Start, End  time.Time
	Status      string // StatusCheckedIn, StatusConfirmed or StatusReleased
	CheckedInAt time.Time
}

// BackfillBookings stores bookings that have already ended, with their
// claims, in one write and one audit entry. Only the platform itself (an
// import, the demo) and workplace managers may; each must have ended, be
// of a resource of the organisation and not overlap another's claims.
func (s *Store) BackfillBookings(ctx context.Context, sub *platform.Subject, past []PastBooking) error {
	now := s.now()
	for i, p := range past {
		switch {
		case !p.End.After(p.Start) || p.End.After(now):
			return platform.Invalid(fmt.Sprintf("Past booking %d must have ended, after it started", i+1))
		case p.Status != StatusCheckedIn && p.Status != StatusConfirmed && p.Status != StatusReleased:
			return platform.Invalid(fmt.Sprintf("Past booking %d must be checked in, confirmed or released", i+1))
		}
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		for i, p := range past {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_resources WHERE id = ? AND org_id = ? AND kind IN ('desk', 'room')`,
				p.ResourceID, sub.OrgID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return platform.Invalid(fmt.Sprintf("Past booking %d names no desk or room of the council", i+1))
			}
			b := Booking{ID: platform.NewID("bkg"), OrgID: sub.OrgID, ResourceID: p.ResourceID, Start: p.Start.UTC(), End: p.End.UTC()}
			at := store.Millis(p.Start)
			var checked int64
			if !p.CheckedInAt.IsZero() {
				checked = store.Millis(p.CheckedInAt)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO workplace_bookings (id, org_id, resource_id, person_id, person_name, unit_id, start_at, end_at, status,
				checked_in_at, decided_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				b.ID, b.OrgID, b.ResourceID, p.PersonID, strings.TrimSpace(p.PersonName), p.UnitID, at, store.Millis(p.End), p.Status, checked,
				sub.Name, at, store.Millis(p.End)); err != nil {
				return err
			}
			if p.Status == StatusReleased {
				continue // a released booking holds no time
			}
			ok, err := s.claim(ctx, tx, b)
			if err != nil {
				return err
			}
			if !ok {
				return platform.Invalid(fmt.Sprintf("Past booking %d overlaps another booking of the same desk or room", i+1))
			}
		}
		e := audit.For(sub, "workplace.bookings_backfill", "booking", "", audit.Success)
		e.Detail = fmt.Sprintf("%d past bookings brought in", len(past))
		return s.audit.Record(tx, e)
	})
}
