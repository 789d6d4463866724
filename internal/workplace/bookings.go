package workplace

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Parts of a day, for resources booked by the half day.
const (
	PartDay       = "day"
	PartMorning   = "morning"   // opening time to 13:00
	PartAfternoon = "afternoon" // 13:00 to closing time
)

// Repetitions of a series.
const (
	RepeatDaily  = "daily"  // Monday to Friday
	RepeatWeekly = "weekly" // on the chosen weekdays
)

// MaxSeriesWeeks is how long a recurring series may run.
const MaxSeriesWeeks = 26

// ClaimMinutes is the length of one claim: a booking holds its resource by
// one workplace_claims row per 15-minute slot it covers.
const ClaimMinutes = 15

// BookInput is what a booking is made from. Dates and times are local
// (Options.Location), as people say them.
type BookInput struct {
	ResourceID string
	Date       string // YYYY-MM-DD
	Part       string // for half-day rules: day (default), morning or afternoon
	From, To   string // for time-slot rules: HH:MM
	Title      string // a meeting's subject
	Attendees  int    // rooms: people coming (default 1)
	Repeat     Repeat
	// SkipClashes books a series' free dates and leaves out those already
	// taken (listed in the result) instead of refusing the whole series.
	SkipClashes bool
	// Wait puts the person on a room's waiting list when the time is
	// taken, instead of refusing: they get it if it frees.
	Wait bool
}

// Repeat makes a booking a series; the zero value books once.
type Repeat struct {
	Every    string         // "" (once), daily or weekly
	Weekdays []time.Weekday // weekly: which days
	Until    string         // YYYY-MM-DD, the last day it may fall on
}

// BookResult is what Book made.
type BookResult struct {
	Bookings []Booking // in date order
	Skipped  []Skipped // dates of a series left out
}

// Skipped is one date of a series that was not booked, and why.
type Skipped struct {
	Day    time.Time // local midnight
	Reason string
}

// occurrence is one booking to make: a day and its span.
type occurrence struct {
	day        time.Time // local midnight
	start, end time.Time // UTC
}

// Book books a desk or room for sub, once or as a series, within the
// rules of its kind. Everything is checked and written in one write: a
// refusal writes nothing (but its audit entry, for access refusals).
func (s *Store) Book(ctx context.Context, sub *platform.Subject, in BookInput) (BookResult, error) {
	days, err := s.bookDays(in)
	if err != nil {
		return BookResult{}, err
	}
	in.Title = strings.TrimSpace(in.Title)
	if len(in.Title) > 200 {
		return BookResult{}, platform.Invalid("Check the booking", platform.FieldError{Field: "title", Message: "Enter the meeting's subject in 200 characters or fewer"})
	}
	if in.Attendees == 0 {
		in.Attendees = 1
	}
	if in.Attendees < 1 || in.Attendees > 1000 {
		return BookResult{}, platform.Invalid("Check the booking", platform.FieldError{Field: "attendees", Message: "Enter how many people are coming, from 1 to 1000"})
	}
	var res BookResult
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res = BookResult{}
		t, err := s.target(ctx, tx, sub.OrgID, in.ResourceID)
		if err != nil {
			return err
		}
		unit := bookerUnit(sub, t)
		if err := s.access.CheckTx(tx, sub, access.Create, bookingResource(sub.OrgID, "", sub.UserID, unit)); err != nil {
			return err
		}
		r, err := s.targetRules(ctx, tx, t)
		if err != nil {
			return err
		}
		if err := s.mayBook(sub, t, r, in.Attendees, len(days) > 1 || in.Repeat.Every != ""); err != nil {
			return err
		}
		occs, skipped, err := s.occurrences(ctx, tx, t, r, days, in)
		if err != nil {
			return err
		}
		res.Skipped = skipped
		if err := s.checkActive(ctx, tx, sub.OrgID, sub.UserID, t.Kind, r, "", 1); err != nil {
			return err
		}
		if t.Kind == KindDesk {
			own, first, err := s.ownDesks(ctx, tx, sub.OrgID, sub.UserID, t.ID, occs, "")
			if err != nil {
				return err
			}
			switch {
			case len(own) > 0 && in.SkipClashes && len(own) < len(occs):
				var keep []occurrence
				for i, o := range occs {
					if slices.Contains(own, i) {
						res.Skipped = append(res.Skipped, Skipped{Day: o.day, Reason: "you have another desk then"})
					} else {
						keep = append(keep, o)
					}
				}
				occs = keep
			case len(own) > 0:
				return ownDeskError(first)
			}
		}
		// One booking that would not wait: the claim's primary key says
		// whether the time is free (and refuses a clash with the same
		// message), so looking first would be a query for nothing. A
		// series looks first, to skip or name the dates taken; a room's
		// waiting list, to queue instead.
		var clashes []int
		if len(occs) > 1 || in.Wait {
			if clashes, err = s.clashes(ctx, tx, t.ID, occs); err != nil {
				return err
			}
		}
		status := StatusConfirmed
		if r.NeedsApproval && !CanKeep(sub) {
			status = StatusRequested
		}
		if len(clashes) > 0 {
			switch {
			case in.Wait && t.Kind == KindRoom && len(occs) == 1:
				status = StatusWaiting
			case in.SkipClashes && len(clashes) < len(occs):
				var keep []occurrence
				for i, o := range occs {
					if slices.Contains(clashes, i) {
						res.Skipped = append(res.Skipped, Skipped{Day: o.day, Reason: "already booked"})
					} else {
						keep = append(keep, o)
					}
				}
				occs = keep
				slices.SortFunc(res.Skipped, func(a, b Skipped) int { return a.Day.Compare(b.Day) })
			default:
				var taken []occurrence
				for _, i := range clashes {
					taken = append(taken, occs[i])
				}
				return s.takenError(t.Name, taken)
			}
		}
		series := ""
		if len(occs) > 1 || in.Repeat.Every != "" {
			series = platform.NewID("ser")
		}
		now := s.now()
		for _, o := range occs {
			b := Booking{ID: platform.NewID("bkg"), OrgID: sub.OrgID, ResourceID: t.ID, ResourceName: t.Name, ResourceKind: t.Kind, FloorID: t.FloorID,
				PersonID: sub.UserID, PersonName: sub.Name, UnitID: unit, Start: o.start, End: o.end, Status: status, SeriesID: series,
				Title: in.Title, Attendees: in.Attendees, CreatedAt: now, UpdatedAt: now}
			if err := s.insertBooking(ctx, tx, b); err != nil {
				return err
			}
			if status != StatusWaiting {
				ok, err := s.claim(ctx, tx, b)
				if err != nil {
					return err
				}
				if !ok {
					// Taken between the look and the claim, by a write on
					// another connection (PostgreSQL): the claim's primary
					// key refused it, as it must.
					return s.takenError(t.Name, []occurrence{o})
				}
			}
			if err := s.publish(ctx, tx, b, "created"); err != nil {
				return err
			}
			// The audit entry last: on PostgreSQL it locks the
			// organisation's audit log until commit, and every audited
			// write of the organisation queues on that lock, so nothing
			// else should be done while holding it.
			if series == "" {
				e := audit.For(sub, "workplace.booking_create", "booking", b.ID, audit.Success)
				e.Detail = t.Name + " " + s.describe(b.Start, b.End) + " (" + status + ")"
				if err := s.audit.Record(tx, e); err != nil {
					return err
				}
			}
			res.Bookings = append(res.Bookings, b)
		}
		if series != "" {
			e := audit.For(sub, "workplace.booking_series_create", "booking_series", series, audit.Success)
			e.Detail = fmt.Sprintf("%s: %d bookings from %s (%s)", t.Name, len(res.Bookings), s.dayName(occs[0].day), status)
			return s.audit.Record(tx, e)
		}
		return nil
	})
	if err != nil {
		return BookResult{}, err
	}
	return res, nil
}

// bookDays parses the date and the repetition into the days to book.
func (s *Store) bookDays(in BookInput) ([]time.Time, error) {
	first, err := s.parseDay(in.Date)
	if err != nil {
		return nil, platform.Invalid("Check the booking", platform.FieldError{Field: "date", Message: "Enter the date as a real date, like 2026-03-02"})
	}
	if in.Repeat.Every == "" {
		return []time.Time{first}, nil
	}
	if in.Wait {
		return nil, platform.Invalid("Check the booking", platform.FieldError{Field: "repeat", Message: "Join a waiting list for one booking at a time, not a series"})
	}
	until, err := s.parseDay(in.Repeat.Until)
	if err != nil || until.Before(first) {
		return nil, platform.Invalid("Check the series", platform.FieldError{Field: "until", Message: "Enter the last date of the series, on or after the first"})
	}
	if until.After(first.AddDate(0, 0, 7*MaxSeriesWeeks)) {
		return nil, platform.Invalid("Check the series", platform.FieldError{Field: "until",
			Message: fmt.Sprintf("A series can run for up to %d weeks: end it by %s", MaxSeriesWeeks, s.dayName(first.AddDate(0, 0, 7*MaxSeriesWeeks)))})
	}
	var on []time.Weekday
	switch in.Repeat.Every {
	case RepeatDaily:
		on = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	case RepeatWeekly:
		on = in.Repeat.Weekdays
		if len(on) == 0 {
			return nil, platform.Invalid("Check the series", platform.FieldError{Field: "weekdays", Message: "Choose the days of the week to book"})
		}
	default:
		return nil, platform.Invalid("Check the series", platform.FieldError{Field: "repeat", Message: "Choose once, every weekday or weekly"})
	}
	var days []time.Time
	for d := first; !d.After(until); d = d.AddDate(0, 0, 1) {
		if slices.Contains(on, d.Weekday()) {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return nil, platform.Invalid("Check the series", platform.FieldError{Field: "weekdays", Message: "None of the chosen weekdays falls between the first and last date"})
	}
	return days, nil
}

// parseDay reads YYYY-MM-DD as local midnight.
func (s *Store) parseDay(v string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", strings.TrimSpace(v), s.opts.Location)
}

// bookingResource is a booking as the access point sees it: the booker's
// own, in their unit (for their managers).
func bookingResource(orgID, id, personID, unitID string) access.Resource {
	return access.Resource{Type: ResourceType, ID: id, OrgID: orgID, OwnerID: personID, BusinessUnit: unitID}
}

// bookerUnit is the unit a booking is made in: the neighbourhood's unit
// when the booker belongs to it, else the booker's first unit.
func bookerUnit(sub *platform.Subject, t target) string {
	if t.ZoneUnit != "" && sub.InUnit(t.ZoneUnit) {
		return t.ZoneUnit
	}
	if len(sub.BusinessUnits) > 0 {
		return sub.BusinessUnits[0]
	}
	return ""
}

// insertBooking writes one booking row.
func (s *Store) insertBooking(ctx context.Context, tx *store.Tx, b Booking) error {
	_, err := tx.Exec(ctx, `INSERT INTO workplace_bookings (id, org_id, resource_id, person_id, person_name, unit_id, start_at, end_at, status,
		series_id, title, attendees, sequence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.OrgID, b.ResourceID, b.PersonID, b.PersonName, b.UnitID, store.Millis(b.Start), store.Millis(b.End), b.Status,
		b.SeriesID, b.Title, b.Attendees, b.Sequence, store.Millis(b.CreatedAt), store.Millis(b.UpdatedAt))
	return err
}

// slots are the claim starts (unix ms) of a span.
func slots(start, end time.Time) []int64 {
	step := int64(ClaimMinutes * 60 * 1000)
	var out []int64
	for at := store.Millis(start) / step * step; at < store.Millis(end); at += step {
		out = append(out, at)
	}
	return out
}

// claim holds b's time with one claim per slot. It reports false, having
// claimed nothing, when any slot is already held: the primary key on
// (resource_id, slot_start) decides, so two writes racing on separate
// connections cannot both win. ON CONFLICT DO NOTHING (rather than a
// failing insert) keeps a PostgreSQL transaction usable afterwards.
func (s *Store) claim(ctx context.Context, tx *store.Tx, b Booking) (bool, error) {
	all := slots(b.Start, b.End)
	if tx.Dialect() == store.Postgres {
		r, err := tx.Exec(ctx, `INSERT INTO workplace_claims (resource_id, slot_start, org_id, holder_id)
			SELECT ?, unnest(?::bigint[]), ?, ? ON CONFLICT (resource_id, slot_start) DO NOTHING`, b.ResourceID, all, b.OrgID, b.ID)
		if err != nil {
			return false, err
		}
		k, err := r.RowsAffected()
		if err != nil {
			return false, err
		}
		if k < int64(len(all)) {
			_, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, b.ID)
			return false, err
		}
		return true, nil
	}
	var got int64
	for len(all) > 0 {
		n := min(len(all), 200)
		var q strings.Builder
		q.WriteString(`INSERT INTO workplace_claims (resource_id, slot_start, org_id, holder_id) VALUES `)
		args := make([]any, 0, 4*n)
		for i, at := range all[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			args = append(args, b.ResourceID, at, b.OrgID, b.ID)
		}
		q.WriteString(` ON CONFLICT (resource_id, slot_start) DO NOTHING`)
		r, err := tx.Exec(ctx, q.String(), args...)
		if err != nil {
			return false, err
		}
		k, err := r.RowsAffected()
		if err != nil {
			return false, err
		}
		got += k
		if k < int64(n) {
			break
		}
		all = all[n:]
	}
	if got < int64(len(slots(b.Start, b.End))) {
		_, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, b.ID)
		return false, err
	}
	return true, nil
}

// clashes returns the indexes of the occurrences whose time is already
// claimed on the resource.
func (s *Store) clashes(ctx context.Context, tx *store.Tx, resourceID string, occs []occurrence) ([]int, error) {
	if len(occs) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT slot_start FROM workplace_claims WHERE resource_id = ? AND slot_start >= ? AND slot_start < ? ORDER BY slot_start`,
		resourceID, store.Millis(occs[0].start)/(ClaimMinutes*60000)*(ClaimMinutes*60000), store.Millis(occs[len(occs)-1].end))
	if err != nil {
		return nil, err
	}
	var held []int64
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return nil, err
		}
		held = append(held, at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []int
	for i, o := range occs {
		for _, at := range slots(o.start, o.end) {
			if _, found := slices.BinarySearch(held, at); found {
				out = append(out, i)
				break
			}
		}
	}
	return out, nil
}

// takenError says which dates are taken, as people read them.
func (s *Store) takenError(name string, taken []occurrence) error {
	if len(taken) == 1 {
		msg := fmt.Sprintf("%s is already booked %s", name, s.describe(taken[0].start, taken[0].end))
		return &platform.Error{Code: platform.CodeConflict, Message: msg, Fields: []platform.FieldError{{Field: "date", Message: msg}}}
	}
	var days []string
	for _, o := range taken {
		days = append(days, s.dayName(o.day))
	}
	msg := fmt.Sprintf("%s is already booked on %d of the dates: %s. Choose another %s, or book the free dates only",
		name, len(taken), strings.Join(days, ", "), "time")
	return &platform.Error{Code: platform.CodeConflict, Message: msg, Fields: []platform.FieldError{{Field: "date", Message: msg}}}
}

// describe says a span as people read it: "from 09:00 to 17:00 on Monday 2 March".
func (s *Store) describe(start, end time.Time) string {
	a, b := start.In(s.opts.Location), end.In(s.opts.Location)
	return "from " + a.Format("15:04") + " to " + b.Format("15:04") + " on " + s.dayName(a)
}

// dayName is "Monday 2 March" (with the year when it is not this year's).
func (s *Store) dayName(t time.Time) string {
	t = t.In(s.opts.Location)
	if t.Year() != s.now().In(s.opts.Location).Year() {
		return t.Format("Monday 2 January 2006")
	}
	return t.Format("Monday 2 January")
}

// publish announces a change to a booking in the write that made it.
func (s *Store) publish(ctx context.Context, tx *store.Tx, b Booking, change string) error {
	if s.opts.Events == nil {
		return nil
	}
	_, err := s.opts.Events.Publish(ctx, tx, b.OrgID, EventBooking, b.ID, BookingEvent{BookingID: b.ID, Change: change})
	return err
}
