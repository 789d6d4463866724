package workplace

import (
	"context"
	"database/sql"
	"slices"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// How a kind of resource is booked.
const (
	ByDay     = "day"     // whole days
	ByHalfDay = "halfday" // mornings and afternoons
	BySlot    = "slot"    // time slots of SlotMinutes
)

// Rules say how one kind of resource is booked in an organisation.
type Rules struct {
	Kind           string `json:"kind"`
	MaxDaysAhead   int    `json:"max_days_ahead"` // how far ahead a booking may start
	MaxActive      int    `json:"max_active"`     // bookings one person may hold at once
	Granularity    string `json:"granularity"`    // day, halfday or slot
	SlotMinutes    int    `json:"slot_minutes"`   // for BySlot: 15, 30 or 60
	OpensMinute    int    `json:"opens_minute"`   // minutes after midnight, local time
	ClosesMinute   int    `json:"closes_minute"`
	NeedsApproval  bool   `json:"needs_approval"` // a manager of the booker's unit approves each booking
	AllowRecurring bool   `json:"allow_recurring"`
	GraceMinutes   int    `json:"grace_minutes"` // no check-in this long after the start: released
}

// DefaultRules are the rules of a kind nobody has changed: desks by the
// day up to two weeks ahead, rooms in half-hour slots up to three months
// ahead, equipment by the day up to a month ahead.
func DefaultRules(kind string) Rules {
	switch kind {
	case KindRoom:
		return Rules{Kind: kind, MaxDaysAhead: 90, MaxActive: 20, Granularity: BySlot, SlotMinutes: 30, OpensMinute: 8 * 60, ClosesMinute: 18 * 60, AllowRecurring: true, GraceMinutes: 15}
	case KindEquipment:
		return Rules{Kind: kind, MaxDaysAhead: 30, MaxActive: 3, Granularity: ByDay, SlotMinutes: 0, OpensMinute: 8 * 60, ClosesMinute: 18 * 60, GraceMinutes: 0}
	}
	return Rules{Kind: KindDesk, MaxDaysAhead: 14, MaxActive: 10, Granularity: ByDay, OpensMinute: 8 * 60, ClosesMinute: 18 * 60, AllowRecurring: true, GraceMinutes: 60}
}

func (r *Rules) check() error {
	var errs []platform.FieldError
	if !slices.Contains(Kinds, r.Kind) {
		errs = append(errs, platform.FieldError{Field: "kind", Message: "Choose desk, room or equipment"})
	}
	if r.MaxDaysAhead < 0 || r.MaxDaysAhead > 730 {
		errs = append(errs, platform.FieldError{Field: "max_days_ahead", Message: "Enter how many days ahead people may book, from 0 to 730"})
	}
	if r.MaxActive < 1 || r.MaxActive > 1000 {
		errs = append(errs, platform.FieldError{Field: "max_active", Message: "Enter how many bookings one person may hold, from 1 to 1000"})
	}
	if !slices.Contains([]string{ByDay, ByHalfDay, BySlot}, r.Granularity) {
		errs = append(errs, platform.FieldError{Field: "granularity", Message: "Choose whole days, half days or time slots"})
	}
	if r.Granularity == BySlot && !slices.Contains([]int{15, 30, 60}, r.SlotMinutes) {
		errs = append(errs, platform.FieldError{Field: "slot_minutes", Message: "Choose slots of 15, 30 or 60 minutes"})
	}
	if r.OpensMinute < 0 || r.ClosesMinute > 24*60 || r.OpensMinute >= r.ClosesMinute {
		errs = append(errs, platform.FieldError{Field: "opens", Message: "Enter opening and closing times in one day, opening first"})
	}
	if r.GraceMinutes < 0 || r.GraceMinutes > 24*60 {
		errs = append(errs, platform.FieldError{Field: "grace_minutes", Message: "Enter the minutes to wait for a check-in, from 0 (never release) to 1440"})
	}
	if errs != nil {
		return platform.Invalid("Check the booking rules", errs...)
	}
	return nil
}

// RulesFor returns the rules for a kind of resource in sub's organisation.
func (s *Store) RulesFor(ctx context.Context, sub *platform.Subject, kind string) (Rules, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Rules{}, err
	}
	return s.rules(ctx, s.db, sub.OrgID, kind)
}

// rowQuerier is what both *store.DB and *store.Tx offer, so rules can
// be read inside a booking's write.
type rowQuerier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// rules reads the organisation's rules for a kind, or the defaults.
func (s *Store) rules(ctx context.Context, q rowQuerier, orgID, kind string) (Rules, error) {
	r := Rules{Kind: kind}
	var approval, recurring int
	err := q.QueryRow(ctx, `SELECT max_days_ahead, max_active, granularity, slot_minutes, opens_minute, closes_minute, needs_approval, allow_recurring, grace_minutes
		FROM workplace_rules WHERE org_id = ? AND kind = ?`, orgID, kind).Scan(&r.MaxDaysAhead, &r.MaxActive, &r.Granularity, &r.SlotMinutes,
		&r.OpensMinute, &r.ClosesMinute, &approval, &recurring, &r.GraceMinutes)
	if store.IsNoRows(err) {
		return DefaultRules(kind), nil
	}
	r.NeedsApproval, r.AllowRecurring = approval == 1, recurring == 1
	return r, err
}

// SaveRules changes how a kind of resource is booked. Bookings already
// made stand; the rules apply to new bookings and changes.
func (s *Store) SaveRules(ctx context.Context, sub *platform.Subject, r Rules) error {
	if err := r.check(); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workplace_rules WHERE org_id = ? AND kind = ?`, sub.OrgID, r.Kind); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO workplace_rules (org_id, kind, max_days_ahead, max_active, granularity, slot_minutes, opens_minute, closes_minute,
			needs_approval, allow_recurring, grace_minutes, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sub.OrgID, r.Kind, r.MaxDaysAhead, r.MaxActive, r.Granularity, r.SlotMinutes, r.OpensMinute, r.ClosesMinute,
			b2i(r.NeedsApproval), b2i(r.AllowRecurring), r.GraceMinutes, store.Millis(s.now()))
		if err != nil {
			return err
		}
		e := audit.For(sub, "workplace.rules_update", "workplace_rules", r.Kind, audit.Success)
		return s.audit.Record(tx, e)
	})
}

// AllRules returns the rules for every kind, in the order of Kinds.
func (s *Store) AllRules(ctx context.Context, sub *platform.Subject) ([]Rules, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	out := make([]Rules, 0, len(Kinds))
	for _, k := range Kinds {
		r, err := s.rules(ctx, s.db, sub.OrgID, k)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Check says what is wrong with the rules without saving them.
func (r Rules) Check() error { return r.check() }
