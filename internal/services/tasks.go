package services

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Task is a to-do on a case, made by a state's on-enter action or by staff.
type Task struct {
	ID         string    `json:"id"`
	CaseID     string    `json:"case_id"`
	Title      string    `json:"title"`
	State      string    `json:"state,omitempty"` // the case's state when it was made
	AssigneeID string    `json:"assignee_id,omitempty"`
	DueAt      time.Time `json:"due_at,omitzero"`
	Done       bool      `json:"done"`
	DoneAt     time.Time `json:"done_at,omitzero"`
	DoneBy     string    `json:"done_by,omitempty"`
	CreatedBy  string    `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewTask is what staff give to create a task.
type NewTask struct {
	Title      string
	DueAt      time.Time // zero: no due date
	AssigneeID string
}

func insertTask(ctx context.Context, tx *store.Tx, c *Case, in NewTask, state, by string, at time.Time, closesOnExit bool) (Task, error) {
	t := Task{ID: platform.NewID("task"), CaseID: c.ID, Title: in.Title, State: state, AssigneeID: in.AssigneeID,
		DueAt: in.DueAt.UTC().Truncate(time.Millisecond), CreatedBy: by, CreatedAt: at}
	if in.DueAt.IsZero() {
		t.DueAt = time.Time{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_tasks (id, org_id, case_id, title, state, assignee_id, due_at, created_by, created_at, closes_on_exit)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, c.OrgID, c.ID, t.Title, t.State, t.AssigneeID, store.Millis(t.DueAt), t.CreatedBy, store.Millis(at), boolInt(closesOnExit))
	return t, err
}

// closeStateTasks closes the open tasks that state made on entry, as the
// case leaves it: the move that leaves the state is the work they asked for
// (or makes it moot). They are recorded as done by whoever made the move.
func closeStateTasks(ctx context.Context, tx *store.Tx, c *Case, state, by string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE case_tasks SET done = 1, done_at = ?, done_by = ?
		WHERE org_id = ? AND case_id = ? AND state = ? AND closes_on_exit = 1 AND done = 0`,
		store.Millis(at), by, c.OrgID, c.ID, state)
	return err
}

// staffCase loads a case for a change only staff make: the access point
// must allow the update, and the subject must see the case as staff rather
// than only as its applicant.
func (s *Service) staffCase(ctx context.Context, sub *platform.Subject, caseID string, a access.Action) (Case, error) {
	c, err := s.caseFor(ctx, sub, caseID, a)
	if err != nil {
		return Case{}, err
	}
	if s.applicantView(sub, &c) {
		return Case{}, s.denied(ctx, sub, "case.staff", "case", c.ID, "applicant view only", "only staff can do this")
	}
	return c, nil
}

// CreateTask adds a task to a case.
func (s *Service) CreateTask(ctx context.Context, sub *platform.Subject, caseID string, in NewTask) (Task, error) {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 || !utf8.ValidString(in.Title) {
		return Task{}, platform.Invalid("Enter a task title", platform.FieldError{Field: "title", Message: "Enter a title of at most 200 characters"})
	}
	c, err := s.staffCase(ctx, sub, caseID, access.Update)
	if err != nil {
		return Task{}, err
	}
	if in.AssigneeID != "" {
		if err := s.checkUser(ctx, c.OrgID, in.AssigneeID, "assignee"); err != nil {
			return Task{}, err
		}
	}
	now := s.now()
	var t Task
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = insertTask(ctx, tx, &c, in, c.State, sub.UserID, now, false); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, sub, &c, now, EventTask, "", "", "task added: "+in.Title, false); err != nil {
			return err
		}
		e := audit.For(sub, "case.task_create", "case", c.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s: task %s", c.Reference, t.ID)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Task{}, asPlatform(err)
	}
	return t, nil
}

// ListTasks lists a case's tasks, open ones first, soonest due first.
func (s *Service) ListTasks(ctx context.Context, sub *platform.Subject, caseID string) ([]Task, error) {
	c, err := s.staffCase(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, err
	}
	return s.tasks(ctx, &c)
}

// tasks reads the tasks of c, which the caller has loaded and checked as
// staff work.
func (s *Service) tasks(ctx context.Context, c *Case) ([]Task, error) {
	rows, err := s.db.Query(ctx, `SELECT id, case_id, title, state, assignee_id, due_at, done, done_at, done_by, created_by, created_at
		FROM case_tasks WHERE org_id = ? AND case_id = ? ORDER BY done, CASE WHEN due_at = 0 THEN 1 ELSE 0 END, due_at, created_at, id`, c.OrgID, c.ID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		var due, doneAt, created int64
		var done int
		if err := rows.Scan(&t.ID, &t.CaseID, &t.Title, &t.State, &t.AssigneeID, &due, &done, &doneAt, &t.DoneBy, &t.CreatedBy, &created); err != nil {
			return nil, platform.Internal(err)
		}
		t.DueAt, t.Done, t.DoneAt, t.CreatedAt = store.Time(due), done == 1, store.Time(doneAt), store.Time(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// CompleteTask marks a task done. Completing a task already done is a
// conflict, so two people ticking it at once learn that one of them did.
func (s *Service) CompleteTask(ctx context.Context, sub *platform.Subject, caseID, taskID string) error {
	c, err := s.staffCase(ctx, sub, caseID, access.Update)
	if err != nil {
		return err
	}
	if !platform.ValidID("task", taskID) {
		return platform.NotFound("task")
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var title string
		var done int
		err := tx.QueryRow(ctx, "SELECT title, done FROM case_tasks WHERE org_id = ? AND case_id = ? AND id = ?", c.OrgID, c.ID, taskID).Scan(&title, &done)
		if store.IsNoRows(err) {
			return platform.NotFound("task")
		}
		if err != nil {
			return err
		}
		if done == 1 {
			return platform.Errorf(platform.CodeConflict, "this task is already done")
		}
		res, err := tx.Exec(ctx, "UPDATE case_tasks SET done = 1, done_at = ?, done_by = ? WHERE org_id = ? AND id = ? AND done = 0",
			store.Millis(now), sub.UserID, c.OrgID, taskID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.Errorf(platform.CodeConflict, "this task is already done")
		}
		if err := s.addEvent(ctx, tx, sub, &c, now, EventTask, "", "", "task done: "+title, false); err != nil {
			return err
		}
		e := audit.For(sub, "case.task_complete", "case", c.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s: task %s done", c.Reference, taskID)
		return s.rec.Record(tx, e)
	})
	return asPlatform(err)
}
