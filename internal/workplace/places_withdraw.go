package workplace

import (
	"context"
	"fmt"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Withdrawing a building, floor, desk, room or item cancels the bookings
// of what is withdrawn that have not ended, in the withdrawal's own
// write: a withdrawn desk can no longer be sat at, and its bookers must
// hear so now rather than find it gone. Each cancellation is audited and
// published as a "cancelled" booking event, which the calendar part turns
// into an emailed cancellation carrying the reason. Bookings checked in
// now are left to end: their people are sitting there.

// What is withdrawn, for WithdrawalPreview.
const (
	WithdrawBuildingScope = "building"
	WithdrawFloorScope    = "floor"
	WithdrawResourceScope = "resource"
)

// Withdrawal is what withdrawing a building, floor or resource did, or
// (from WithdrawalPreview) would do.
type Withdrawal struct {
	// Resources is how many desks, rooms and items go out of use.
	Resources int
	// Bookings are the bookings cancelled: requested, confirmed or on a
	// waiting list, not yet ended; soonest first.
	Bookings []Booking
	// Loans counts the equipment reservations of what is withdrawn; they
	// stay for the stores to move to another item or cancel.
	Loans int
}

// People counts the different people whose bookings are cancelled.
func (w Withdrawal) People() int {
	seen := map[string]bool{}
	for _, b := range w.Bookings {
		seen[b.PersonID+"/"+b.PersonName] = true
	}
	return len(seen)
}

// withdrawScope is the SQL condition on workplace_resources that selects
// what withdrawing the building, floor or resource id takes out of use.
func withdrawScope(what, orgID, id string) (string, []any, error) {
	switch what {
	case WithdrawBuildingScope:
		return `org_id = ? AND floor_id IN (SELECT id FROM workplace_floors WHERE building_id = ? AND org_id = ?)`, []any{orgID, id, orgID}, nil
	case WithdrawFloorScope:
		return `org_id = ? AND floor_id = ?`, []any{orgID, id}, nil
	case WithdrawResourceScope:
		return `org_id = ? AND id = ?`, []any{orgID, id}, nil
	}
	return "", nil, platform.Invalid("Choose a building, floor or resource to withdraw")
}

// toCancelSQL selects the bookings a withdrawal cancels, for a scope.
const toCancelSQL = `SELECT ` + bookingColumns + bookingFrom + ` WHERE b.org_id = ? AND b.status IN ('requested', 'confirmed', 'waiting') AND b.end_at > ?
	AND b.resource_id IN (SELECT id FROM workplace_resources WHERE %s) ORDER BY b.start_at, b.id`

// WithdrawalPreview says what withdrawing the building, floor or
// resource id would do: how many desks, rooms and items go, whose
// bookings are cancelled, and how many equipment reservations stay. The
// page that asks a workplace manager to confirm a withdrawal shows it.
func (s *Store) WithdrawalPreview(ctx context.Context, sub *platform.Subject, what, id string) (Withdrawal, error) {
	var w Withdrawal
	if err := s.mayRead(ctx, sub); err != nil {
		return w, err
	}
	if !CanKeep(sub) {
		return w, keepRefusal(platform.Errorf(platform.CodeForbidden, "forbidden"))
	}
	scope, args, err := withdrawScope(what, sub.OrgID, id)
	if err != nil {
		return w, err
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_resources WHERE active = 1 AND `+scope, args...).Scan(&w.Resources); err != nil {
		return w, err
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_loans WHERE org_id = ? AND status = ? AND resource_id IN
		(SELECT id FROM workplace_resources WHERE `+scope+`)`, append([]any{sub.OrgID, LoanReserved}, args...)...).Scan(&w.Loans); err != nil {
		return w, err
	}
	w.Bookings, err = bookings(ctx, s.db, fmt.Sprintf(toCancelSQL, scope), append([]any{sub.OrgID, store.Millis(s.now())}, args...)...)
	return w, err
}

// cancelWithdrawn cancels, inside a withdrawal's write, the bookings of
// what the scope withdraws; why follows each resource's name in the
// reason ("Desk 2.14 was withdrawn" + why).
func (s *Store) cancelWithdrawn(ctx context.Context, tx *store.Tx, sub *platform.Subject, what, id, why string) (Withdrawal, error) {
	var w Withdrawal
	scope, args, err := withdrawScope(what, sub.OrgID, id)
	if err != nil {
		return w, err
	}
	now := s.now()
	found, err := bookings(ctx, tx, fmt.Sprintf(toCancelSQL, scope), append([]any{sub.OrgID, store.Millis(now)}, args...)...)
	if err != nil {
		return w, err
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_loans WHERE org_id = ? AND status = ? AND resource_id IN
		(SELECT id FROM workplace_resources WHERE `+scope+`)`, append([]any{sub.OrgID, LoanReserved}, args...)...).Scan(&w.Loans); err != nil {
		return w, err
	}
	for _, b := range found {
		b.Status, b.Sequence, b.UpdatedAt = StatusCancelled, b.Sequence+1, now
		b.CancelReason = b.ResourceName + " was withdrawn" + why
		if _, err := tx.Exec(ctx, `UPDATE workplace_bookings SET status = ?, cancel_reason = ?, sequence = ?, updated_at = ? WHERE id = ?`,
			b.Status, b.CancelReason, b.Sequence, store.Millis(now), b.ID); err != nil {
			return w, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, b.ID); err != nil {
			return w, err
		}
		// Published as any cancellation is: the calendar part emails the
		// booker the cancellation, with the reason.
		if err := s.publish(ctx, tx, b, "cancelled"); err != nil {
			return w, err
		}
		e := audit.For(sub, "workplace.booking_cancel", "booking", b.ID, audit.Success)
		e.Detail = b.ResourceName + " " + s.describe(b.Start, b.End) + " for " + b.PersonName + ": " + b.CancelReason
		if err := s.audit.Record(tx, e); err != nil {
			return w, err
		}
		w.Bookings = append(w.Bookings, b)
	}
	return w, nil
}

// cancelledDetail adds a withdrawal's cancellations to its audit entry.
func cancelledDetail(w Withdrawal) string {
	if len(w.Bookings) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d bookings cancelled", len(w.Bookings))
}
