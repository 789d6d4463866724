package workplace

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// CheckInEarly is how long before its start a booking can be checked in.
const CheckInEarly = 30 * time.Minute

// MayApprove reports whether sub decides on b: a workplace manager, an
// admin, or a manager of the booker's unit who is not the booker.
func MayApprove(sub *platform.Subject, b Booking) bool {
	if CanKeep(sub) {
		return true
	}
	return sub.HasRole(platform.RoleManager) && b.UnitID != "" && sub.InUnit(b.UnitID) && sub.UserID != b.PersonID
}

// Approve confirms a booking that waits for approval.
func (s *Store) Approve(ctx context.Context, sub *platform.Subject, id, note string) (Booking, error) {
	return s.decide(ctx, sub, id, note, true)
}

// Reject refuses a booking that waits for approval and frees its time.
func (s *Store) Reject(ctx context.Context, sub *platform.Subject, id, note string) (Booking, error) {
	return s.decide(ctx, sub, id, note, false)
}

func (s *Store) decide(ctx context.Context, sub *platform.Subject, id, note string, approve bool) (Booking, error) {
	note = strings.TrimSpace(note)
	if len(note) > 500 {
		return Booking{}, platform.Invalid("Check the note", platform.FieldError{Field: "note", Message: "Enter the note in 500 characters or fewer"})
	}
	action, change := "workplace.booking_approve", "approved"
	if !approve {
		action, change = "workplace.booking_reject", "rejected"
	}
	var out Booking
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		b, err := s.mine(tx, sub, id, access.Read)
		if err != nil {
			return err
		}
		if !MayApprove(sub, b) {
			e := audit.For(sub, action, "booking", b.ID, audit.Denied)
			e.Detail = "not a manager of the booker's unit"
			if err := s.audit.Record(tx, e); err != nil {
				return err
			}
			return store.CommitAnd(platform.Errorf(platform.CodeForbidden, "Only a manager of %s's team or a workplace manager can decide on this booking", b.PersonName))
		}
		if b.Status != StatusRequested {
			return platform.Errorf(platform.CodeConflict, "This booking is %s: there is nothing to decide", statusWords(b.Status))
		}
		b.Status, b.DecidedBy, b.Note, b.Sequence, b.UpdatedAt = StatusConfirmed, sub.Name, note, b.Sequence+1, s.now()
		if !approve {
			b.Status = StatusRejected
			if _, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, b.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE workplace_bookings SET status = ?, decided_by = ?, note = ?, sequence = ?, updated_at = ? WHERE id = ?`,
			b.Status, b.DecidedBy, b.Note, b.Sequence, store.Millis(b.UpdatedAt), b.ID); err != nil {
			return err
		}
		e := audit.For(sub, action, "booking", b.ID, audit.Success)
		e.Detail = b.ResourceName + " " + s.describe(b.Start, b.End) + " for " + b.PersonName
		if err := s.audit.Record(tx, e); err != nil {
			return err
		}
		if err := s.publish(ctx, tx, b, change); err != nil {
			return err
		}
		out = b
		if !approve {
			return s.promote(ctx, tx, sub, b.OrgID, b.ResourceID, b.Start, b.End)
		}
		return nil
	})
	return out, err
}

// CheckIn records that the booker has arrived, from half an hour before
// the booking starts until it ends.
func (s *Store) CheckIn(ctx context.Context, sub *platform.Subject, id string) (Booking, error) {
	var out Booking
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		b, err := s.mine(tx, sub, id, access.Update)
		if err != nil {
			return err
		}
		out, err = s.checkIn(ctx, tx, sub, b)
		return err
	})
	return out, err
}

func (s *Store) checkIn(ctx context.Context, tx *store.Tx, sub *platform.Subject, b Booking) (Booking, error) {
	now := s.now()
	switch {
	case b.PersonID != sub.UserID:
		return b, platform.Errorf(platform.CodeForbidden, "Only %s can check in to their booking", b.PersonName)
	case b.Status == StatusCheckedIn:
		return b, platform.Errorf(platform.CodeConflict, "You checked in at %s", b.CheckedInAt.In(s.opts.Location).Format("15:04"))
	case b.Status == StatusReleased:
		return b, platform.Errorf(platform.CodeConflict, "This booking was released because nobody checked in within the time allowed: book again if the %s is free", kindNoun(b.ResourceKind))
	case b.Status != StatusConfirmed:
		return b, platform.Errorf(platform.CodeConflict, "This booking is %s and cannot be checked in", statusWords(b.Status))
	case now.Before(b.Start.Add(-CheckInEarly)):
		return b, platform.Errorf(platform.CodeConflict, "Check in from %s, half an hour before the booking starts", b.Start.Add(-CheckInEarly).In(s.opts.Location).Format("15:04 on Monday 2 January"))
	case !now.Before(b.End):
		return b, platform.Errorf(platform.CodeConflict, "This booking has ended")
	}
	b.Status, b.CheckedInAt, b.UpdatedAt = StatusCheckedIn, now, now
	if _, err := tx.Exec(ctx, `UPDATE workplace_bookings SET status = ?, checked_in_at = ?, updated_at = ? WHERE id = ?`,
		b.Status, store.Millis(now), store.Millis(now), b.ID); err != nil {
		return b, err
	}
	e := audit.For(sub, "workplace.booking_check_in", "booking", b.ID, audit.Success)
	e.Detail = b.ResourceName
	if err := s.audit.Record(tx, e); err != nil {
		return b, err
	}
	return b, s.publish(ctx, tx, b, "checked_in")
}

// BookingHereNow finds sub's booking of a resource that can be checked in
// now (the QR code on a desk leads here); not found when there is none.
func (s *Store) BookingHereNow(ctx context.Context, sub *platform.Subject, resourceID string) (Booking, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Booking{}, err
	}
	now := s.now()
	found, err := bookings(ctx, s.db, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.person_id = ? AND b.resource_id = ?
		AND b.start_at <= ? AND b.end_at > ? AND b.status IN `+activeStatuses+` ORDER BY b.start_at LIMIT 1`,
		sub.OrgID, sub.UserID, resourceID, store.Millis(now.Add(CheckInEarly)), store.Millis(now))
	if err != nil {
		return Booking{}, err
	}
	if len(found) == 0 {
		return Booking{}, platform.NotFound("booking for now")
	}
	return found[0], nil
}

// CheckInHere checks sub in to their booking of a resource for now.
func (s *Store) CheckInHere(ctx context.Context, sub *platform.Subject, resourceID string) (Booking, error) {
	b, err := s.BookingHereNow(ctx, sub, resourceID)
	if err != nil {
		return b, err
	}
	return s.CheckIn(ctx, sub, b.ID)
}
