package jobs

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dbtp/internal/store"
)

// lease is how long past a job's timeout a claim lasts. A node killed
// mid-job stops renewing nothing: its claim simply runs out and another
// node (or this one, restarted) takes the job again.
const leaseGrace = time.Minute

// Run works jobs on this node until ctx ends, then waits for the jobs in
// hand to finish (their contexts are cancelled) before returning.
func (q *Queue) Run(ctx context.Context) {
	slots := make(chan struct{}, q.opts.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	ticks := q.opts.Ticks
	if ticks == nil {
		t := time.NewTicker(q.opts.PollInterval)
		defer t.Stop()
		ticks = t.C
	}
	// The first look, and one each poll interval, covers every kind and
	// every schedule (whose periods are a second or more); a look woken by
	// new work covers the kinds noted as due (see dueKinds).
	all := true
	// owed is a look at every kind that found every worker busy: the
	// first slot to free up takes it (other nodes' jobs, retries coming
	// due and leases run out are only found by such looks).
	var owed atomic.Bool
	for {
		if all {
			if err := q.runSchedules(ctx); err != nil && ctx.Err() == nil {
				q.opts.Logger.Warn("job schedules failed", "err", err)
			}
		}
		for {
			free := q.opts.Workers - len(slots)
			if free == 0 {
				if all {
					owed.Store(true)
					// A worker that freed its slot between the count and
					// the store did not see owed, so would not nudge:
					// look again rather than wait for the next tick.
					if len(slots) < q.opts.Workers {
						continue
					}
				}
				break
			}
			claimed, err := q.claim(ctx, free, all)
			if err != nil {
				if ctx.Err() == nil {
					q.opts.Logger.Warn("claiming jobs failed", "err", err)
				}
				break
			}
			for _, j := range claimed {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() {
						<-slots
						// A backlog bigger than the workers is worked as
						// slots free up, not a batch per poll interval.
						if owed.Load() || q.due.any() {
							q.nudge()
						}
					}()
					q.execute(ctx, j)
				}()
			}
			if len(claimed) < free {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			all = true
		case <-q.wake:
			all = owed.Swap(false)
		}
	}
}

// RunDue claims and runs every job due now on the calling goroutine, one at
// a time, until none is left; tests and the CLI use it instead of Run.
func (q *Queue) RunDue(ctx context.Context) (int, error) {
	if err := q.runSchedules(ctx); err != nil {
		return 0, err
	}
	n := 0
	for {
		js, err := q.claim(ctx, 1, true)
		if err != nil || len(js) == 0 {
			return n, err
		}
		q.execute(ctx, js[0])
		n++
	}
}

const jobColumns = "id, kind, org_id, args, unique_key, state, attempt, max_attempts, run_at, locked_by, last_error, created_at, finished_at"

// claim takes up to n due jobs of the kinds this node runs (with all), or
// of those noted as maybe due (see dueKinds): available ones whose time
// has come, and running ones whose lease ran out (their node died). Each
// claim bumps the attempt and sets a lease.
func (q *Queue) claim(ctx context.Context, n int, all bool) ([]Job, error) {
	kinds := q.due.take(q.registered(), all)
	if len(kinds) == 0 {
		return nil, nil
	}
	now := store.Millis(q.opts.Clock.Now())
	var out []Job
	var more []string // kinds left with due work this claim did not take
	err := q.db.Write(ctx, func(tx *store.Tx) error {
		out, more = out[:0], more[:0]
		lock := ""
		if tx.Dialect() == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		// One query per kind, each a seek on jobs_due_kind, so jobs of
		// kinds this node does not run are never read; the oldest due
		// across kinds are then taken, as one query over all kinds would.
		var picks []Job
		// The limit is written into the statement, not bound: SQLite's
		// planner reads a bound LIMIT's value, so binding one marks the
		// prepared statement for recompiling at every run (a profile showed
		// a claim compiling this query once per kind, every time). n is at
		// most Workers, so there are only a few such statements to keep.
		query := `SELECT ` + jobColumns + ` FROM jobs
				WHERE kind = ? AND state IN ('available', 'running') AND run_at <= ? AND (state = 'available' OR locked_until < ?)
				ORDER BY run_at, id LIMIT ` + strconv.Itoa(n) + lock
		for _, k := range kinds {
			found := len(picks)
			rows, err := tx.Query(ctx, query, k, now, now)
			if err != nil {
				return err
			}
			for rows.Next() {
				j, err := scanJob(rows)
				if err != nil {
					rows.Close()
					return err
				}
				picks = append(picks, j)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(picks) == found+n {
				more = append(more, k) // it may have more than the limit
			}
		}
		sort.Slice(picks, func(a, b int) bool {
			if !picks[a].RunAt.Equal(picks[b].RunAt) {
				return picks[a].RunAt.Before(picks[b].RunAt)
			}
			return picks[a].ID < picks[b].ID
		})
		for _, j := range picks[min(n, len(picks)):] {
			more = append(more, j.Kind) // due, but older work of other kinds came first
		}
		// The rows were read in this transaction (and locked, on
		// PostgreSQL), so a claimed job is what was read with its attempt
		// bumped: the update need not return it (UPDATE ... RETURNING and
		// scanning it back were half the claim's cost in a profile).
		for _, j := range picks[:min(n, len(picks))] {
			k, _ := q.kind(j.Kind)
			until := now + (k.Timeout + leaseGrace).Milliseconds()
			if _, err := tx.Exec(ctx, `UPDATE jobs SET state = 'running', attempt = attempt + 1, locked_by = ?, locked_until = ? WHERE id = ?`,
				q.opts.Node, until, j.ID); err != nil {
				return err
			}
			j.State, j.Attempt, j.LockedBy = Running, j.Attempt+1, q.opts.Node
			out = append(out, j)
		}
		return nil
	})
	if err != nil {
		more = kinds // nothing was taken: look again at all of them
	}
	for _, k := range more {
		q.due.add(k)
	}
	return out, err
}

// execute runs one claimed job and records how it ended.
func (q *Queue) execute(ctx context.Context, j Job) {
	k, ok := q.kind(j.Kind)
	if !ok {
		return // claim only takes registered kinds
	}
	err := q.call(ctx, k, j)
	if ctx.Err() != nil && err != nil {
		// The node is stopping: leave the job to its lease, which another
		// node (or this one, restarted) will take over. Recording a failure
		// here would spend an attempt on our own shutdown.
		return
	}
	// Finishing must survive the job's own context ending.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ferr := q.finish(fctx, k, j, err); ferr != nil {
		q.opts.Logger.Error("recording a job's end failed", "job", j.ID, "kind", j.Kind, "err", ferr)
	}
}

// call runs the handler with the kind's timeout, turning a panic into a
// permanent failure that names it, so the worker keeps going.
func (q *Queue) call(ctx context.Context, k Kind, j Job) (err error) {
	hctx, cancel := context.WithTimeout(ctx, k.Timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("panic: %v\n%s", p, firstLines(string(debug.Stack()), 12)))
		}
	}()
	return k.Handler(hctx, j)
}

// finish records success, a retry, or failure. The locked_by and attempt
// check means a node whose lease ran out (and whose job another node took)
// cannot overwrite the newer run's outcome.
func (q *Queue) finish(ctx context.Context, k Kind, j Job, runErr error) error {
	now := q.opts.Clock.Now()
	return q.db.Write(ctx, func(tx *store.Tx) error {
		guard := " WHERE id = ? AND locked_by = ? AND attempt = ? AND state = 'running'"
		switch {
		case runErr == nil:
			_, err := tx.Exec(ctx, "UPDATE jobs SET state = 'completed', finished_at = ?, locked_by = '', locked_until = 0, last_error = ''"+guard,
				store.Millis(now), j.ID, q.opts.Node, j.Attempt)
			return err
		case IsPermanent(runErr) || j.Attempt >= j.MaxAttempts:
			q.opts.Logger.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", runErr)
			_, err := tx.Exec(ctx, "UPDATE jobs SET state = 'failed', finished_at = ?, locked_by = '', locked_until = 0, last_error = ?"+guard,
				store.Millis(now), errorText(runErr), j.ID, q.opts.Node, j.Attempt)
			return err
		default:
			q.opts.Logger.Info("job will be retried", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", runErr)
			next := now.Add(k.Backoff(j.Attempt))
			_, err := tx.Exec(ctx, "UPDATE jobs SET state = 'available', run_at = ?, locked_by = '', locked_until = 0, last_error = ?"+guard,
				store.Millis(next), errorText(runErr), j.ID, q.opts.Node, j.Attempt)
			return err
		}
	})
}

// runSchedules enqueues the periodic jobs that are due. Each schedule row
// is advanced with a compare-and-set on next_run_at and the job's key names
// its slot, so with several nodes each run is enqueued exactly once.
func (q *Queue) runSchedules(ctx context.Context) error {
	q.mu.RLock()
	scheds := make(map[string]schedule, len(q.sched))
	for n, s := range q.sched {
		scheds[n] = s
	}
	q.mu.RUnlock()
	if len(scheds) == 0 {
		return nil
	}
	now := q.opts.Clock.Now()
	return q.db.Write(ctx, func(tx *store.Tx) error {
		for name, s := range scheds {
			var next int64
			err := tx.QueryRow(ctx, "SELECT next_run_at FROM job_schedules WHERE name = ?", name).Scan(&next)
			if store.IsNoRows(err) {
				// First sight of this schedule: run it now.
				if _, err := tx.Exec(ctx, "INSERT INTO job_schedules (name, kind, every_ms, next_run_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
					name, s.kind, s.every.Milliseconds(), store.Millis(now)); err != nil {
					return err
				}
				next = store.Millis(now)
			} else if err != nil {
				return err
			}
			if next > store.Millis(now) {
				continue
			}
			newNext := store.Millis(now.Add(s.every))
			res, err := tx.Exec(ctx, "UPDATE job_schedules SET next_run_at = ?, kind = ?, every_ms = ? WHERE name = ? AND next_run_at = ?",
				newNext, s.kind, s.every.Milliseconds(), name, next)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // another node took this run
			}
			if _, err := q.Enqueue(ctx, tx, Enqueued{Kind: s.kind, Key: fmt.Sprintf("%s@%d", name, next)}); err != nil {
				return err
			}
		}
		return nil
	})
}

type rowScanner interface{ Scan(...any) error }

func scanJob(r rowScanner) (Job, error) {
	var j Job
	var args string
	var runAt, created, finished int64
	if err := r.Scan(&j.ID, &j.Kind, &j.OrgID, &args, &j.Key, &j.State, &j.Attempt, &j.MaxAttempts, &runAt, &j.LockedBy, &j.LastError, &created, &finished); err != nil {
		return Job{}, err
	}
	j.Args = []byte(args)
	j.RunAt, j.CreatedAt, j.FinishedAt = store.Time(runAt), store.Time(created), store.Time(finished)
	return j, nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
