package jobs

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Filter narrows a listing of jobs.
type Filter struct {
	State string // empty: every state
	Kind  string
	// OrgID limits the listing to one organisation's jobs and the
	// platform's own (org ""); empty with AllOrgs lists everything (the CLI).
	OrgID   string
	AllOrgs bool
	After   string // cursor: the last job ID of the previous page
	Limit   int    // default 50, at most 500
}

// Page is one page of jobs, newest first.
type Page struct {
	Jobs []Job  `json:"jobs"`
	Next string `json:"next,omitempty"`
}

// List returns jobs matching f, newest first. It is not access-checked:
// callers (the admin pages, the CLI) decide who may see which
// organisation's jobs and set f.OrgID accordingly.
func (q *Queue) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	if f.State != "" && !ValidState(f.State) {
		return Page{}, platform.Invalid("Choose a state", platform.FieldError{Field: "state", Message: "must be available, running, completed, failed or discarded"})
	}
	if f.OrgID == "" && !f.AllOrgs {
		return Page{}, platform.Invalid("an organisation is needed to list jobs")
	}
	q1 := "SELECT " + jobColumns + " FROM jobs WHERE 1 = 1"
	var args []any
	if !f.AllOrgs {
		q1 += " AND org_id IN (?, '')"
		args = append(args, f.OrgID)
	}
	if f.State != "" {
		q1 += " AND state = ?"
		args = append(args, f.State)
	}
	if f.Kind != "" {
		q1 += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.After != "" {
		q1 += " AND id < ?"
		args = append(args, f.After)
	}
	q1 += " ORDER BY id DESC LIMIT ?"
	args = append(args, f.Limit+1)
	rows, err := q.db.Query(ctx, q1, args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	var p Page
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return Page{}, err
		}
		p.Jobs = append(p.Jobs, j)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(p.Jobs) > f.Limit {
		p.Jobs = p.Jobs[:f.Limit]
		p.Next = p.Jobs[f.Limit-1].ID
	}
	return p, nil
}

// Counts returns how many jobs are in each state, for one organisation (and
// the platform's own) or, with orgID empty, for all.
func (q *Queue) Counts(ctx context.Context, orgID string) (map[string]int, error) {
	qs := "SELECT state, COUNT(*) FROM jobs GROUP BY state"
	var args []any
	if orgID != "" {
		qs = "SELECT state, COUNT(*) FROM jobs WHERE org_id IN (?, '') GROUP BY state"
		args = append(args, orgID)
	}
	rows, err := q.db.Query(ctx, qs, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id string) (Job, error) {
	j, err := scanJob(q.db.QueryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id))
	if store.IsNoRows(err) {
		return Job{}, platform.NotFound("job")
	}
	return j, err
}

// Retry makes a failed or discarded job (or a waiting one) run again now
// with a fresh set of attempts. A running or completed job is refused.
func (q *Queue) Retry(ctx context.Context, tx *store.Tx, id string) error {
	return q.change(ctx, tx, id, []string{Failed, Discarded, Available},
		"UPDATE jobs SET state = 'available', attempt = 0, run_at = ?, finished_at = 0, locked_by = '', locked_until = 0 WHERE id = ?",
		q.opts.Clock.Now())
}

// Discard gives up on a job that has not completed; it stays listed.
func (q *Queue) Discard(ctx context.Context, tx *store.Tx, id string) error {
	return q.change(ctx, tx, id, []string{Failed, Available, Running},
		"UPDATE jobs SET state = 'discarded', finished_at = ?, locked_by = '', locked_until = 0 WHERE id = ?",
		q.opts.Clock.Now())
}

func (q *Queue) change(ctx context.Context, tx *store.Tx, id string, from []string, stmt string, now time.Time) error {
	var state, kind string
	err := tx.QueryRow(ctx, "SELECT state, kind FROM jobs WHERE id = ?", id).Scan(&state, &kind)
	if store.IsNoRows(err) {
		return platform.NotFound("job")
	}
	if err != nil {
		return err
	}
	ok := false
	for _, s := range from {
		ok = ok || s == state
	}
	if !ok {
		return platform.Errorf(platform.CodeConflict, "the job is %s, so it cannot be changed that way", state)
	}
	if _, err := tx.Exec(ctx, stmt, store.Millis(now), id); err != nil {
		return err
	}
	tx.AfterCommit(func() { q.markDue(kind) })
	return nil
}

// OrgOf returns the organisation a job belongs to ("" for the platform's).
func (q *Queue) OrgOf(ctx context.Context, tx *store.Tx, id string) (string, error) {
	var org string
	err := tx.QueryRow(ctx, "SELECT org_id FROM jobs WHERE id = ?", id).Scan(&org)
	if store.IsNoRows(err) {
		return "", platform.NotFound("job")
	}
	return org, err
}

// Prune deletes completed and discarded jobs finished before cutoff.
func (q *Queue) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := q.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM jobs WHERE state IN ('completed', 'discarded') AND finished_at < ?", store.Millis(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// ValidState reports whether s names a job state.
func ValidState(s string) bool {
	switch s {
	case Available, Running, Completed, Failed, Discarded:
		return true
	}
	return false
}

// Due counts the jobs that are due now (waiting or running) of the kinds
// this node runs: a kind only declared here, like mail on a node with no
// relay, is left out, since nothing here will ever work it. `dbtp bench`
// waits on it for the background work its setup caused.
func (q *Queue) Due(ctx context.Context) (int, error) {
	q.mu.Lock()
	var kinds []any
	for k, h := range q.kinds {
		if h.Handler != nil {
			kinds = append(kinds, k)
		}
	}
	q.mu.Unlock()
	if len(kinds) == 0 {
		return 0, nil
	}
	var n int
	err := q.db.QueryRow(ctx, "SELECT COUNT(*) FROM jobs WHERE state IN ('available', 'running') AND run_at <= ? AND kind IN (?"+
		strings.Repeat(", ?", len(kinds)-1)+")", append([]any{store.Millis(q.opts.Clock.Now())}, kinds...)...).Scan(&n)
	return n, err
}
