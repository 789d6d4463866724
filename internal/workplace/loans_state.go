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

// A loan moves reserved -> collected -> returned, or reserved ->
// cancelled. Stores (workplace managers) hand items over and take them
// back; the borrower, their unit's managers and stores may cancel a
// reservation. Each change is audited in its own write.

const loanSelect = `SELECT l.id, l.org_id, l.resource_id, r.name, r.category, r.asset_tag, l.person_id, l.person_name, l.unit_id, l.from_day, l.to_day,
	l.status, l.purpose, l.case_id, l.case_ref, l.case_item, l.collected_at, l.collected_by, l.collected_name, l.condition_out, l.returned_at,
	l.returned_by, l.condition_in, l.damaged, l.reminders, l.created_by, l.created_at, l.updated_at
	FROM workplace_loans l JOIN workplace_resources r ON r.id = l.resource_id`

func scanLoan(row interface{ Scan(...any) error }) (Loan, error) {
	var l Loan
	var collected, returned, created, updated int64
	var damaged int
	err := row.Scan(&l.ID, &l.OrgID, &l.ResourceID, &l.ResourceName, &l.Category, &l.AssetTag, &l.PersonID, &l.PersonName, &l.UnitID, &l.From, &l.To,
		&l.Status, &l.Purpose, &l.CaseID, &l.CaseRef, &l.CaseItem, &collected, &l.CollectedBy, &l.CollectedName, &l.ConditionOut, &returned,
		&l.ReturnedBy, &l.ConditionIn, &damaged, &l.Reminders, &l.CreatedBy, &created, &updated)
	if collected > 0 {
		l.CollectedAt = store.Time(collected)
	}
	if returned > 0 {
		l.ReturnedAt = store.Time(returned)
	}
	l.Damaged, l.CreatedAt, l.UpdatedAt = damaged == 1, store.Time(created), store.Time(updated)
	return l, err
}

// loadLoan reads a loan of the organisation inside a write.
func loadLoan(ctx context.Context, tx *store.Tx, orgID, id string) (Loan, error) {
	l, err := scanLoan(tx.QueryRow(ctx, loanSelect+` WHERE l.id = ? AND l.org_id = ?`, id, orgID))
	if store.IsNoRows(err) {
		return Loan{}, platform.NotFound("loan")
	}
	return l, err
}

// Loan finds one loan: its borrower, their unit's managers and workplace
// managers read it.
func (a *Assets) Loan(ctx context.Context, sub *platform.Subject, id string) (Loan, error) {
	l, err := scanLoan(a.db.QueryRow(ctx, loanSelect+` WHERE l.id = ? AND l.org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Loan{}, platform.NotFound("loan")
	}
	if err != nil {
		return Loan{}, err
	}
	if err := a.access.Check(ctx, sub, access.Read, loanResource(l.OrgID, l.ID, l.PersonID, l.UnitID)); err != nil {
		return Loan{}, err
	}
	return l, nil
}

// checkNote trims a condition note and bounds it.
func checkNote(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) > 2000 {
		return "", platform.Invalid("Check the notes", platform.FieldError{Field: field, Message: "Write the condition notes in 2,000 characters or fewer"})
	}
	return v, nil
}

// changeLoan loads a loan in a write, checks its state and who may change
// it, and runs fn; nothing is written if any of it fails.
func (a *Assets) changeLoan(ctx context.Context, sub *platform.Subject, id, action string, keepersOnly bool, from []string,
	fn func(tx *store.Tx, l *Loan) error) (Loan, error) {
	var l Loan
	err := a.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if l, err = loadLoan(ctx, tx, sub.OrgID, id); err != nil {
			return err
		}
		if keepersOnly {
			err = a.mayKeep(tx, sub)
		} else {
			err = a.access.CheckTx(tx, sub, access.Update, loanResource(l.OrgID, l.ID, l.PersonID, l.UnitID))
		}
		if err != nil {
			return err
		}
		ok := false
		for _, s := range from {
			ok = ok || l.Status == s
		}
		if !ok {
			return platform.Errorf(platform.CodeConflict, "The loan of %s is %s, so it cannot be %s", l.ResourceName, l.Status, action)
		}
		if err := fn(tx, &l); err != nil {
			return err
		}
		l.UpdatedAt = a.now()
		if _, err := tx.Exec(ctx, `UPDATE workplace_loans SET status = ?, from_day = ?, collected_at = ?, collected_by = ?, collected_name = ?, condition_out = ?,
			returned_at = ?, returned_by = ?, condition_in = ?, damaged = ?, updated_at = ? WHERE id = ?`,
			l.Status, l.From, millisOrZero(l.CollectedAt), l.CollectedBy, l.CollectedName, l.ConditionOut, millisOrZero(l.ReturnedAt), l.ReturnedBy,
			l.ConditionIn, b2i(l.Damaged), store.Millis(l.UpdatedAt), l.ID); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.loan_"+strings.ReplaceAll(action, " ", "_"), "workplace_loan", l.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s for %s", l.ResourceName, l.PersonName)
		return a.audit.Record(tx, e)
	})
	return l, err
}

func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return store.Millis(t)
}

// Collect records that stores handed the item over, with its condition.
// An item is collected on or after its loan's first day.
func (a *Assets) Collect(ctx context.Context, sub *platform.Subject, id, conditionOut string) (Loan, error) {
	note, err := checkNote("condition_out", conditionOut)
	if err != nil {
		return Loan{}, err
	}
	return a.changeLoan(ctx, sub, id, "collected", true, []string{LoanReserved}, func(tx *store.Tx, l *Loan) error {
		if today := a.todayDate(); l.From > today {
			// Collected early: the loan starts today if the days before
			// its first are free.
			from, _ := a.loanDay(l.From)
			now, _ := a.loanDay(today)
			ok, err := a.claimDays(ctx, tx, *l, l.ResourceID, a.dayStarts(now, from.AddDate(0, 0, -1)))
			if err != nil {
				return err
			}
			if !ok {
				return platform.Errorf(platform.CodeConflict, "%s has another loan before %s: it can be collected from that day", l.ResourceName, dayText(from))
			}
			l.From = today
		}
		l.Status, l.CollectedAt, l.CollectedBy, l.CollectedName, l.ConditionOut = LoanCollected, a.now(), sub.UserID, sub.Name, note
		return nil
	})
}

// Return records the item's return, its condition and any damage. Days
// still ahead are given back so others can reserve the item at once.
func (a *Assets) Return(ctx context.Context, sub *platform.Subject, id, conditionIn string, damaged bool) (Loan, error) {
	note, err := checkNote("condition_in", conditionIn)
	if err != nil {
		return Loan{}, err
	}
	if damaged && note == "" {
		return Loan{}, platform.Invalid("Check the return", platform.FieldError{Field: "condition_in", Message: "Say what the damage is"})
	}
	return a.changeLoan(ctx, sub, id, "returned", true, []string{LoanCollected}, func(tx *store.Tx, l *Loan) error {
		l.Status, l.ReturnedAt, l.ReturnedBy, l.ConditionIn, l.Damaged = LoanReturned, a.now(), sub.UserID, note, damaged
		return a.freeDaysAfterToday(ctx, tx, l.ID)
	})
}

// freeDaysAfterToday gives back the days of a loan after today's.
func (a *Assets) freeDaysAfterToday(ctx context.Context, tx *store.Tx, loanID string) error {
	today, _ := a.loanDay(a.todayDate())
	_, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ? AND slot_start > ?`, loanID, today.UnixMilli())
	return err
}

// Cancel withdraws a reservation not yet collected and frees its days.
// The borrower, their unit's managers and workplace managers may.
func (a *Assets) Cancel(ctx context.Context, sub *platform.Subject, id string) (Loan, error) {
	return a.changeLoan(ctx, sub, id, "cancelled", false, []string{LoanReserved}, func(tx *store.Tx, l *Loan) error {
		l.Status = LoanCancelled
		_, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, l.ID)
		return err
	})
}

// Loan views, for LoanFilter.View.
const (
	ViewAll      = ""         // every loan, newest first
	ViewDue      = "due"      // reserved, first day today or earlier: to hand over
	ViewUpcoming = "upcoming" // reserved for later days
	ViewOut      = "out"      // collected, not yet due back
	ViewOverdue  = "overdue"  // collected, past the last day
	ViewReturned = "returned"
)

// LoanFilter narrows a list of loans.
type LoanFilter struct {
	View     string
	PersonID string // only this borrower's
	CaseID   string
	After    string // cursor: LoanPage.Next
	Limit    int    // default 50, at most 200
}

// LoanPage is one page of loans.
type LoanPage struct {
	Loans []Loan
	Next  string // the cursor of the next page; empty at the end
}

// Loans lists loans, latest first day first. Workplace managers and
// administrators see everyone's; anyone else sees their own.
func (a *Assets) Loans(ctx context.Context, sub *platform.Subject, f LoanFilter) (LoanPage, error) {
	if err := a.mayRead(ctx, sub); err != nil {
		return LoanPage{}, err
	}
	q, args := loanSelect+` WHERE l.org_id = ?`, []any{sub.OrgID}
	if !CanKeep(sub) {
		f.PersonID = sub.UserID
	}
	if f.PersonID != "" {
		q, args = q+` AND l.person_id = ?`, append(args, f.PersonID)
	}
	if f.CaseID != "" {
		q, args = q+` AND l.case_id = ? AND l.case_id <> ''`, append(args, f.CaseID)
	}
	today := a.todayDate()
	switch f.View {
	case ViewAll:
	case ViewDue:
		q, args = q+` AND l.status = ? AND l.from_day <= ?`, append(args, LoanReserved, today)
	case ViewUpcoming:
		q, args = q+` AND l.status = ? AND l.from_day > ?`, append(args, LoanReserved, today)
	case ViewOut:
		q, args = q+` AND l.status = ? AND l.to_day >= ?`, append(args, LoanCollected, today)
	case ViewOverdue:
		q, args = q+` AND l.status = ? AND l.to_day < ?`, append(args, LoanCollected, today)
	case ViewReturned:
		q, args = q+` AND l.status = ?`, append(args, LoanReturned)
	default:
		return LoanPage{}, platform.Invalid("Check the list", platform.FieldError{Field: "view", Message: "Choose due, upcoming, out, overdue or returned"})
	}
	if f.After != "" {
		day, id, ok := strings.Cut(f.After, "|")
		if !ok {
			return LoanPage{}, platform.Invalid("Check the list", platform.FieldError{Field: "cursor", Message: "is not a cursor from this list"})
		}
		q, args = q+` AND (l.from_day < ? OR (l.from_day = ? AND l.id < ?))`, append(args, day, day, id)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	rows, err := a.db.Query(ctx, q+` ORDER BY l.from_day DESC, l.id DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return LoanPage{}, err
	}
	defer rows.Close()
	var p LoanPage
	for rows.Next() {
		l, err := scanLoan(rows)
		if err != nil {
			return LoanPage{}, err
		}
		p.Loans = append(p.Loans, l)
	}
	if len(p.Loans) > f.Limit {
		last := p.Loans[f.Limit-1]
		p.Loans, p.Next = p.Loans[:f.Limit], last.From+"|"+last.ID
	}
	return p, rows.Err()
}

// Today is the local date the loans are judged by (YYYY-MM-DD).
func (a *Assets) Today() string { return a.todayDate() }
