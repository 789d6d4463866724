package workplace

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Booking finds one booking sub may see: their own, one of their unit's
// people's (for its managers), or any (workplace managers).
func (s *Store) Booking(ctx context.Context, sub *platform.Subject, id string) (Booking, error) {
	b, err := s.booking(ctx, s.db, sub.OrgID, id)
	if err != nil {
		return b, err
	}
	return b, s.access.Check(ctx, sub, access.Read, bookingResource(b.OrgID, b.ID, b.PersonID, b.UnitID))
}

// BookingList asks for a page of a person's bookings.
type BookingList struct {
	Past  bool     // ended, cancelled, released or rejected; newest first
	After []string // the Next of the page before; nil for the first
	Limit int      // default 20
}

// MyBookings lists sub's own bookings: upcoming ones (held or waiting,
// soonest first) or past ones (newest first). next is the key to pass as
// After for the following page, nil on the last.
func (s *Store) MyBookings(ctx context.Context, sub *platform.Subject, l BookingList) (items []Booking, next []string, err error) {
	if err := s.access.Check(ctx, sub, access.Read, bookingResource(sub.OrgID, "", sub.UserID, "")); err != nil {
		return nil, nil, err
	}
	if l.Limit <= 0 || l.Limit > 200 {
		l.Limit = 20
	}
	now := store.Millis(s.now())
	q := `SELECT ` + bookingColumns + bookingFrom + ` WHERE b.org_id = ? AND b.person_id = ?`
	args := []any{sub.OrgID, sub.UserID}
	order, cmp := ` ORDER BY b.start_at, b.id`, ">"
	if l.Past {
		q += ` AND (b.end_at <= ? OR b.status IN ('cancelled', 'released', 'rejected'))`
		order, cmp = ` ORDER BY b.start_at DESC, b.id DESC`, "<"
	} else {
		q += ` AND b.end_at > ? AND b.status IN ('requested', 'confirmed', 'checked_in', 'waiting')`
	}
	args = append(args, now)
	if len(l.After) == 2 {
		at, err := strconv.ParseInt(l.After[0], 10, 64)
		if err != nil {
			return nil, nil, platform.Invalid("The cursor is not valid; start again from the first page.", platform.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
		}
		q += ` AND (b.start_at ` + cmp + ` ? OR (b.start_at = ? AND b.id ` + cmp + ` ?))`
		args = append(args, at, at, l.After[1])
	}
	items, err = bookings(ctx, s.db, q+order+` LIMIT `+strconv.Itoa(l.Limit+1), args...)
	if err != nil {
		return nil, nil, err
	}
	if len(items) > l.Limit {
		items = items[:l.Limit]
		last := items[len(items)-1]
		next = []string{strconv.FormatInt(store.Millis(last.Start), 10), last.ID}
	}
	return items, next, nil
}

// hideNames blanks the names on bookings sub may not read: people see
// that a desk is taken, not by whom, unless they keep the estate.
func hideNames(sub *platform.Subject, bs []Booking) {
	if CanKeep(sub) {
		return
	}
	for i := range bs {
		if bs[i].PersonID != sub.UserID {
			bs[i].PersonName, bs[i].Title, bs[i].PersonID = "", "", ""
		}
	}
}

// dayBounds are the UTC instants of a local day's start and end.
func (s *Store) dayBounds(date string) (day, from, to time.Time, err error) {
	day, err = s.parseDay(date)
	if err != nil {
		return day, from, to, platform.Invalid("Check the date", platform.FieldError{Field: "date", Message: "Enter the date as a real date, like 2026-03-02"})
	}
	return day, day.UTC(), day.AddDate(0, 0, 1).UTC(), nil
}

// ResourceDay lists a resource's bookings and waiting list on a day.
func (s *Store) ResourceDay(ctx context.Context, sub *platform.Subject, resourceID, date string) ([]Booking, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	_, from, to, err := s.dayBounds(date)
	if err != nil {
		return nil, err
	}
	out, err := bookings(ctx, s.db, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.resource_id = ? AND b.start_at < ? AND b.end_at > ?
		AND b.status IN ('requested', 'confirmed', 'checked_in', 'waiting') ORDER BY b.start_at, b.created_at`, sub.OrgID, resourceID, store.Millis(to), store.Millis(from))
	hideNames(sub, out)
	return out, err
}

// WaitingFor lists the waiting list on b's resource and time, first asked
// first (names only for those who keep the estate and for sub's own).
func (s *Store) WaitingFor(ctx context.Context, sub *platform.Subject, b Booking) ([]Booking, error) {
	out, err := bookings(ctx, s.db, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.resource_id = ? AND b.status = 'waiting'
		AND b.start_at < ? AND b.end_at > ? ORDER BY b.created_at, b.id`, b.OrgID, b.ResourceID, store.Millis(b.End), store.Millis(b.Start))
	hideNames(sub, out)
	return out, err
}

// Approvals lists the bookings waiting for sub's decision, soonest first:
// every one for workplace managers, their units' people's for managers.
func (s *Store) Approvals(ctx context.Context, sub *platform.Subject) ([]Booking, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	if !CanKeep(sub) && !sub.HasRole(platform.RoleManager) {
		return nil, platform.Errorf(platform.CodeForbidden, "Only managers decide on bookings")
	}
	all, err := bookings(ctx, s.db, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.status = 'requested' AND b.end_at > ?
		ORDER BY b.start_at, b.id`, sub.OrgID, store.Millis(s.now()))
	if err != nil {
		return nil, err
	}
	var out []Booking
	for _, b := range all {
		if MayApprove(sub, b) {
			out = append(out, b)
		}
	}
	return out, nil
}

// BookingsBetween lists a person's bookings that overlap from..to, in any
// state (a calendar feed shows cancelled ones as cancelled), for the
// calendar part's feed.
func (s *Store) BookingsBetween(ctx context.Context, sub *platform.Subject, personID string, from, to time.Time) ([]Booking, error) {
	if err := s.access.Check(ctx, sub, access.Read, bookingResource(sub.OrgID, "", personID, "")); err != nil {
		return nil, err
	}
	return bookings(ctx, s.db, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.person_id = ? AND b.start_at < ? AND b.end_at > ?
		ORDER BY b.start_at, b.id`, sub.OrgID, personID, store.Millis(to), store.Millis(from))
}

// What a desk or room is to the person looking, in Availability.
const (
	SpotFree        = "free"
	SpotPartly      = "partly booked" // a room with some of the day's slots taken
	SpotTaken       = "taken"
	SpotYours       = "yours"
	SpotNotBookable = "not bookable"
)

// AvailabilityQuery asks what can be booked on a day, and when From and
// To are given (time-slot rules), at a time.
type AvailabilityQuery struct {
	BuildingID, FloorID string
	Kind                string // desk or room; "" both
	Feature             string
	Date                string // YYYY-MM-DD
	Part                string // half-day rules: day, morning or afternoon
	From, To            string // time-slot rules: HH:MM
	Attendees           int    // rooms too small are not bookable
}

// Spot is one desk or room and whether it can be booked.
type Spot struct {
	Resource
	ZoneName  string
	State     string
	Reason    string // why it is not bookable
	BookingID string // sub's booking, when State is yours
}

// Availability says, for each desk and room the query selects, whether
// sub can book it for the day or time: free, taken, theirs, or not
// bookable and why (kept for another team, closed, too far ahead, too
// small, passed).
func (s *Store) Availability(ctx context.Context, sub *platform.Subject, q AvailabilityQuery) ([]Spot, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	day, from, to, err := s.dayBounds(q.Date)
	if err != nil {
		return nil, err
	}
	sql, args := targetQuery+` WHERE r.org_id = ? AND r.active = 1 AND r.kind IN ('desk', 'room')`, []any{sub.OrgID}
	for _, c := range []struct{ col, v string }{{"r.kind", q.Kind}, {"r.floor_id", q.FloorID}, {"f.building_id", q.BuildingID}} {
		if c.v != "" {
			sql, args = sql+` AND `+c.col+` = ?`, append(args, c.v)
		}
	}
	rows, err := s.db.Query(ctx, sql+` ORDER BY r.kind, r.name`, args...)
	if err != nil {
		return nil, err
	}
	var targets []target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if q.Feature == "" || t.Has(q.Feature) {
			targets = append(targets, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(targets) == 0 {
		return nil, err
	}
	claims, err := s.claimsOn(ctx, targets, from, to)
	if err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	own, err := bookings(ctx, s.db, `SELECT `+bookingColumns+bookingFrom+` WHERE b.org_id = ? AND b.person_id = ? AND b.start_at < ? AND b.end_at > ?
		AND b.status IN `+activeStatuses, sub.OrgID, sub.UserID, store.Millis(to), store.Millis(from))
	if err != nil {
		return nil, err
	}
	for _, b := range own {
		mine[b.ID] = true
	}
	rules := map[string]Rules{}
	closed := map[string]map[string]string{}
	today := s.today()
	var out []Spot
	for _, t := range targets {
		r, ok := rules[t.Kind]
		if !ok {
			if r, err = s.rules(ctx, s.db, sub.OrgID, t.Kind); err != nil {
				return nil, err
			}
			rules[t.Kind] = r
		}
		ck := t.Kind + "/" + t.BuildingID
		if _, ok := closed[ck]; !ok {
			if closed[ck], err = s.closedDays(ctx, s.db, sub.OrgID, t.Kind, t.BuildingID, day, day); err != nil {
				return nil, err
			}
		}
		start, end := s.at(day, r.OpensMinute), s.at(day, r.ClosesMinute)
		exact := q.From != "" || q.To != "" || (q.Part != "" && q.Part != PartDay)
		if exact {
			if start, end, err = s.span(r, day, q.Part, q.From, q.To); err != nil {
				return nil, err
			}
		}
		sp := Spot{Resource: t.Resource, ZoneName: t.ZoneName, State: SpotFree}
		var held, total int
		for _, at := range slots(start, end) {
			total++
			if h, ok := claims[t.ID][at]; ok {
				held++
				if mine[h] {
					sp.State, sp.BookingID = SpotYours, h
				}
			}
		}
		why, shut := closed[ck][day.Format("2006-01-02")]
		switch {
		case sp.State == SpotYours:
		case t.ZoneUnit != "" && !sub.InUnit(t.ZoneUnit) && !CanKeep(sub):
			sp.State, sp.Reason = SpotNotBookable, "kept for the "+t.ZoneName+"'s team"
		case shut:
			sp.State, sp.Reason = SpotNotBookable, why
		case int(day.Sub(today).Hours()/24+0.5) > r.MaxDaysAhead:
			sp.State, sp.Reason = SpotNotBookable, fmt.Sprintf("bookable up to %d days ahead", r.MaxDaysAhead)
		case t.Kind == KindRoom && q.Attendees > t.Capacity:
			sp.State, sp.Reason = SpotNotBookable, fmt.Sprintf("seats %d", t.Capacity)
		case !s.startsInTime(r, start, end) || (!exact && !end.After(s.now())):
			sp.State, sp.Reason = SpotNotBookable, "that time has passed"
		case held > 0 && (held == total || t.Kind == KindDesk || exact):
			sp.State = SpotTaken
		case held > 0:
			sp.State = SpotPartly
		}
		out = append(out, sp)
	}
	return out, nil
}

// claimsOn returns, per resource, the claims from..to: slot start to the
// holding booking.
func (s *Store) claimsOn(ctx context.Context, targets []target, from, to time.Time) (map[string]map[int64]string, error) {
	out := map[string]map[int64]string{}
	for i := 0; i < len(targets); i += 400 {
		chunk := targets[i:min(i+400, len(targets))]
		args := []any{store.Millis(from), store.Millis(to)}
		marks := make([]string, len(chunk))
		for j, t := range chunk {
			marks[j] = "?"
			args = append(args, t.ID)
		}
		rows, err := s.db.Query(ctx, `SELECT resource_id, slot_start, holder_id FROM workplace_claims WHERE slot_start >= ? AND slot_start < ?
			AND resource_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var rid, holder string
			var at int64
			if err := rows.Scan(&rid, &at, &holder); err != nil {
				rows.Close()
				return nil, err
			}
			if out[rid] == nil {
				out[rid] = map[int64]string{}
			}
			out[rid][at] = holder
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
