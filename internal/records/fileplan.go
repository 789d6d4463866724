package records

import (
	"context"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// planEntry is one class of the default file plan.
type planEntry struct {
	code, title, key string
	sc               Schedule
}

// defaultPlan is a starting file plan for an English county council,
// shaped like the Local Government Classification Scheme (functions,
// activities, transactions) with periods from common local-government
// retention guidance. Records managers change it to the council's own;
// classes whose retention key matches a digital service's retention class
// receive that service's case files.
var defaultPlan = []planEntry{
	{code: "ADM", title: "Adult social care"},
	{code: "ADM.01", title: "Assessment and referral"},
	{"ADM.01.01", "Referrals from partners", "adults-referrals-8y", Schedule{96, TriggerCaseClosed, ActionDestroy, false}},
	{"ADM.01.02", "Care and support plans", "", Schedule{96, TriggerCaseClosed, ActionDestroy, false}},
	{code: "CHI", title: "Children's services"},
	{code: "CHI.01", title: "Children in care"},
	{"CHI.01.01", "Care records", "", Schedule{900, TriggerSubjectBirth, ActionDestroy, true}},
	{code: "CUS", title: "Customer services"},
	{code: "CUS.01", title: "Complaints and feedback"},
	{"CUS.01.01", "Complaints", "complaints-6y", Schedule{72, TriggerCaseClosed, ActionDestroy, false}},
	{code: "FIN", title: "Finance"},
	{code: "FIN.01", title: "Accounts payable"},
	{"FIN.01.01", "Invoices and payments", "", Schedule{72, TriggerCreated, ActionDestroy, false}},
	{code: "FIN.02", title: "Risk management"},
	{"FIN.02.01", "Risk register", "risk-register-6y", Schedule{72, TriggerModified, ActionDestroy, false}},
	{code: "GOV", title: "Governance"},
	{code: "GOV.01", title: "Decision making"},
	{"GOV.01.01", "Key decisions", "key-decisions-permanent", Schedule{240, TriggerCreated, ActionTransfer, false}},
	{"GOV.01.02", "Committee papers and minutes", "", Schedule{240, TriggerCreated, ActionTransfer, false}},
	{code: "GOV.02", title: "Information governance"},
	{"GOV.02.01", "Subject access requests", "subject-access-2y", Schedule{24, TriggerCaseClosed, ActionDestroy, false}},
	{code: "HRS", title: "Human resources"},
	{code: "HRS.01", title: "Personnel"},
	{"HRS.01.01", "Employee files", "", Schedule{72, TriggerLastContact, ActionDestroy, true}},
	{code: "ICT", title: "Technology"},
	{code: "ICT.01", title: "Strategy and projects"},
	{"ICT.01.01", "Project records", "projects-7y", Schedule{84, TriggerModified, ActionReview, false}},
	{code: "PRO", title: "Property and assets"},
	{code: "PRO.01", title: "Equipment and stores"},
	{"PRO.01.01", "Equipment loans", "equipment-loans-2y", Schedule{24, TriggerCaseClosed, ActionDestroy, false}},
}

// GeneralClass is where files go that no class claims (a case file of a
// service whose retention class has no class yet): the records manager
// moves them on. Its schedule is "review", so nothing in it is destroyed
// without a person deciding.
const GeneralClass = "GEN.01.01"

var generalPlan = []planEntry{
	{code: "GEN", title: "General"},
	{code: "GEN.01", title: "Unfiled"},
	{GeneralClass, "Awaiting classification", "", Schedule{12, TriggerCreated, ActionReview, false}},
}

// EnsureFilePlan gives an organisation the default file plan when it has
// none, and the general class when it lacks one. It is idempotent, so it
// runs at every start.
func (s *Store) EnsureFilePlan(ctx context.Context, orgID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM records_classes WHERE org_id = ?`, orgID).Scan(&n); err != nil {
			return err
		}
		plan := generalPlan
		if n == 0 {
			plan = append(append([]planEntry{}, defaultPlan...), generalPlan...)
		}
		ids := map[string]string{}
		rows, err := tx.Query(ctx, `SELECT code, id FROM records_classes WHERE org_id = ?`, orgID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var code, id string
			if err := rows.Scan(&code, &id); err != nil {
				rows.Close()
				return err
			}
			ids[code] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := store.Millis(s.now())
		added := 0
		for _, p := range plan {
			if ids[p.code] != "" {
				continue
			}
			parent, level := "", LevelFunction
			if i := lastDot(p.code); i > 0 {
				parent = ids[p.code[:i]]
				level = LevelActivity
				if lastDot(p.code[:i]) > 0 {
					level = LevelTransaction
				}
			}
			id := platform.NewID("rcl")
			if _, err := tx.Exec(ctx, `INSERT INTO records_classes (`+classColumns+`, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, orgID, parent, level, p.code, p.title, "", p.key, p.sc.PeriodMonths, p.sc.Trigger, p.sc.Action, b2i(p.sc.TwoStage), 0, now, now); err != nil {
				return err
			}
			ids[p.code] = id
			added++
		}
		if added == 0 {
			return nil
		}
		e := audit.For(platform.System(orgID), "records.file_plan_seed", "record_class", "", audit.Success)
		e.Detail = "default file plan classes added"
		return s.audit.Record(tx, e)
	})
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
