package workplace

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// querier is what both *store.DB and *store.Tx offer, so the checks run
// inside a booking's write and in the availability reads alike.
type querier interface {
	rowQuerier
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// target is a resource with what its bookings are checked against: the
// building (for closures) and the zone (for neighbourhoods).
type target struct {
	Resource
	BuildingID string
	ZoneName   string
	ZoneUnit   string // a team neighbourhood's unit
}

const targetQuery = `SELECT r.id, r.org_id, r.kind, r.name, r.floor_id, r.zone_id, r.x, r.y, r.capacity, r.features, r.category, r.asset_tag, r.needs_approval, r.active, r.created_at,
	COALESCE(f.building_id, ''), COALESCE(z.name, ''), COALESCE(z.unit_id, '')
	FROM workplace_resources r LEFT JOIN workplace_floors f ON f.id = r.floor_id LEFT JOIN workplace_zones z ON z.id = r.zone_id`

func scanTarget(row interface{ Scan(...any) error }) (target, error) {
	var t target
	var features string
	var active, approval int
	var at int64
	err := row.Scan(&t.ID, &t.OrgID, &t.Kind, &t.Name, &t.FloorID, &t.ZoneID, &t.X, &t.Y, &t.Capacity, &features, &t.Category, &t.AssetTag, &approval, &active, &at,
		&t.BuildingID, &t.ZoneName, &t.ZoneUnit)
	if err != nil {
		return t, err
	}
	t.Active, t.CreatedAt, t.NeedsApproval = active == 1, store.Time(at), approvalPtr(approval)
	if json.Unmarshal([]byte(features), &t.Features) != nil {
		t.Features = nil
	}
	return t, nil
}

// target loads the resource a booking is for.
func (s *Store) target(ctx context.Context, q rowQuerier, orgID, id string) (target, error) {
	t, err := scanTarget(q.QueryRow(ctx, targetQuery+` WHERE r.id = ? AND r.org_id = ?`, id, orgID))
	if store.IsNoRows(err) {
		return t, platform.Invalid("Choose a desk or room", platform.FieldError{Field: "resource_id", Message: "Choose one of the desks or rooms"})
	}
	return t, err
}

// targetRules are the rules a booking of t is made under: its kind's,
// with its own approval setting.
func (s *Store) targetRules(ctx context.Context, q rowQuerier, t target) (Rules, error) {
	r, err := s.rules(ctx, q, t.OrgID, t.Kind)
	return r.ForResource(t.Resource), err
}

// mayBook applies the rules that do not depend on the date: what can be
// booked at all, and by whom.
func (s *Store) mayBook(sub *platform.Subject, t target, r Rules, attendees int, series bool) error {
	bad := func(field, msg string) error {
		return platform.Invalid(msg, platform.FieldError{Field: field, Message: msg})
	}
	switch {
	case t.Kind == KindEquipment:
		return bad("resource_id", t.Name+" is equipment: reserve it as a loan, not a booking")
	case !t.Active:
		return bad("resource_id", t.Name+" has been withdrawn and can no longer be booked")
	case t.ZoneUnit != "" && !sub.InUnit(t.ZoneUnit) && !CanKeep(sub):
		return bad("resource_id", t.Name+" is in the "+t.ZoneName+", kept for its team: choose a desk elsewhere")
	case t.Kind == KindRoom && attendees > t.Capacity:
		return bad("attendees", fmt.Sprintf("%s seats %d: choose a bigger room or invite fewer people", t.Name, t.Capacity))
	case series && !r.AllowRecurring:
		return bad("repeat", kindPlural(t.Kind)+" cannot be booked as a series: book each day on its own")
	}
	return nil
}

func kindPlural(kind string) string {
	switch kind {
	case KindDesk:
		return "Desks"
	case KindRoom:
		return "Rooms"
	}
	return "Equipment"
}

// occurrences turns the days into spans within the rules. A closed day
// refuses a single booking; a series leaves it out (and says so).
func (s *Store) occurrences(ctx context.Context, q querier, t target, r Rules, days []time.Time, in BookInput) ([]occurrence, []Skipped, error) {
	today := s.today()
	if ahead := int(days[0].Sub(today).Hours()/24 + 0.5); ahead > r.MaxDaysAhead {
		msg := fmt.Sprintf("%s can be booked up to %d days ahead: choose a date by %s", kindPlural(t.Kind), r.MaxDaysAhead, s.dayName(today.AddDate(0, 0, r.MaxDaysAhead)))
		return nil, nil, platform.Invalid(msg, platform.FieldError{Field: "date", Message: msg})
	}
	closed, err := s.closedDays(ctx, q, t.OrgID, t.Kind, t.BuildingID, days[0], days[len(days)-1])
	if err != nil {
		return nil, nil, err
	}
	var out []occurrence
	var skipped []Skipped
	for i, d := range days {
		start, end, err := s.span(r, d, in.Part, in.From, in.To)
		if err != nil {
			return nil, nil, err
		}
		if why, shut := closed[d.Format("2006-01-02")]; shut {
			if len(days) == 1 {
				msg := fmt.Sprintf("%s cannot be booked on %s: %s", t.Name, s.dayName(d), why)
				return nil, nil, platform.Invalid(msg, platform.FieldError{Field: "date", Message: msg})
			}
			skipped = append(skipped, Skipped{Day: d, Reason: why})
			continue
		}
		if !s.startsInTime(r, start, end) {
			if i == 0 {
				msg := "That time has passed: choose a later time or date"
				return nil, nil, platform.Invalid(msg, platform.FieldError{Field: "date", Message: msg})
			}
			continue
		}
		out = append(out, occurrence{day: d, start: start, end: end})
	}
	if len(out) == 0 {
		msg := "Every date of the series is closed: choose other dates"
		return nil, nil, platform.Invalid(msg, platform.FieldError{Field: "date", Message: msg})
	}
	return out, skipped, nil
}

// startsInTime reports whether a span can still be booked now: a whole or
// half day until it ends (people book the desk they are sitting at), a
// time slot until its first slot is over.
func (s *Store) startsInTime(r Rules, start, end time.Time) bool {
	now := s.now()
	if r.Granularity == BySlot {
		return start.Add(time.Duration(r.SlotMinutes) * time.Minute).After(now)
	}
	return end.After(now)
}

// today is the local midnight of the current day.
func (s *Store) today() time.Time {
	n := s.now().In(s.opts.Location)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, s.opts.Location)
}

// at is minute m (after midnight) of the local day d, in UTC; built from
// the wall clock so that the days the clocks change come out right.
func (s *Store) at(d time.Time, m int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, s.opts.Location).UTC()
}

// span is the time a booking on day d covers under the rules.
func (s *Store) span(r Rules, d time.Time, part, from, to string) (time.Time, time.Time, error) {
	bad := func(field, msg string) (time.Time, time.Time, error) {
		return time.Time{}, time.Time{}, platform.Invalid(msg, platform.FieldError{Field: field, Message: msg})
	}
	const midday = 13 * 60
	switch r.Granularity {
	case ByDay:
		if part != "" && part != PartDay {
			return bad("part", kindPlural(r.Kind)+" are booked for whole days")
		}
		return s.at(d, r.OpensMinute), s.at(d, r.ClosesMinute), nil
	case ByHalfDay:
		switch part {
		case "", PartDay:
			return s.at(d, r.OpensMinute), s.at(d, r.ClosesMinute), nil
		case PartMorning:
			return s.at(d, r.OpensMinute), s.at(d, min(midday, r.ClosesMinute)), nil
		case PartAfternoon:
			return s.at(d, max(midday, r.OpensMinute)), s.at(d, r.ClosesMinute), nil
		}
		return bad("part", "Choose the whole day, the morning or the afternoon")
	}
	a, okA := parseClock(from)
	b, okB := parseClock(to)
	hours := clock(r.OpensMinute) + " and " + clock(r.ClosesMinute)
	switch {
	case !okA:
		return bad("from", "Enter the start time as hours and minutes, like 09:30")
	case !okB:
		return bad("to", "Enter the end time as hours and minutes, like 10:30")
	case b <= a:
		return bad("to", "Enter an end time after the start time")
	case a < r.OpensMinute || b > r.ClosesMinute:
		return bad("from", "Choose a time between "+hours+", when the building is open")
	case (a-r.OpensMinute)%r.SlotMinutes != 0 || (b-a)%r.SlotMinutes != 0:
		return bad("from", fmt.Sprintf("Choose times in steps of %d minutes from %s, like %s to %s", r.SlotMinutes, clock(r.OpensMinute),
			clock(r.OpensMinute+r.SlotMinutes), clock(r.OpensMinute+3*r.SlotMinutes)))
	}
	return s.at(d, a), s.at(d, b), nil
}

// parseClock reads HH:MM (or H:MM) as minutes after midnight.
func parseClock(v string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, false
	}
	return hh*60 + mm, true
}

// clock writes minutes after midnight as HH:MM.
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// activeStatuses are the states that hold a resource's time, for SQL.
const activeStatuses = `('requested', 'confirmed', 'checked_in')`

// checkActive refuses a booking that would take the person past the
// rules' limit of bookings held at once. A series counts once: it is one
// arrangement, and counting each day would make series impossible.
func (s *Store) checkActive(ctx context.Context, q rowQuerier, orgID, personID, kind string, r Rules, exceptID string, adding int) error {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT CASE WHEN b.series_id = '' THEN b.id ELSE b.series_id END)
		FROM workplace_bookings b JOIN workplace_resources r ON r.id = b.resource_id
		WHERE b.org_id = ? AND b.person_id = ? AND r.kind = ? AND b.status IN `+activeStatuses+` AND b.end_at > ? AND b.id <> ?`,
		orgID, personID, kind, store.Millis(s.now()), exceptID).Scan(&n)
	if err != nil {
		return err
	}
	if n+adding > r.MaxActive {
		msg := fmt.Sprintf("You already have %d %s bookings, the most one person may hold at once: cancel one first", n, kindNoun(kind))
		return platform.Invalid(msg, platform.FieldError{Field: "resource_id", Message: msg})
	}
	return nil
}

// ownDesks returns the indexes of the occurrences at which the person
// already holds another desk, and the first such booking. A
// person sits at one desk at a time: without this, Jo Baker could hold
// Desk 0.01 and Desk 1.05 on the same day and keep one empty. Bookings of
// the desk asked for itself are left to the clash check ("already booked").
func (s *Store) ownDesks(ctx context.Context, q rowQuerier, orgID, personID, resourceID string, occs []occurrence, exceptID string) (idx []int, first *DeskHeld, err error) {
	for i, o := range occs {
		var id, name string
		var from, to int64
		err := q.QueryRow(ctx, `SELECT b.id, r.name, b.start_at, b.end_at FROM workplace_bookings b JOIN workplace_resources r ON r.id = b.resource_id
			WHERE b.org_id = ? AND b.person_id = ? AND r.kind = ? AND b.status IN `+activeStatuses+` AND b.start_at < ? AND b.end_at > ? AND b.id <> ?
			AND b.resource_id <> ? ORDER BY b.start_at LIMIT 1`,
			orgID, personID, KindDesk, store.Millis(o.end), store.Millis(o.start), exceptID, resourceID).Scan(&id, &name, &from, &to)
		if store.IsNoRows(err) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if first == nil {
			first = &DeskHeld{BookingID: id, Desk: name, When: s.describe(time.UnixMilli(from), time.UnixMilli(to))}
		}
		idx = append(idx, i)
	}
	return idx, first, nil
}

// DeskHeld is the booking behind a refusal of a second desk at the same
// time: the person's own, so that a page can link to it.
type DeskHeld struct {
	BookingID, Desk string
	When            string // "from 08:00 to 18:00 on Tuesday 3 March"
}

func (d *DeskHeld) Error() string { return "the person holds booking " + d.BookingID }

// ownDeskError refuses a desk at a time the person already has one. The
// booking rides along (errors.As finds it); the message stands alone.
func ownDeskError(held *DeskHeld) error {
	msg := "You already have " + held.Desk + " " + held.When + ": change that booking to move desk, or cancel it first"
	// On the date: it is the field to change, and the booking form's desk
	// is no field at all.
	e := platform.Invalid(msg, platform.FieldError{Field: "date", Message: msg})
	e.Err = held
	return e
}
