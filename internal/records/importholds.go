package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// carryRetention stores a record's extensions and disposal history from
// an archive, in the import's write. Extensions join records_extensions
// marked with the import, so the retention view lists them with this
// system's own; retain_until, on the document, is what keeps it. Queue
// items are kept as the archive gave them, as history: an item approved
// in another system approves nothing here (the daily run queues the
// record again when it is due, and approvals start again), and a
// certificate numbered there takes no number in this organisation's
// series.
func carryRetention(ctx context.Context, tx *store.Tx, d *Document, r fmtRetention, importID string) error {
	// Rows left by a document of the same ID imported before and since
	// deleted are replaced, as carry does for events: the archive being
	// imported carries that history again.
	for _, table := range []string{"records_extensions", "records_carried_disposals"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND document_id = ?`, d.OrgID, d.ID); err != nil {
			return err
		}
	}
	for _, x := range r.Extensions {
		if _, err := tx.Exec(ctx, `INSERT INTO records_extensions (id, org_id, document_id, until_at, reason, disposal_id, by_id, by_name, at, import_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, platform.NewID("rxt"), d.OrgID, d.ID, store.Millis(x.Until), x.Reason, x.DisposalID,
			x.By.ID, x.By.Name, store.Millis(x.At), importID); err != nil {
			return err
		}
	}
	for i, x := range r.Disposal {
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO records_carried_disposals (org_id, document_id, seq, entry, import_id) VALUES (?, ?, ?, ?, ?)`,
			d.OrgID, d.ID, i+1, string(b), importID); err != nil {
			return err
		}
	}
	return nil
}

// importHolds recreates the archive's legal holds, in force or lifted, and
// attaches them to what they name, so a hold in force still stops the
// disposal of what it covered. Each hold keeps its ID when it is free
// (another import of the same council's holds may have taken it: then it
// gets a new one, and the summary says so).
//
// A hold on a class the import created is kept as a class hold: the class
// holds only imported records, and later filings into it are held, as
// they were. A class that was already in this file plan holds this
// organisation's own records too, which the hold never covered; so there
// the hold names, instead, each imported record it covered. Whatever the
// classes, every imported record the hold covered in the archive is
// covered here.
func (s *Store) importHolds(ctx context.Context, tx *store.Tx, sub *platform.Subject, a *archive, classIDs map[string]string, sum *Summary) error {
	if len(a.holds) == 0 {
		return nil
	}
	plan, err := s.classes(ctx, tx.Query, sub.OrgID)
	if err != nil {
		return err
	}
	parent := map[string]string{}
	for _, c := range plan {
		parent[c.ID] = c.ParentID
	}
	for _, h := range a.holds {
		id := h.ID
		var taken int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM records_holds WHERE id = ?`, id).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			id = platform.NewID("rhd")
			sum.Notes = append(sum.Notes, fmt.Sprintf("the legal hold %q was given a new ID, as %s is used by another hold in this database", h.Title, h.ID))
		}
		docs, classes := slices.Clone(h.RecordIDs), []string{}
		var reused []string
		for _, code := range h.ClassCodes {
			if slices.Contains(sum.ClassesCreated, code) {
				classes = append(classes, classIDs[code])
			} else {
				reused = append(reused, code)
			}
		}
		before := len(docs)
		for _, r := range a.records {
			if slices.Contains(docs, r.id) || !a.holdCovers(h, r) {
				continue
			}
			here := classIDs[r.classCode]
			covered := r.caseID != "" && slices.Contains(h.CaseIDs, r.caseID)
			for c := here; c != "" && !covered; c = parent[c] {
				covered = slices.Contains(classes, c)
			}
			if !covered {
				docs = append(docs, r.id)
			}
		}
		slices.Sort(docs)
		if len(reused) > 0 {
			sum.Notes = append(sum.Notes, fmt.Sprintf("the legal hold %q names %s, already in this file plan with records of its own: here it names the %d imported records it covered instead",
				h.Title, strings.Join(reused, ", "), len(docs)-before))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO records_holds (id, org_id, title, reason, created_by, created_by_name, created_at, lifted_at, lifted_by,
			lifted_by_name, lift_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, sub.OrgID, h.Title, h.Reason, h.PlacedBy.ID, h.PlacedBy.Name,
			store.Millis(h.PlacedAt), optMillis(h.ReleasedAt), h.ReleasedBy.ID, h.ReleasedBy.Name, h.ReleaseReason); err != nil {
			return err
		}
		for kind, refs := range map[string][]string{HoldDocument: docs, HoldClass: classes, HoldCase: h.CaseIDs} {
			for _, ref := range refs {
				if _, err := tx.Exec(ctx, `INSERT INTO records_hold_items (hold_id, org_id, kind, ref) VALUES (?, ?, ?, ?)`, id, sub.OrgID, kind, ref); err != nil {
					return err
				}
			}
		}
		if err := carry(ctx, tx, sub.OrgID, holdResource, id, sum.ImportID, h.Events); err != nil {
			return err
		}
		state := "in force"
		if !h.ReleasedAt.IsZero() {
			state = "lifted on " + day(h.ReleasedAt)
		}
		e := audit.For(sub, "records.hold_import", holdResource, id, audit.Success)
		e.Detail = fmt.Sprintf("%q (%s), %s: %d records, %d classes, %d cases named; from export %s", h.Title, h.Reason, state,
			len(docs), len(classes), len(h.CaseIDs), a.manifest.ExportID)
		if err := s.audit.Record(tx, e); err != nil {
			return err
		}
	}
	return nil
}

// holdCovers says whether hold h covered record r in the archive: by
// name, by its case, or by its class or a class above it there.
func (a *archive) holdCovers(h fmtHold, r archRecord) bool {
	if slices.Contains(h.RecordIDs, r.id) || (r.caseID != "" && slices.Contains(h.CaseIDs, r.caseID)) {
		return true
	}
	for code, n := r.classCode, 0; code != "" && n < 16; code, n = a.classes[code].ParentCode, n+1 {
		if slices.Contains(h.ClassCodes, code) {
			return true
		}
	}
	return false
}
