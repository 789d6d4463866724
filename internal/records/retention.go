package records

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// mayManage is the one rule for retention, disposal and holds. The
// records policy lets a records manager do anything to a record, but
// approving destruction or placing a hold is not something a unit's
// manager or caseworker may do to their own documents, so the role gate
// comes first; the access point then applies the boundaries every type
// shares (organisation, token scope). what names the area in the audit
// log ("disposal", "holds", "retention", "certificates"). With tx nil the
// refusal is recorded on its own (reads); inside a write it commits with
// the refusal and nothing else.
func (s *Store) mayManage(ctx context.Context, tx *store.Tx, sub *platform.Subject, a access.Action, what string) error {
	res := access.Resource{Type: ResourceType, ID: what, OrgID: sub.OrgID}
	if !sub.Authenticated() {
		return platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	if !CanKeepPlan(sub) {
		e := audit.For(sub, "records."+what+"_"+string(a), ResourceType, what, audit.Denied)
		e.Detail = "only records managers and admins manage retention, disposal and legal holds"
		refused := platform.Errorf(platform.CodeForbidden, "Only records managers and administrators can do this")
		if tx == nil {
			if err := s.audit.RecordNow(ctx, e); err != nil {
				return platform.Internal(err)
			}
			return refused
		}
		if err := s.audit.Record(tx, e); err != nil {
			return err
		}
		return store.CommitAnd(refused)
	}
	if tx == nil {
		return s.access.Check(ctx, sub, a, res)
	}
	return s.access.CheckTx(tx, sub, a, res)
}

// cleanReason trims a reason a person gives and checks it is there.
func cleanReason(field, reason string) (string, *platform.FieldError) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 1000 || strings.ContainsFunc(reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return reason, &platform.FieldError{Field: field, Message: "Give the reason, in up to 1,000 characters"}
	}
	return reason, nil
}

func day(t time.Time) string { return t.Format("2 January 2006") }

// RecomputeDue works out every active document's due date again from its
// class's effective schedule (and its own extension), and returns how many
// changed. The daily run calls it, and SaveClass for the class it changed.
func (s *Store) RecomputeDue(ctx context.Context, orgID string) (int, error) {
	return s.recompute(ctx, orgID, nil)
}

func (s *Store) recomputeClass(ctx context.Context, orgID, classID string) error {
	ids, err := s.classAndBelow(ctx, orgID, classID)
	if err != nil {
		return err
	}
	_, err = s.recompute(ctx, orgID, ids)
	return err
}

// recomputeBatch bounds one write of RecomputeDue, so a council with a
// million documents never holds the single SQLite writer for long.
const recomputeBatch = 500

// recompute does RecomputeDue for the documents of classIDs (nil: all).
// Each batch reads and writes in one transaction, so a version added at
// the same moment is never overwritten by a stale computation.
func (s *Store) recompute(ctx context.Context, orgID string, classIDs []string) (int, error) {
	total, after := 0, ""
	for {
		// The closure may run twice (PostgreSQL retries a serialization
		// failure), so it only sets these, and the loop moves on after.
		var seen, changed int
		var lastID string
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			seen, changed, lastID = 0, 0, after
			classes, err := s.classes(ctx, tx.Query, orgID)
			if err != nil {
				return err
			}
			eff := map[string]Schedule{}
			for _, c := range classes {
				eff[c.ID] = c.Effective
			}
			q := `SELECT ` + docColumns + `, (SELECT COALESCE(MAX(v.created_at), 0) FROM records_versions v WHERE v.document_id = d.id)
				FROM records_documents d WHERE d.org_id = ? AND d.state = ? AND d.id > ?`
			args := []any{orgID, StateActive, after}
			if classIDs != nil {
				q += ` AND d.class_id IN (` + placeholders(len(classIDs)) + `)`
				for _, id := range classIDs {
					args = append(args, id)
				}
			}
			rows, err := tx.Query(ctx, q+` ORDER BY d.id LIMIT ?`, append(args, recomputeBatch)...)
			if err != nil {
				return err
			}
			type change struct {
				id  string
				due time.Time
			}
			var changes []change
			earlier := 0
			for rows.Next() {
				var last int64
				d, err := scanDocument(extraScan{rows, []any{&last}})
				if err != nil {
					rows.Close()
					return err
				}
				seen++
				lastID = d.ID
				due := DueAt(eff[d.ClassID], d, optTime(last))
				if !due.Equal(d.DueAt) {
					changes = append(changes, change{d.ID, due})
					if !due.IsZero() && (d.DueAt.IsZero() || due.Before(d.DueAt)) {
						earlier++
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, c := range changes {
				if _, err := tx.Exec(ctx, `UPDATE records_documents SET due_at = ? WHERE id = ?`, optMillis(c.due), c.id); err != nil {
					return err
				}
				if err := s.withdrawNotDue(ctx, tx, c.id, "its schedule changed", s.now()); err != nil {
					return err
				}
			}
			changed = len(changes)
			if len(changes) == 0 {
				return nil
			}
			e := audit.For(platform.System(orgID), "records.due_recompute", "record_class", "", audit.Success)
			e.Detail = fmt.Sprintf("%d due dates changed by the file plan's schedules (%d earlier, %d later or not yet known)", len(changes), earlier, len(changes)-earlier)
			return s.audit.Record(tx, e)
		})
		if err != nil {
			return total, err
		}
		total, after = total+changed, lastID
		if seen < recomputeBatch {
			return total, nil
		}
	}
}

// extraScan scans a document's columns and then a few more.
type extraScan struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// TriggerTarget names what an event trigger happened to: one document, or
// every document of a case.
type TriggerTarget struct {
	DocumentID string
	CaseID     string
}

// SetTrigger records that an event a schedule counts from (the case
// closed, the last contact with the person) happened at at, and works out
// the due dates again. An event trigger only moves later: a case that is
// reopened and closed again counts from the second closing, and a repeated
// or late event (a redelivered message) changes nothing, so a retention
// period is never shortened this way. It returns how many documents moved.
func (s *Store) SetTrigger(ctx context.Context, sub *platform.Subject, target TriggerTarget, at time.Time) (int, error) {
	var bad []platform.FieldError
	if (target.DocumentID == "") == (target.CaseID == "") {
		bad = append(bad, platform.FieldError{Field: "target", Message: "Name one document or one case"})
	}
	if at.IsZero() || at.After(s.now().Add(time.Minute)) {
		bad = append(bad, platform.FieldError{Field: "at", Message: "Enter when it happened: a date that is not in the future"})
	}
	if len(bad) > 0 {
		return 0, platform.Invalid("Check the event", bad...)
	}
	moved := 0
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		moved = 0
		if err := s.mayManage(ctx, tx, sub, access.Update, "retention"); err != nil {
			return err
		}
		q, arg := `d.case_id = ?`, target.CaseID
		if target.DocumentID != "" {
			q, arg = `d.id = ?`, target.DocumentID
		}
		docs, err := s.docsWhere(ctx, tx, sub.OrgID, q+` AND d.state = '`+StateActive+`' ORDER BY d.id`, arg)
		if err != nil {
			return err
		}
		if target.DocumentID != "" && len(docs) == 0 {
			return platform.NotFound("record")
		}
		for _, d := range docs {
			if !d.TriggerAt.Before(at) {
				continue
			}
			d.TriggerAt = at.UTC()
			if err := s.refreshDue(ctx, tx, d); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE records_documents SET trigger_at = ?, due_at = ? WHERE id = ?`, store.Millis(d.TriggerAt), optMillis(d.DueAt), d.ID); err != nil {
				return err
			}
			if err := s.withdrawNotDue(ctx, tx, d.ID, "its trigger event moved later", s.now()); err != nil {
				return err
			}
			detail := "event trigger on " + day(d.TriggerAt) + ": due " + day(d.DueAt)
			if d.DueAt.IsZero() {
				detail = "event trigger on " + day(d.TriggerAt) + ": its schedule does not count from it"
			}
			if err := s.recordDocEntry(tx, sub, "records.trigger", d, detail); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	return moved, err
}

// CaseClosed is the services subscriber's entry: the platform records that
// a case closed, so its documents' "case closed" schedules start counting.
func (s *Store) CaseClosed(ctx context.Context, orgID, caseID string, at time.Time) error {
	if caseID == "" {
		return platform.Invalid("Check the event", platform.FieldError{Field: "case_id", Message: "Name the case"})
	}
	_, err := s.SetTrigger(ctx, platform.System(orgID), TriggerTarget{CaseID: caseID}, at)
	return err
}

// docsWhere loads an organisation's documents matching cond (on d, with
// any ORDER BY and LIMIT) in a write.
func (s *Store) docsWhere(ctx context.Context, tx *store.Tx, orgID, cond string, args ...any) ([]*Document, error) {
	rows, err := tx.Query(ctx, `SELECT `+docColumns+` FROM records_documents d WHERE d.org_id = ? AND `+cond, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// refreshDue sets d.DueAt from its class's effective schedule, inside tx.
func (s *Store) refreshDue(ctx context.Context, tx *store.Tx, d *Document) error {
	classes, err := s.classes(ctx, tx.Query, d.OrgID)
	if err != nil {
		return err
	}
	var sc Schedule
	for _, c := range classes {
		if c.ID == d.ClassID {
			sc = c.Effective
		}
	}
	last, err := lastVersionAt(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	d.DueAt = DueAt(sc, d, last)
	return nil
}

// ExtendRetention keeps one document until at least until, for the reason
// given. Retention is only ever extended: until must be later than the
// document's current due date and any earlier extension, and in the
// future. An item of the disposal queue for it is withdrawn.
func (s *Store) ExtendRetention(ctx context.Context, sub *platform.Subject, id string, until time.Time, reason string) (*Document, error) {
	reason, bad := cleanReason("reason", reason)
	if bad != nil {
		return nil, platform.Invalid("Check the extension", *bad)
	}
	var out *Document
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayManage(ctx, tx, sub, access.Update, "retention"); err != nil {
			return err
		}
		d, err := s.managedDocument(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		if err := s.extend(ctx, tx, sub, d, until, reason, ""); err != nil {
			return err
		}
		if _, err := s.closeOpen(ctx, tx, sub, d, []string{DisposalPending, DisposalHeld, DisposalApproved}, DisposalWithdrawn,
			"retention extended to "+day(until)+": "+reason, until); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

// managedDocument loads a document of sub's organisation for a records
// manager's action, through the access point.
func (s *Store) managedDocument(ctx context.Context, tx *store.Tx, sub *platform.Subject, id string) (*Document, error) {
	d, err := loadDocument(ctx, tx.QueryRow, id)
	if err != nil {
		return nil, err
	}
	if err := s.seeTx(tx, sub, d); err != nil {
		return nil, err
	}
	return d, s.access.CheckTx(tx, sub, access.Update, d.resource())
}

// extend moves d's floor to until, refusing anything that would shorten
// its retention, and records it: in the audit log and as an extension
// (records_extensions), which the retention view and the export list.
// disposalID names the queue item a rejection kept it from ("" for none).
func (s *Store) extend(ctx context.Context, tx *store.Tx, sub *platform.Subject, d *Document, until time.Time, reason, disposalID string) error {
	if d.State != StateActive {
		return frozen(d)
	}
	until = until.UTC()
	floor := s.now()
	if d.DueAt.After(floor) {
		floor = d.DueAt
	}
	if d.RetainUntil.After(floor) {
		floor = d.RetainUntil
	}
	if !until.After(floor) {
		return platform.Invalid("Retention can only be extended", platform.FieldError{Field: "until",
			Message: "Choose a date after " + day(floor) + ": retention can only be extended, never shortened"})
	}
	d.RetainUntil = until
	if err := s.refreshDue(ctx, tx, d); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE records_documents SET retain_until = ?, due_at = ? WHERE id = ?`, store.Millis(until), optMillis(d.DueAt), d.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO records_extensions (id, org_id, document_id, until_at, reason, disposal_id, by_id, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		platform.NewID("rxt"), d.OrgID, d.ID, store.Millis(until), reason, disposalID, sub.UserID, declarer(sub), store.Millis(s.now())); err != nil {
		return err
	}
	return s.recordDocEntry(tx, sub, "records.retention_extend", d, "kept until at least "+day(until)+": "+reason)
}
