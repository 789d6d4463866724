package records

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Levels of the file plan, from the broadest.
const (
	LevelFunction    = "function"
	LevelActivity    = "activity"
	LevelTransaction = "transaction"
)

// Triggers start a retention period.
const (
	TriggerCreated      = "created"       // the document was filed
	TriggerModified     = "modified"      // its last version
	TriggerCaseClosed   = "case_closed"   // the case it belongs to closed
	TriggerSubjectBirth = "subject_birth" // the date of birth of the person it is about
	TriggerLastContact  = "last_contact"  // the last contact with that person, as recorded
)

// Actions are what happens when a period ends.
const (
	ActionDestroy  = "destroy"
	ActionReview   = "review"
	ActionTransfer = "transfer" // to the county archive
)

// Schedule is a retention rule: a period from a trigger, then an action.
type Schedule struct {
	PeriodMonths int    `json:"period_months"`
	Trigger      string `json:"trigger"`
	Action       string `json:"action"`
	TwoStage     bool   `json:"two_stage"` // disposal needs two approvals
}

// Set reports whether the schedule says anything (a class without one
// inherits its parent's).
func (s Schedule) Set() bool { return s.Action != "" }

// Describe says the schedule in words: "Destroy 6 years after the case closed".
func (s Schedule) Describe() string {
	if !s.Set() {
		return "No schedule"
	}
	act := map[string]string{ActionDestroy: "Destroy", ActionReview: "Review", ActionTransfer: "Transfer to the archive"}[s.Action]
	trig := map[string]string{TriggerCreated: "it was filed", TriggerModified: "it last changed", TriggerCaseClosed: "the case closed",
		TriggerSubjectBirth: "the person's date of birth", TriggerLastContact: "the last contact with the person"}[s.Trigger]
	out := act + " " + describePeriod(s.PeriodMonths) + " after " + trig
	if s.PeriodMonths == 0 {
		out = act + " when " + trig
	}
	if s.TwoStage {
		out += " (two approvals)"
	}
	return out
}

func describePeriod(months int) string {
	switch {
	case months%12 == 0 && months == 12:
		return "1 year"
	case months%12 == 0:
		return fmt.Sprintf("%d years", months/12)
	case months == 1:
		return "1 month"
	}
	return fmt.Sprintf("%d months", months)
}

// Class is one entry of the file plan.
type Class struct {
	ID          string `json:"id"`
	OrgID       string `json:"org_id"`
	ParentID    string `json:"parent_id,omitempty"`
	Level       string `json:"level"`
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// RetentionKey names the retention class a digital service gives its
	// cases (complaints-6y): case files are filed in the class that has it.
	RetentionKey string   `json:"retention_key,omitempty"`
	Schedule     Schedule `json:"schedule"`
	// Effective is the schedule that applies: the class's own or its
	// nearest ancestor's.
	Effective Schedule `json:"effective_schedule"`
	Closed    bool     `json:"closed"`
}

const classColumns = `id, org_id, parent_id, level, code, title, description, retention_key, period_months, trigger_kind, action, two_stage, closed`

func scanClass(sc interface{ Scan(...any) error }) (Class, error) {
	var c Class
	var two, closed int
	err := sc.Scan(&c.ID, &c.OrgID, &c.ParentID, &c.Level, &c.Code, &c.Title, &c.Description, &c.RetentionKey,
		&c.Schedule.PeriodMonths, &c.Schedule.Trigger, &c.Schedule.Action, &two, &closed)
	c.Schedule.TwoStage, c.Closed = two == 1, closed == 1
	return c, err
}

// Classes lists the organisation's whole file plan in code order, each
// with its effective schedule. The file plan is not itself confidential:
// any member of staff may browse it.
func (s *Store) Classes(ctx context.Context, sub *platform.Subject) ([]Class, error) {
	if !sub.IsStaff() && sub.Kind != platform.SubjectSystem {
		return nil, platform.Errorf(platform.CodeForbidden, "Only staff can see the file plan")
	}
	return s.classes(ctx, s.db.Query, sub.OrgID)
}

type queryFunc func(ctx context.Context, q string, args ...any) (*sql.Rows, error)

func (s *Store) classes(ctx context.Context, query queryFunc, orgID string) ([]Class, error) {
	rows, err := query(ctx, `SELECT `+classColumns+` FROM records_classes WHERE org_id = ? ORDER BY code`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Class
	byID := map[string]int{}
	for rows.Next() {
		c, err := scanClass(rows)
		if err != nil {
			return nil, err
		}
		byID[c.ID] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Effective = effective(out, byID, i)
	}
	return out, nil
}

// effective walks up from class i to the first schedule set.
func effective(all []Class, byID map[string]int, i int) Schedule {
	for range 16 { // the plan is three levels deep; bound the walk anyway
		if all[i].Schedule.Set() {
			return all[i].Schedule
		}
		j, ok := byID[all[i].ParentID]
		if !ok {
			return Schedule{}
		}
		i = j
	}
	return Schedule{}
}

// Class returns one class with its effective schedule.
func (s *Store) Class(ctx context.Context, sub *platform.Subject, id string) (Class, error) {
	all, err := s.Classes(ctx, sub)
	if err != nil {
		return Class{}, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return Class{}, platform.NotFound("class")
}

// ClassInput is a class as a records manager writes it.
type ClassInput struct {
	ParentID     string
	Code         string
	Title        string
	Description  string
	RetentionKey string
	Schedule     Schedule
	Closed       bool
}

var (
	codeRE = regexp.MustCompile(`^[A-Z0-9]{1,8}(\.[A-Z0-9]{1,8}){0,4}$`)
	keyRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

func (in *ClassInput) check() error {
	in.Code, in.Title = strings.ToUpper(strings.TrimSpace(in.Code)), strings.TrimSpace(in.Title)
	in.Description, in.RetentionKey = strings.TrimSpace(in.Description), strings.TrimSpace(in.RetentionKey)
	var bad []platform.FieldError
	if !codeRE.MatchString(in.Code) {
		bad = append(bad, platform.FieldError{Field: "code", Message: "Enter a code of letters and digits in parts separated by dots, like FIN.02.01"})
	}
	if in.Title == "" || len(in.Title) > 200 {
		bad = append(bad, platform.FieldError{Field: "title", Message: "Enter a title of up to 200 characters"})
	}
	if in.RetentionKey != "" && !keyRE.MatchString(in.RetentionKey) {
		bad = append(bad, platform.FieldError{Field: "retention_key", Message: "Enter a service retention class in lower case with hyphens, like complaints-6y"})
	}
	bad = append(bad, in.Schedule.problems()...)
	if len(bad) > 0 {
		return platform.Invalid("Check the class", bad...)
	}
	return nil
}

func (sc Schedule) problems() []platform.FieldError {
	var bad []platform.FieldError
	switch sc.Action {
	case "":
		if sc.Trigger != "" || sc.PeriodMonths != 0 || sc.TwoStage {
			bad = append(bad, platform.FieldError{Field: "action", Message: "Choose what happens at the end of the period, or leave the whole schedule empty to use the parent's"})
		}
		return bad
	case ActionDestroy, ActionReview, ActionTransfer:
	default:
		bad = append(bad, platform.FieldError{Field: "action", Message: "Choose destroy, review or transfer to the archive"})
	}
	switch sc.Trigger {
	case TriggerCreated, TriggerModified, TriggerCaseClosed, TriggerSubjectBirth, TriggerLastContact:
	default:
		bad = append(bad, platform.FieldError{Field: "trigger", Message: "Choose when the period starts"})
	}
	if sc.PeriodMonths < 0 || sc.PeriodMonths > 12*150 {
		bad = append(bad, platform.FieldError{Field: "period_months", Message: "Enter a period between 0 and 1,800 months (150 years)"})
	}
	return bad
}

// SaveClass adds a class (id empty) or changes one. Only records managers
// and admins keep the file plan. A retention period may be changed here;
// the disposal queue recomputes due dates from it.
func (s *Store) SaveClass(ctx context.Context, sub *platform.Subject, id string, in ClassInput) (Class, error) {
	if err := in.check(); err != nil {
		return Class{}, err
	}
	res := access.Resource{Type: ResourceType, ID: "file-plan", OrgID: sub.OrgID}
	action := "records.class_create"
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeepPlan(tx, sub, res); err != nil {
			return err
		}
		level := LevelFunction
		if in.ParentID != "" {
			var parentLevel string
			err := tx.QueryRow(ctx, `SELECT level FROM records_classes WHERE id = ? AND org_id = ?`, in.ParentID, sub.OrgID).Scan(&parentLevel)
			if store.IsNoRows(err) {
				return platform.Invalid("Check the class", platform.FieldError{Field: "parent_id", Message: "Choose a parent class from the file plan"})
			}
			if err != nil {
				return err
			}
			switch parentLevel {
			case LevelFunction:
				level = LevelActivity
			case LevelActivity:
				level = LevelTransaction
			default:
				return platform.Invalid("Check the class", platform.FieldError{Field: "parent_id", Message: "A transaction class cannot hold other classes: choose a function or an activity"})
			}
		}
		now := store.Millis(s.now())
		if id == "" {
			id = platform.NewID("rcl")
			_, err := tx.Exec(ctx, `INSERT INTO records_classes (`+classColumns+`, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, sub.OrgID, in.ParentID, level, in.Code, in.Title, in.Description, in.RetentionKey,
				in.Schedule.PeriodMonths, in.Schedule.Trigger, in.Schedule.Action, b2i(in.Schedule.TwoStage), b2i(in.Closed), now, now)
			if store.IsUniqueViolation(err) {
				return platform.Invalid("Check the class", platform.FieldError{Field: "code", Message: "Another class already has the code " + in.Code})
			}
			if err != nil {
				return err
			}
		} else {
			action = "records.class_update"
			if in.ParentID == id {
				return platform.Invalid("Check the class", platform.FieldError{Field: "parent_id", Message: "A class cannot be its own parent"})
			}
			r, err := tx.Exec(ctx, `UPDATE records_classes SET code = ?, title = ?, description = ?, retention_key = ?, period_months = ?, trigger_kind = ?,
				action = ?, two_stage = ?, closed = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
				in.Code, in.Title, in.Description, in.RetentionKey, in.Schedule.PeriodMonths, in.Schedule.Trigger, in.Schedule.Action,
				b2i(in.Schedule.TwoStage), b2i(in.Closed), now, id, sub.OrgID)
			if store.IsUniqueViolation(err) {
				return platform.Invalid("Check the class", platform.FieldError{Field: "code", Message: "Another class already has the code " + in.Code})
			}
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return platform.NotFound("class")
			}
		}
		e := audit.For(sub, action, "record_class", id, audit.Success)
		e.Detail = in.Code + " " + in.Title + ": " + in.Schedule.Describe()
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return Class{}, err
	}
	if action == "records.class_update" {
		// The schedule may have changed: documents' due dates follow it
		// now rather than at the next daily run.
		if err := s.recomputeClass(ctx, sub.OrgID, id); err != nil {
			return Class{}, err
		}
	}
	return s.Class(ctx, sub, id)
}

// mayKeepPlan is the file plan's own rule: records managers and admins.
func (s *Store) mayKeepPlan(tx *store.Tx, sub *platform.Subject, res access.Resource) error {
	if sub.Kind != platform.SubjectSystem && !sub.HasRole(platform.RoleAdmin) && !sub.HasRole(platform.RoleRecords) {
		return s.access.CheckTx(tx, sub, access.Administer, res) // audited refusal with the reason
	}
	return s.access.CheckTx(tx, sub, access.Update, res)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
