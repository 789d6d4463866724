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

// Equipment loans: a laptop, headset or monitor lent to one person for
// whole days. A loan holds its item's days in workplace_claims, one row
// per day (slot_start is the day's local midnight), in the same write as
// the loan, so the claims' primary key makes lending one item twice on a
// day impossible on either engine and however many nodes run.

// Loan states.
const (
	LoanReserved  = "reserved"  // booked for the future (or today), not yet handed over
	LoanCollected = "collected" // out with the borrower
	LoanReturned  = "returned"
	LoanCancelled = "cancelled"
)

// Loan is one piece of equipment lent to one person.
type Loan struct {
	ID           string `json:"id"`
	OrgID        string `json:"org_id"`
	ResourceID   string `json:"resource_id"`
	ResourceName string `json:"resource_name"`
	Category     string `json:"category"`
	AssetTag     string `json:"asset_tag,omitempty"`
	PersonID     string `json:"person_id"`
	PersonName   string `json:"person_name"`
	UnitID       string `json:"business_unit_id,omitempty"`
	// From and To are local dates (YYYY-MM-DD), To inclusive.
	From    string `json:"from"`
	To      string `json:"to"`
	Status  string `json:"status"`
	Purpose string `json:"purpose,omitempty"`
	// The equipment collection request it serves, if any.
	CaseID        string    `json:"case_id,omitempty"`
	CaseRef       string    `json:"case_reference,omitempty"`
	CaseItem      string    `json:"case_item,omitempty"`
	CollectedAt   time.Time `json:"collected_at,omitzero"`
	CollectedBy   string    `json:"collected_by,omitempty"` // who handed it over
	CollectedName string    `json:"collected_by_name,omitempty"`
	ConditionOut  string    `json:"condition_out,omitempty"`
	ReturnedAt    time.Time `json:"returned_at,omitzero"`
	ReturnedBy    string    `json:"returned_by,omitempty"`
	ConditionIn   string    `json:"condition_in,omitempty"`
	Damaged       bool      `json:"damaged,omitempty"`
	Reminders     int       `json:"reminders,omitempty"` // overdue reminders sent
	CreatedBy     string    `json:"created_by,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Active reports whether the loan holds its item's days.
func (l Loan) Active() bool { return l.Status == LoanReserved || l.Status == LoanCollected }

// Overdue reports whether the loan is out past its last day on today.
func (l Loan) Overdue(today string) bool { return l.Status == LoanCollected && l.To < today }

// Assets is the store's equipment loans and device inventory. It names
// borrowers and device owners through the directory (platform.Directory,
// which identity implements).
type Assets struct {
	*Store
	people People
}

// People is the part of platform.Directory loans and devices need.
type People interface {
	Person(ctx context.Context, s *platform.Subject, id string) (platform.Person, error)
	SearchPeople(ctx context.Context, s *platform.Subject, q platform.PeopleQuery) (platform.PeoplePage, error)
}

// Assets returns the loans and devices of the store.
func (s *Store) Assets(people People) *Assets { return &Assets{Store: s, people: people} }

// LoanInput is a reservation: one item, or any free item of a category.
type LoanInput struct {
	ResourceID string `json:"resource_id,omitempty"` // this item; or
	Category   string `json:"category,omitempty"`    // any free item of this category
	PersonID   string `json:"person_id,omitempty"`   // the borrower; empty: the one asking
	From       string `json:"from"`                  // YYYY-MM-DD
	To         string `json:"to"`                    // YYYY-MM-DD, inclusive; empty: From
	Purpose    string `json:"purpose,omitempty"`
	// AlreadyOut records a loan stores made before it was recorded here
	// (workplace managers only): it may start in the past and is
	// collected from the start.
	AlreadyOut bool `json:"already_out,omitempty"`
	// Set by the equipment collection service's events.
	CaseID, CaseRef, CaseItem string `json:"-"`
}

// maxLoanDays bounds one loan: a year of claims is 366 rows.
const maxLoanDays = 366

// loanDay parses a local date.
func (s *Store) loanDay(v string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v), s.opts.Location)
	return t, err == nil
}

// todayDate is the local date now.
func (s *Store) todayDate() string { return s.now().In(s.opts.Location).Format(time.DateOnly) }

// dayStarts are the local midnights of each day from from to to, as unix
// ms: the claims a loan holds. Days are counted by the calendar, so a
// clock change (a 23- or 25-hour day) moves nothing.
func (s *Store) dayStarts(from, to time.Time) []int64 {
	var out []int64
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, s.opts.Location).UnixMilli())
	}
	return out
}

func (in *LoanInput) check(s *Store, keeper bool, r Rules) (from, to time.Time, err error) {
	in.ResourceID, in.Category, in.Purpose = strings.TrimSpace(in.ResourceID), strings.ToLower(strings.TrimSpace(in.Category)), strings.TrimSpace(in.Purpose)
	if in.To == "" {
		in.To = in.From
	}
	var errs []platform.FieldError
	if in.ResourceID == "" && in.Category == "" {
		errs = append(errs, platform.FieldError{Field: "resource_id", Message: "Choose an item, or a kind of equipment for any free one"})
	}
	from, okFrom := s.loanDay(in.From)
	to, okTo := s.loanDay(in.To)
	today, _ := s.loanDay(s.todayDate())
	switch {
	case !okFrom:
		errs = append(errs, platform.FieldError{Field: "from", Message: "Enter the first day as a date, like 2026-03-09"})
	case in.AlreadyOut && !keeper:
		errs = append(errs, platform.FieldError{Field: "from", Message: "Only stores record a loan already out"})
	case from.Before(today) && !in.AlreadyOut:
		errs = append(errs, platform.FieldError{Field: "from", Message: "The first day must be today or later"})
	case !keeper && from.After(today.AddDate(0, 0, r.MaxDaysAhead)):
		errs = append(errs, platform.FieldError{Field: "from", Message: fmt.Sprintf("Equipment can be reserved up to %d days ahead", r.MaxDaysAhead)})
	}
	switch {
	case !okTo:
		errs = append(errs, platform.FieldError{Field: "to", Message: "Enter the last day as a date, like 2026-03-13"})
	case okFrom && to.Before(from):
		errs = append(errs, platform.FieldError{Field: "to", Message: "The last day must be the same as or after the first"})
	case okFrom && to.After(from.AddDate(0, 0, maxLoanDays-1)):
		errs = append(errs, platform.FieldError{Field: "to", Message: fmt.Sprintf("A loan can last at most %d days", maxLoanDays)})
	}
	if len(in.Purpose) > 500 {
		errs = append(errs, platform.FieldError{Field: "purpose", Message: "Say what it is for in 500 characters or fewer"})
	}
	if errs != nil {
		return from, to, platform.Invalid("Check the reservation", errs...)
	}
	in.From, in.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	return from, to, nil
}

// loanResource is how a loan is named to the access point: its borrower
// owns it, and their unit's managers act for them.
func loanResource(orgID, id, personID, unitID string) access.Resource {
	return access.Resource{Type: ResourceType, ID: id, OrgID: orgID, OwnerID: personID, BusinessUnit: unitID}
}

// Reserve books equipment for a person for whole days. Staff reserve for
// themselves within the equipment rules (how far ahead, how many at
// once); managers of the person's unit reserve for their staff within the
// same rules; workplace managers and administrators lend to anyone, past
// the rules. Nothing is written when it is refused; a clash names the
// item and the day that is taken.
func (a *Assets) Reserve(ctx context.Context, sub *platform.Subject, in LoanInput) (Loan, error) {
	if err := a.mayRead(ctx, sub); err != nil {
		return Loan{}, err // not staff
	}
	if in.PersonID == "" {
		in.PersonID = sub.UserID
	}
	if in.PersonID == "" {
		return Loan{}, platform.Invalid("Check the reservation", platform.FieldError{Field: "person_id", Message: "Choose who borrows it"})
	}
	person, err := a.staffMember(ctx, sub.OrgID, in.PersonID)
	if err != nil {
		return Loan{}, err
	}
	keeper := CanKeep(sub)
	var l Loan
	err = a.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		l, err = a.reserve(ctx, tx, sub, keeper, person, in)
		return err
	})
	return l, err
}

// reserve is Reserve inside a write.
func (a *Assets) reserve(ctx context.Context, tx *store.Tx, sub *platform.Subject, keeper bool, person platform.Person, in LoanInput) (Loan, error) {
	unit := ""
	if len(person.Units) > 0 {
		unit = person.Units[0]
	}
	l := Loan{ID: platform.NewID("lon"), OrgID: sub.OrgID, PersonID: person.ID, PersonName: person.Name, UnitID: unit, Status: LoanReserved,
		CaseID: in.CaseID, CaseRef: in.CaseRef, CaseItem: in.CaseItem, CreatedBy: sub.UserID, CreatedAt: a.now()}
	l.UpdatedAt = l.CreatedAt
	if err := a.access.CheckTx(tx, sub, access.Create, loanResource(sub.OrgID, l.ID, person.ID, unit)); err != nil {
		return Loan{}, err
	}
	r, err := a.rules(ctx, tx, sub.OrgID, KindEquipment)
	if err != nil {
		return Loan{}, err
	}
	from, to, err := in.check(a.Store, keeper, r)
	if err != nil {
		return Loan{}, err
	}
	l.From, l.To, l.Purpose = in.From, in.To, in.Purpose
	if in.AlreadyOut {
		if from.After(today(a.Store)) {
			return Loan{}, platform.Invalid("Check the reservation", platform.FieldError{Field: "from", Message: "A loan already out started today or earlier"})
		}
		// Handed over on its first day, at opening, as far as anyone knows:
		// recording it as now made a loan that ended last week read
		// "Handed over today".
		out := from.Add(time.Duration(r.OpensMinute) * time.Minute)
		if out.After(l.CreatedAt) {
			out = l.CreatedAt
		}
		l.Status, l.CollectedAt, l.CollectedBy, l.CollectedName = LoanCollected, out, sub.UserID, sub.Name
	}
	if !keeper {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_loans WHERE org_id = ? AND person_id = ? AND status IN ('reserved', 'collected')`,
			sub.OrgID, person.ID).Scan(&n); err != nil {
			return Loan{}, err
		}
		if n >= r.MaxActive {
			who := person.Name + " already has"
			if person.ID == sub.UserID {
				who = "You already have"
			}
			items := "items"
			if n == 1 {
				items = "item"
			}
			// With the limit, so the borrower knows how many to give up.
			return Loan{}, platform.Invalid("Check the reservation", platform.FieldError{Field: "resource_id",
				Message: fmt.Sprintf("%s %d %s reserved or out, and one person may have %d at once: cancel a reservation or return an item first", who, n, items, r.MaxActive)})
		}
	}
	days := a.dayStarts(from, to)
	var candidates []Resource
	if in.ResourceID != "" {
		res, err := scanResource(tx.QueryRow(ctx, `SELECT `+resourceColumns+` FROM workplace_resources WHERE id = ? AND org_id = ?`, in.ResourceID, sub.OrgID))
		if store.IsNoRows(err) || (err == nil && (res.Kind != KindEquipment || !res.Active)) {
			return Loan{}, platform.Invalid("Check the reservation", platform.FieldError{Field: "resource_id", Message: "Choose one of the items of equipment"})
		}
		if err != nil {
			return Loan{}, err
		}
		candidates = []Resource{res}
	} else {
		// Items of the category free on every day, first by name; the
		// claims decide in the end, as another reservation may take one
		// between this read and the insert.
		rows, err := tx.Query(ctx, `SELECT `+resourceColumns+` FROM workplace_resources r WHERE org_id = ? AND kind = ? AND active = 1 AND LOWER(category) = ?
			AND NOT EXISTS (SELECT 1 FROM workplace_claims c WHERE c.resource_id = r.id AND c.slot_start BETWEEN ? AND ?) ORDER BY name LIMIT 20`,
			sub.OrgID, KindEquipment, in.Category, days[0], days[len(days)-1])
		if err != nil {
			return Loan{}, err
		}
		for rows.Next() {
			res, err := scanResource(rows)
			if err != nil {
				rows.Close()
				return Loan{}, err
			}
			candidates = append(candidates, res)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Loan{}, err
		}
		if len(candidates) == 0 {
			return Loan{}, platform.Errorf(platform.CodeConflict, "No %s is free from %s to %s: choose other days or another kind of equipment", in.Category, dayText(from), dayText(to))
		}
	}
	var clash error
	for _, res := range candidates {
		ok, err := a.claimDays(ctx, tx, l, res.ID, days)
		if err != nil {
			return Loan{}, err
		}
		if ok {
			l.ResourceID, l.ResourceName, l.Category, l.AssetTag = res.ID, res.Name, res.Category, res.AssetTag
			clash = nil
			break
		}
		clash, err = a.clashError(ctx, tx, res, days)
		if err != nil {
			return Loan{}, err
		}
	}
	if clash != nil {
		return Loan{}, clash
	}
	_, err = tx.Exec(ctx, `INSERT INTO workplace_loans (id, org_id, resource_id, person_id, person_name, unit_id, from_day, to_day, status, purpose,
		case_id, case_ref, case_item, collected_at, collected_by, collected_name, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.OrgID, l.ResourceID, l.PersonID, l.PersonName, l.UnitID, l.From, l.To, l.Status, l.Purpose,
		l.CaseID, l.CaseRef, l.CaseItem, millisOrZero(l.CollectedAt), l.CollectedBy, l.CollectedName, l.CreatedBy, store.Millis(l.CreatedAt), store.Millis(l.UpdatedAt))
	if store.IsUniqueViolation(err) && l.CaseID != "" {
		return Loan{}, platform.Errorf(platform.CodeConflict, "The request %s already has its %s reserved", l.CaseRef, l.CaseItem)
	}
	if err != nil {
		return Loan{}, err
	}
	e := audit.For(sub, "workplace.loan_reserve", "workplace_loan", l.ID, audit.Success)
	e.Detail = fmt.Sprintf("%s for %s, %s to %s", l.ResourceName, l.PersonName, l.From, l.To)
	return l, a.audit.Record(tx, e)
}

// claimDays claims each day for the loan, all or none: it reports false
// (having taken back what it took) when another loan holds any of them.
// ON CONFLICT DO NOTHING lets a clash be seen without aborting the
// transaction on PostgreSQL, so "any laptop" can try the next one.
func (a *Assets) claimDays(ctx context.Context, tx *store.Tx, l Loan, resourceID string, days []int64) (bool, error) {
	var b strings.Builder
	args := make([]any, 0, 4*len(days))
	b.WriteString(`INSERT INTO workplace_claims (resource_id, slot_start, org_id, holder_id) VALUES `)
	for i, d := range days {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
		args = append(args, resourceID, d, l.OrgID, l.ID)
	}
	b.WriteString(` ON CONFLICT DO NOTHING`)
	res, err := tx.Exec(ctx, b.String(), args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if int(n) == len(days) {
		return true, nil
	}
	_, err = tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ? AND resource_id = ? AND slot_start BETWEEN ? AND ?`,
		l.ID, resourceID, days[0], days[len(days)-1])
	return false, err
}

// clashError names the item and the first of the days someone else holds.
func (a *Assets) clashError(ctx context.Context, tx *store.Tx, res Resource, days []int64) (error, error) {
	var at int64
	var holder string
	err := tx.QueryRow(ctx, `SELECT slot_start, holder_id FROM workplace_claims WHERE resource_id = ? AND slot_start BETWEEN ? AND ? ORDER BY slot_start LIMIT 1`,
		res.ID, days[0], days[len(days)-1]).Scan(&at, &holder)
	if err != nil && !store.IsNoRows(err) {
		return nil, err
	}
	name := res.Name
	if res.AssetTag != "" {
		name += " (" + res.AssetTag + ")"
	}
	what := "another loan"
	if strings.HasPrefix(holder, "bkg_") {
		what = "a booking"
	}
	return platform.Errorf(platform.CodeConflict, "%s is already taken by %s on %s: choose other days or another item",
		name, what, dayText(time.UnixMilli(at).In(a.opts.Location))), nil
}

// dayText is a date as pages write it: Monday 9 March 2026.
func today(s *Store) time.Time {
	t, _ := s.loanDay(s.todayDate())
	return t
}

func dayText(t time.Time) string { return t.Format("Monday 2 January 2006") }

// staffMember finds a member of staff of the organisation to lend to or
// assign a device to.
func (a *Assets) staffMember(ctx context.Context, orgID, id string) (platform.Person, error) {
	p, err := a.people.Person(ctx, platform.System(orgID), id)
	if platform.CodeOf(err) == platform.CodeNotFound || (err == nil && (!p.IsStaff() || p.OrgID != orgID)) {
		return platform.Person{}, platform.Invalid("Check the person", platform.FieldError{Field: "person_id", Message: "Choose a member of staff"})
	}
	return p, err
}
