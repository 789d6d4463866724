package workplace

import (
	"context"
	"fmt"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// The daily loans run: borrowers of overdue items are reminded once a
// day, a limited number of times (after that stores chase them in
// person, from the overdue list), and reservations nobody collected by
// their last day lapse, giving their days back.

// Reminder is an overdue reminder to send: the loan and which reminder
// of the limit this is (1 for the first).
type Reminder struct {
	Loan   Loan
	Number int
}

// DailyRun is what a daily run did.
type DailyRun struct {
	Reminded int // reminders queued
	Lapsed   int // reservations never collected, cancelled
}

// RunDaily reminds the borrowers of overdue loans, in every organisation,
// at most once a day and at most maxReminders times in all, and lapses
// reservations past their last day. send is called inside the write that
// counts the reminder (to enqueue its email, say), so a reminder is
// counted exactly when it is queued. Running it twice on one day sends
// nothing twice.
func (a *Assets) RunDaily(ctx context.Context, maxReminders int, send func(tx *store.Tx, r Reminder) error) (DailyRun, error) {
	var run DailyRun
	today := a.todayDate()
	err := a.db.Write(ctx, func(tx *store.Tx) error {
		run = DailyRun{}
		rows, err := tx.Query(ctx, loanSelect+` WHERE l.status = ? AND l.to_day < ? AND l.reminders < ? AND l.reminded_day < ? ORDER BY l.org_id, l.to_day`,
			LoanCollected, today, maxReminders, today)
		if err != nil {
			return err
		}
		var due []Loan
		for rows.Next() {
			l, err := scanLoan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, l := range due {
			l.Reminders++
			if _, err := tx.Exec(ctx, `UPDATE workplace_loans SET reminders = ?, reminded_day = ? WHERE id = ?`, l.Reminders, today, l.ID); err != nil {
				return err
			}
			e := audit.For(platform.System(l.OrgID), "workplace.loan_remind", "workplace_loan", l.ID, audit.Success)
			e.Detail = fmt.Sprintf("reminder %d of %d to %s: %s was due back after %s", l.Reminders, maxReminders, l.PersonName, l.ResourceName, l.To)
			if err := a.audit.Record(tx, e); err != nil {
				return err
			}
			if err := send(tx, Reminder{Loan: l, Number: l.Reminders}); err != nil {
				return err
			}
			run.Reminded++
		}
		lapsed, err := tx.Query(ctx, `SELECT id, org_id FROM workplace_loans WHERE status = ? AND to_day < ?`, LoanReserved, today)
		if err != nil {
			return err
		}
		var ids [][2]string
		for lapsed.Next() {
			var id, org string
			if err := lapsed.Scan(&id, &org); err != nil {
				lapsed.Close()
				return err
			}
			ids = append(ids, [2]string{id, org})
		}
		lapsed.Close()
		if err := lapsed.Err(); err != nil {
			return err
		}
		for _, x := range ids {
			if _, err := tx.Exec(ctx, `UPDATE workplace_loans SET status = ?, updated_at = ? WHERE id = ?`, LoanCancelled, store.Millis(a.now()), x[0]); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM workplace_claims WHERE holder_id = ?`, x[0]); err != nil {
				return err
			}
			e := audit.For(platform.System(x[1]), "workplace.loan_lapse", "workplace_loan", x[0], audit.Success)
			e.Detail = "not collected by its last day"
			if err := a.audit.Record(tx, e); err != nil {
				return err
			}
			run.Lapsed++
		}
		return nil
	})
	return run, err
}

// LoanForSystem reads a loan for the platform's own work (sending its
// reminder), with no person asking.
func (a *Assets) LoanForSystem(ctx context.Context, orgID, id string) (Loan, error) {
	l, err := scanLoan(a.db.QueryRow(ctx, loanSelect+` WHERE l.id = ? AND l.org_id = ?`, id, orgID))
	if store.IsNoRows(err) {
		return Loan{}, platform.NotFound("loan")
	}
	return l, err
}

// LoansForCase lists the loans made for an equipment collection request,
// for the platform's own work (following the request), oldest first.
func (a *Assets) LoansForCase(ctx context.Context, orgID, caseID string) ([]Loan, error) {
	rows, err := a.db.Query(ctx, loansForCaseQuery, orgID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Loan
	for rows.Next() {
		l, err := scanLoan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// loansForCaseQuery repeats the partial index's condition (a case ID not
// empty): without it SQLite reads every loan of the organisation through
// workplace_loans_resource instead (TestLoansForCaseUseTheirIndex).
const loansForCaseQuery = loanSelect + ` WHERE l.org_id = ? AND l.case_id = ? AND l.case_id <> '' ORDER BY l.created_at, l.id`
