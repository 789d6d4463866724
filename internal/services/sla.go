package services

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// escalateBatch is how many breached cases one sweep write handles.
const escalateBatch = 200

// EscalateBreached finds open cases, in every organisation, whose current
// state's SLA was due before now and that have not been escalated in that
// state; marks each escalated, runs the state's escalation (notify a role,
// move to a queue), and records it on the timeline and in the audit log.
// It is idempotent: a case is escalated once per state it enters, however
// often or on however many nodes the sweep runs. It returns how many cases
// it escalated.
func (s *Service) EscalateBreached(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		cases, err := s.breached(ctx, now)
		if err != nil {
			return total, err
		}
		n, err := s.escalate(ctx, cases, now.UTC().Truncate(time.Millisecond))
		total += n
		if err != nil {
			return total, err
		}
		// A short batch was the last; a batch where nothing could be
		// escalated (every case changed meanwhile) is left for the next sweep.
		if len(cases) < escalateBatch || n == 0 {
			return total, nil
		}
	}
}

func (s *Service) breached(ctx context.Context, now time.Time) ([]Case, error) {
	rows, err := s.db.Query(ctx, "SELECT "+caseColumns+" FROM cases WHERE state_terminal = 0 AND escalated = 0 AND due_at < ? ORDER BY due_at, id LIMIT ?",
		store.Millis(now), escalateBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Service) escalate(ctx context.Context, cases []Case, now time.Time) (int, error) {
	if len(cases) == 0 {
		return 0, nil
	}
	type job struct {
		c      Case
		detail string
		queue  string
		notify *Message
	}
	jobs := make([]job, 0, len(cases))
	for _, c := range cases {
		def, err := s.PinnedDefinition(ctx, c)
		if err != nil {
			return 0, err
		}
		st, _ := findState(def, c.State)
		j := job{c: c, queue: c.Queue}
		parts := []string{fmt.Sprintf("%s: %s was due %s", c.Reference, c.State, c.DueAt.Format(time.RFC3339))}
		esc := st.Escalation
		if dl := def.Workflow.Deadline; dl != nil {
			esc = dl.Escalation // one clock for the whole case, one escalation
		}
		if esc != nil {
			if esc.Queue != "" {
				j.queue = esc.Queue
				parts = append(parts, "moved to queue "+esc.Queue)
			}
			if esc.NotifyRole != "" {
				j.notify = &Message{OrgID: c.OrgID, CaseID: c.ID, Reference: c.Reference,
					To:      Recipient{Kind: ToRole, Value: string(esc.NotifyRole), UnitID: c.UnitID},
					Subject: "Case " + c.Reference + " is overdue",
					Body:    fmt.Sprintf("Case %s (%s) has been in %q since %s and was due %s.", c.Reference, def.Title, stateLabel(def, c.State), c.StateEnteredAt.Format("2 January 2006"), c.DueAt.Format("2 January 2006")),
				}
				parts = append(parts, "notified "+string(esc.NotifyRole))
			}
		}
		j.detail = strings.Join(parts, "; ")
		jobs = append(jobs, j)
	}
	done := 0
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		done = 0
		for _, j := range jobs {
			c := j.c
			res, err := tx.Exec(ctx, "UPDATE cases SET escalated = 1, queue = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ? AND escalated = 0",
				j.queue, store.Millis(now), c.OrgID, c.ID, c.Version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // changed since it was read: the next sweep looks again
			}
			sys := platform.System(c.OrgID)
			if j.notify != nil {
				m := *j.notify
				m.ID, m.CreatedAt = platform.NewID("msg"), now
				if err := s.opts.Notifier.Notify(ctx, tx, m); err != nil {
					return fmt.Errorf("services: notify: %w", err)
				}
			}
			c.Queue = j.queue
			if err := s.addEvent(ctx, tx, sys, &c, now, EventEscalated, c.State, c.State, j.detail, false); err != nil {
				return err
			}
			e := audit.For(sys, "case.escalate", "case", c.ID, audit.Success)
			e.Detail = j.detail
			if err := s.rec.Record(tx, e); err != nil {
				return err
			}
			done++
		}
		return nil
	})
	if err != nil {
		return 0, asPlatform(err)
	}
	return done, nil
}

// WorkingDaysLeft counts the working days from now's date to due's: 0 when
// due today, negative when overdue (the working days since). Calendars
// that can count (the England and Wales one) count bank holidays out; the
// default counts Monday to Friday.
func (s *Service) WorkingDaysLeft(due, now time.Time) int {
	if c, ok := s.opts.Calendar.(interface{ WorkingDaysBetween(a, b time.Time) int }); ok {
		return c.WorkingDaysBetween(now, due)
	}
	a, b, sign := now, due, 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := dateOf(a).AddDate(0, 0, 1); !d.After(dateOf(b)); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return sign * n
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
