package records

import (
	"context"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// QueueRun says what one run of FillDisposalQueue did.
type QueueRun struct {
	Recomputed int `json:"recomputed"` // due dates changed
	Withdrawn  int `json:"withdrawn"`  // open items no longer due
	Held       int `json:"held"`       // open items a hold now covers
	Released   int `json:"released"`   // held items no hold covers any more
	Queued     int `json:"queued"`     // documents newly due
	Completed  int `json:"completed"`  // interrupted disposals finished
}

// queueBatch bounds one write of the queue run.
const queueBatch = 200

// FillDisposalQueue is the daily run, for every organisation: due dates
// are worked out again, items no longer due are withdrawn, holds are
// applied to what is queued, every active document (declared or not)
// whose due date has passed and that no active legal hold covers is
// queued with its schedule's action, and disposals that stopped part way
// are finished. Running it twice queues nothing twice: a document has at
// most one open item (a unique index says so too).
func (s *Store) FillDisposalQueue(ctx context.Context, now time.Time) (QueueRun, error) {
	var run QueueRun
	orgs, err := s.orgsWithPlans(ctx)
	if err != nil {
		return run, err
	}
	for _, org := range orgs {
		n, err := s.RecomputeDue(ctx, org)
		if err != nil {
			return run, err
		}
		run.Recomputed += n
		if err := s.tidyQueue(ctx, org, now, &run); err != nil {
			return run, err
		}
		if err := s.queueDue(ctx, org, now, &run); err != nil {
			return run, err
		}
		n, err = s.finishInterrupted(ctx, org)
		run.Completed += n
		if err != nil {
			return run, err
		}
	}
	return run, nil
}

func (s *Store) orgsWithPlans(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT DISTINCT org_id FROM records_classes ORDER BY org_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// tidyQueue withdraws open items that are no longer due, holds those a
// hold now covers (a document filed into a held class after the hold was
// made) and releases those no hold covers any more.
func (s *Store) tidyQueue(ctx context.Context, orgID string, now time.Time, run *QueueRun) error {
	sys := platform.System(orgID)
	var withdrawn, held, released int
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		stale, err := idsWhere(ctx, tx, `SELECT x.document_id FROM records_disposals x WHERE x.org_id = ? AND x.state IN (?, ?, ?)
			AND NOT EXISTS (SELECT 1 FROM records_documents d WHERE d.id = x.document_id AND d.state = ? AND d.due_at > 0 AND d.due_at <= ?)`,
			orgID, DisposalPending, DisposalHeld, DisposalApproved, StateActive, store.Millis(now))
		if err != nil {
			return err
		}
		for _, id := range stale {
			if err := s.withdrawNotDue(ctx, tx, id, "its due date moved or it is no longer active", now); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT x.id, `+holdIDSQL+`, `+docColumns+` FROM records_disposals x JOIN records_documents d ON d.id = x.document_id
			WHERE x.org_id = ? AND x.state IN (?, ?) AND `+heldSQL, orgID, DisposalPending, DisposalApproved)
		if err != nil {
			return err
		}
		type item struct {
			id, hold string
			doc      *Document
		}
		var toHold []item
		for rows.Next() {
			var it item
			if it.doc, err = scanDocument(prefixScan{rows, []any{&it.id, &it.hold}}); err != nil {
				rows.Close()
				return err
			}
			toHold = append(toHold, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, it := range toHold {
			if err := s.markHeld(ctx, tx, sys, it.id, it.doc, it.hold); err != nil {
				return err
			}
		}
		withdrawn, held = len(stale), len(toHold)
		released, err = s.releaseHeld(ctx, tx, sys, orgID)
		return err
	})
	if err == nil {
		run.Withdrawn, run.Held, run.Released = run.Withdrawn+withdrawn, run.Held+held, run.Released+released
	}
	return err
}

func idsWhere(ctx context.Context, tx *store.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// queueDue queues the organisation's due documents, a batch per write.
func (s *Store) queueDue(ctx context.Context, orgID string, now time.Time, run *QueueRun) error {
	sys := platform.System(orgID)
	for {
		var n int
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			n = 0
			classes, err := s.classes(ctx, tx.Query, orgID)
			if err != nil {
				return err
			}
			eff := map[string]Schedule{}
			for _, c := range classes {
				eff[c.ID] = c.Effective
			}
			docs, err := s.docsWhere(ctx, tx, orgID, `d.state = ? AND d.due_at > 0 AND d.due_at <= ? AND NOT `+heldSQL+`
				AND NOT EXISTS (SELECT 1 FROM records_disposals x WHERE x.document_id = d.id AND x.state IN (`+quoted(openStates)+`))
				ORDER BY d.due_at, d.id LIMIT ?`, StateActive, store.Millis(now), queueBatch)
			if err != nil {
				return err
			}
			for _, d := range docs {
				sc := eff[d.ClassID]
				if !sc.Set() {
					// Nothing is destroyed without a schedule that says so.
					sc = Schedule{Action: ActionReview}
				}
				id := platform.NewID("rdp")
				at := store.Millis(s.now())
				if _, err := tx.Exec(ctx, `INSERT INTO records_disposals (id, org_id, document_id, due_at, action, schedule, two_stage, stage, approvals, state, queued_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, 0, '[]', ?, ?, ?)`, id, orgID, d.ID, store.Millis(d.DueAt), sc.Action, sc.Describe(), b2i(sc.TwoStage),
					DisposalPending, at, at); err != nil {
					return err
				}
				if err := s.recordDocEntry(tx, sys, "records.disposal_queue", d, id+": due on "+day(d.DueAt)+": "+sc.Describe()); err != nil {
					return err
				}
			}
			n = len(docs)
			return nil
		})
		if err != nil {
			return err
		}
		run.Queued += n
		if n < queueBatch {
			return nil
		}
	}
}

// finishInterrupted carries out approved items whose disposal stopped part
// way, acting as the platform on the approvals already given.
func (s *Store) finishInterrupted(ctx context.Context, orgID string) (int, error) {
	var ids []string
	rows, err := s.db.Query(ctx, `SELECT id FROM records_disposals WHERE org_id = ? AND state IN (?, ?) ORDER BY id LIMIT ?`,
		orgID, DisposalApproved, DisposalDisposing, maxBatch)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return 0, err
	}
	// execute audits each failure itself, in its closing write.
	res, err := s.execute(ctx, platform.System(orgID), ids, "")
	return len(res.Done), err
}
