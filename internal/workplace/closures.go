package workplace

import (
	"context"
	"slices"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Closure is a day nothing can be booked: in every building or one, for
// every kind of resource or one. Bank holidays are closures too, but come
// from Options.Holiday and are not stored.
type Closure struct {
	ID         string    `json:"id,omitempty"` // empty for a bank holiday
	Day        string    `json:"day"`          // YYYY-MM-DD, local time
	Kind       string    `json:"kind,omitempty"`
	BuildingID string    `json:"building_id,omitempty"`
	Reason     string    `json:"reason"`
	Holiday    bool      `json:"bank_holiday,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
}

// ClosureInput is what a closure is made from; empty Kind and BuildingID
// close every kind and every building.
type ClosureInput struct {
	Day        string `json:"day"` // YYYY-MM-DD
	Kind       string `json:"kind,omitempty"`
	BuildingID string `json:"building_id,omitempty"`
	Reason     string `json:"reason"`
}

const dayLayout = "2006-01-02"

func (in *ClosureInput) check() error {
	in.Day, in.Reason = strings.TrimSpace(in.Day), strings.TrimSpace(in.Reason)
	var errs []platform.FieldError
	if _, err := time.Parse(dayLayout, in.Day); err != nil {
		errs = append(errs, platform.FieldError{Field: "day", Message: "Enter the day as a real date, like 2026-12-29"})
	}
	if in.Kind != "" && !slices.Contains(Kinds, in.Kind) {
		errs = append(errs, platform.FieldError{Field: "kind", Message: "Choose desks, rooms, equipment or everything"})
	}
	if in.Reason == "" || len(in.Reason) > 200 {
		errs = append(errs, platform.FieldError{Field: "reason", Message: "Enter the reason people will see, up to 200 characters, like Building closed for maintenance"})
	}
	if errs != nil {
		return platform.Invalid("Check the closure", errs...)
	}
	return nil
}

// CreateClosure closes a day for booking.
func (s *Store) CreateClosure(ctx context.Context, sub *platform.Subject, in ClosureInput) (Closure, error) {
	if err := in.check(); err != nil {
		return Closure{}, err
	}
	c := Closure{ID: platform.NewID("wcl"), Day: in.Day, Kind: in.Kind, BuildingID: in.BuildingID, Reason: in.Reason, CreatedAt: s.now()}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if in.BuildingID != "" {
			if err := inOrg(tx, "workplace_buildings", in.BuildingID, sub.OrgID, "building_id", "Choose one of the buildings in use, or every building"); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO workplace_closures (id, org_id, day, kind, building_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.ID, sub.OrgID, c.Day, c.Kind, c.BuildingID, c.Reason, store.Millis(c.CreatedAt)); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.closure_create", "workplace_closure", c.ID, audit.Success)
		e.Detail = c.Day + " " + c.Reason
		return s.audit.Record(tx, e)
	})
	return c, err
}

// DeleteClosure opens a closed day again.
func (s *Store) DeleteClosure(ctx context.Context, sub *platform.Subject, id string) error {
	return s.changed(ctx, sub, "workplace.closure_delete", "workplace_closure", id, "closure", func(tx *store.Tx) (int64, string, error) {
		n, err := affected(tx.Exec(ctx, `DELETE FROM workplace_closures WHERE id = ? AND org_id = ?`, id, sub.OrgID))
		return n, "", err
	})
}

// Closures lists the closures from one day to another (inclusive), with
// the bank holidays between them, by day.
func (s *Store) Closures(ctx context.Context, sub *platform.Subject, from, to time.Time) ([]Closure, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	fromDay, toDay := s.day(from), s.day(to)
	rows, err := s.db.Query(ctx, `SELECT id, day, kind, building_id, reason, created_at FROM workplace_closures WHERE org_id = ? AND day >= ? AND day <= ? ORDER BY day, created_at`,
		sub.OrgID, fromDay, toDay)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Closure
	for rows.Next() {
		var c Closure
		var at int64
		if err := rows.Scan(&c.ID, &c.Day, &c.Kind, &c.BuildingID, &c.Reason, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = store.Time(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.opts.Holiday != nil {
		d, _ := time.ParseInLocation(dayLayout, fromDay, s.opts.Location)
		for i := 0; i < 800 && s.day(d) <= toDay; i++ {
			if name, ok := s.opts.Holiday(d); ok {
				out = append(out, Closure{Day: s.day(d), Reason: name, Holiday: true})
			}
			d = d.AddDate(0, 0, 1)
		}
	}
	slices.SortStableFunc(out, func(a, b Closure) int { return strings.Compare(a.Day, b.Day) })
	return out, nil
}

// day is t's date where the council is.
func (s *Store) day(t time.Time) string { return t.In(s.opts.Location).Format(dayLayout) }

// Closed says whether a kind of resource in a building cannot be booked
// on a day, and why: a closure or a bank holiday. q is the database or
// the booking's own write.
func (s *Store) Closed(ctx context.Context, q querier, orgID, kind, buildingID string, day time.Time) (reason string, closed bool, err error) {
	day = day.In(s.opts.Location)
	days, err := s.closedDays(ctx, q, orgID, kind, buildingID, day, day)
	reason, closed = days[day.Format("2006-01-02")]
	return reason, closed, err
}

// closedDays returns the days from first to last (local midnights, both
// included) on which a kind of resource in a building cannot be booked,
// with the reason: the estate's closures (workplace_closures, for every
// kind or this one, every building or this one) and bank holidays
// (Options.Holiday).
func (s *Store) closedDays(ctx context.Context, q querier, orgID, kind, buildingID string, first, last time.Time) (map[string]string, error) {
	out := map[string]string{}
	rows, err := q.Query(ctx, `SELECT day, reason FROM workplace_closures WHERE org_id = ? AND day >= ? AND day <= ?
		AND (kind = '' OR kind = ?) AND (building_id = '' OR building_id = ?) ORDER BY day`,
		orgID, first.Format("2006-01-02"), last.Format("2006-01-02"), kind, buildingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var day, reason string
		if err := rows.Scan(&day, &reason); err != nil {
			return nil, err
		}
		if _, dup := out[day]; !dup {
			out[day] = "closed (" + reason + ")"
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.opts.Holiday != nil {
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			if name, ok := s.opts.Holiday(d); ok {
				out[d.Format("2006-01-02")] = "a bank holiday, " + name
			}
		}
	}
	return out, nil
}
