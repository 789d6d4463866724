package workplace

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

const bookingColumns = `b.id, b.org_id, b.resource_id, COALESCE(r.name, ''), COALESCE(r.kind, ''), COALESCE(r.floor_id, ''), b.person_id, b.person_name,
	b.unit_id, b.start_at, b.end_at, b.status, b.series_id, b.title, b.attendees, b.sequence, b.checked_in_at, b.decided_by, b.note, b.created_at, b.updated_at,
	b.cancel_reason`

const bookingFrom = ` FROM workplace_bookings b LEFT JOIN workplace_resources r ON r.id = b.resource_id`

func scanBooking(row interface{ Scan(...any) error }) (Booking, error) {
	var b Booking
	var start, end, checked, created, updated int64
	err := row.Scan(&b.ID, &b.OrgID, &b.ResourceID, &b.ResourceName, &b.ResourceKind, &b.FloorID, &b.PersonID, &b.PersonName,
		&b.UnitID, &start, &end, &b.Status, &b.SeriesID, &b.Title, &b.Attendees, &b.Sequence, &checked, &b.DecidedBy, &b.Note, &created, &updated,
		&b.CancelReason)
	b.Start, b.End, b.CheckedInAt, b.CreatedAt, b.UpdatedAt = store.Time(start), store.Time(end), store.Time(checked), store.Time(created), store.Time(updated)
	return b, err
}

// booking loads one booking of the organisation.
func (s *Store) booking(ctx context.Context, q rowQuerier, orgID, id string) (Booking, error) {
	b, err := scanBooking(q.QueryRow(ctx, `SELECT `+bookingColumns+bookingFrom+` WHERE b.id = ? AND b.org_id = ?`, id, orgID))
	if store.IsNoRows(err) {
		return b, platform.NotFound("booking")
	}
	return b, err
}

// bookings loads the bookings a query selects (columns bookingColumns).
func bookings(ctx context.Context, q querier, query string, args ...any) ([]Booking, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// mine loads a booking inside a write and checks that sub may act on it.
func (s *Store) mine(tx *store.Tx, sub *platform.Subject, id string, a access.Action) (Booking, error) {
	b, err := s.booking(tx.Context(), tx, sub.OrgID, id)
	if err != nil {
		return b, err
	}
	return b, s.access.CheckTx(tx, sub, a, bookingResource(b.OrgID, b.ID, b.PersonID, b.UnitID))
}

// ChangeInput is a booking's new time or resource; an empty ResourceID
// keeps the resource.
type ChangeInput struct {
	ResourceID string
	Date       string
	Part       string
	From, To   string
	Title      string
	Attendees  int
}

// Change moves a booking to another time or resource within the rules.
// It keeps its ID and bumps its Sequence, so that calendars update the
// event rather than add another.
func (s *Store) Change(ctx context.Context, sub *platform.Subject, id string, in ChangeInput) (Booking, error) {
	day, err := s.parseDay(in.Date)
	if err != nil {
		return Booking{}, platform.Invalid("Check the booking", platform.FieldError{Field: "date", Message: "Enter the date as a real date, like 2026-03-02"})
	}
	in.Title = strings.TrimSpace(in.Title)
	if len(in.Title) > 200 {
		return Booking{}, platform.Invalid("Check the booking", platform.FieldError{Field: "title", Message: "Enter the meeting's subject in 200 characters or fewer"})
	}
	var out Booking
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		old, err := s.mine(tx, sub, id, access.Update)
		if err != nil {
			return err
		}
		switch {
		case old.Status == StatusWaiting:
			return platform.Errorf(platform.CodeConflict, "A place on a waiting list cannot be changed: cancel it and ask again")
		case old.Status != StatusConfirmed && old.Status != StatusRequested:
			return platform.Errorf(platform.CodeConflict, "This booking is %s and can no longer be changed", statusWords(old.Status))
		case !old.End.After(s.now()):
			return platform.Errorf(platform.CodeConflict, "This booking has ended and can no longer be changed")
		}
		rid := in.ResourceID
		if rid == "" {
			rid = old.ResourceID
		}
		t, err := s.target(ctx, tx, sub.OrgID, rid)
		if err != nil {
			return err
		}
		r, err := s.targetRules(ctx, tx, t)
		if err != nil {
			return err
		}
		attendees := in.Attendees
		if attendees == 0 {
			attendees = old.Attendees
		}
		// The rules are the booker's, whoever makes the change.
		booker := &platform.Subject{Kind: platform.SubjectUser, UserID: old.PersonID, OrgID: old.OrgID, BusinessUnits: []string{old.UnitID}}
		if sub.UserID == old.PersonID || CanKeep(sub) {
			booker = sub
		}
		if err := s.mayBook(booker, t, r, attendees, false); err != nil {
			return err
		}
		occs, _, err := s.occurrences(ctx, tx, t, r, []time.Time{day}, BookInput{Part: in.Part, From: in.From, To: in.To})
		if err != nil {
			return err
		}
		if t.Kind != old.ResourceKind {
			if err := s.checkActive(ctx, tx, sub.OrgID, old.PersonID, t.Kind, r, old.ID, 1); err != nil {
				return err
			}
		}
		if t.Kind == KindDesk {
			if own, first, err := s.ownDesks(ctx, tx, sub.OrgID, old.PersonID, t.ID, occs, old.ID); err != nil {
				return err
			} else if len(own) > 0 {
				return ownDeskError(first)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, old.ID); err != nil {
			return err
		}
		b := old
		b.ResourceID, b.ResourceName, b.ResourceKind, b.FloorID = t.ID, t.Name, t.Kind, t.FloorID
		b.Start, b.End, b.Attendees, b.Sequence, b.UpdatedAt = occs[0].start, occs[0].end, attendees, old.Sequence+1, s.now()
		if in.Title != "" || t.Kind == KindRoom {
			b.Title = in.Title
		}
		if r.NeedsApproval && !CanKeep(booker) {
			b.Status = StatusRequested
		}
		ok, err := s.claim(ctx, tx, b)
		if err != nil {
			return err
		}
		if !ok {
			return s.takenError(t.Name, occs)
		}
		if _, err := tx.Exec(ctx, `UPDATE workplace_bookings SET resource_id = ?, start_at = ?, end_at = ?, attendees = ?, title = ?, status = ?,
			sequence = ?, updated_at = ? WHERE id = ?`, b.ResourceID, store.Millis(b.Start), store.Millis(b.End), b.Attendees, b.Title, b.Status,
			b.Sequence, store.Millis(b.UpdatedAt), b.ID); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.booking_change", "booking", b.ID, audit.Success)
		e.Detail = old.ResourceName + " " + s.describe(old.Start, old.End) + " -> " + b.ResourceName + " " + s.describe(b.Start, b.End)
		if err := s.audit.Record(tx, e); err != nil {
			return err
		}
		if err := s.publish(ctx, tx, b, "changed"); err != nil {
			return err
		}
		out = b
		return s.promote(ctx, tx, sub, old.OrgID, old.ResourceID, old.Start, old.End)
	})
	return out, err
}

// statusWords says a status as a sentence needs it.
func statusWords(status string) string {
	switch status {
	case StatusCheckedIn:
		return "checked in"
	case StatusRequested:
		return "waiting for approval"
	case StatusWaiting:
		return "on the waiting list"
	}
	return status
}

// promote gives freed time on a resource to its waiting list: each
// waiting booking overlapping from..to, first asked first, that now fits
// is confirmed (or requested, when the rules need approval), in the write
// that freed the time.
func (s *Store) promote(ctx context.Context, tx *store.Tx, sub *platform.Subject, orgID, resourceID string, from, to time.Time) error {
	waiting, err := bookings(ctx, tx, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.resource_id = ? AND b.status = 'waiting'
		AND b.start_at < ? AND b.end_at > ? AND b.end_at > ? ORDER BY b.created_at, b.id`,
		orgID, resourceID, store.Millis(to), store.Millis(from), store.Millis(s.now()))
	if err != nil || len(waiting) == 0 {
		return err
	}
	t, err := s.target(ctx, tx, orgID, resourceID)
	if err != nil {
		return err
	}
	r, err := s.targetRules(ctx, tx, t)
	if err != nil {
		return err
	}
	for _, w := range waiting {
		ok, err := s.claim(ctx, tx, w)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		w.Status = StatusConfirmed
		if r.NeedsApproval {
			w.Status = StatusRequested
		}
		w.Sequence++
		w.UpdatedAt = s.now()
		if _, err := tx.Exec(ctx, `UPDATE workplace_bookings SET status = ?, sequence = ?, updated_at = ? WHERE id = ?`,
			w.Status, w.Sequence, store.Millis(w.UpdatedAt), w.ID); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.booking_promote", "booking", w.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s %s: from the waiting list for %s", w.ResourceName, s.describe(w.Start, w.End), w.PersonName)
		if err := s.audit.Record(tx, e); err != nil {
			return err
		}
		if err := s.publish(ctx, tx, w, "promoted"); err != nil {
			return err
		}
	}
	return nil
}
