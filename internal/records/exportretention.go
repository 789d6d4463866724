package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"dbtp/internal/store"
)

// What an export says of retention beyond the dates: each record's
// extensions and disposal history, and the legal holds (holds.json).

// retention fills a record's extensions and disposal history: first what
// an earlier import carried in, then what happened here, oldest first.
func (x *exporter) retention(ctx context.Context, d *Document, r *fmtRetention) error {
	var err error
	if r.Extensions, err = x.s.extensionsOf(ctx, d.OrgID, d.ID); err != nil {
		return err
	}
	carried, err := x.s.carriedDisposals(ctx, d.OrgID, d.ID)
	if err != nil {
		return err
	}
	r.Disposal = append(r.Disposal, carried...)
	rows, err := x.s.db.Query(ctx, `SELECT id, due_at, action, schedule, two_stage, stage, approvals, state, hold_id, reason, extended_to,
		decided_at, decided_by, decided_by_name, certificate_id, queued_at, updated_at FROM records_disposals
		WHERE org_id = ? AND document_id = ? ORDER BY queued_at, id`, d.OrgID, d.ID)
	if err != nil {
		return err
	}
	var own []fmtDisposal
	var certIDs []string
	for rows.Next() {
		var f fmtDisposal
		var two int
		var approvals, certID string
		var due, ext, decided, queued, updated int64
		if err := rows.Scan(&f.ID, &due, &f.Action, &f.Schedule, &two, &f.Stage, &approvals, &f.State, &f.HoldID, &f.Reason, &ext,
			&decided, &f.DecidedBy.ID, &f.DecidedBy.Name, &certID, &queued, &updated); err != nil {
			rows.Close()
			return err
		}
		var as []Approval
		if err := json.Unmarshal([]byte(approvals), &as); err != nil {
			rows.Close()
			return fmt.Errorf("disposal %s approvals: %w", f.ID, err)
		}
		f.Approvals = fmtApprovals(as)
		f.TwoStage, f.DueAt, f.ExtendedTo, f.DecidedAt = two == 1, store.Time(due), optTime(ext), optTime(decided)
		f.QueuedAt, f.UpdatedAt = store.Time(queued), store.Time(updated)
		own, certIDs = append(own, f), append(certIDs, certID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, id := range certIDs {
		if id == "" {
			continue
		}
		if own[i].Certificate, err = x.certificate(ctx, id, d.ID); err != nil {
			return err
		}
	}
	r.Disposal = append(r.Disposal, own...)
	return nil
}

// certificate is certificate id as the record d's history shows it: the
// whole certificate but for the other records' entries.
func (x *exporter) certificate(ctx context.Context, id, docID string) (*fmtCertificate, error) {
	c := x.certs[id]
	if c == nil {
		var err error
		c, err = scanCertificate(x.s.db.QueryRow(ctx, `SELECT `+certificateColumns+` FROM records_certificates WHERE id = ? AND org_id = ?`, id, x.sub.OrgID))
		if err != nil {
			return nil, fmt.Errorf("records: certificate %s of record %s: %w", id, docID, err)
		}
		x.certs[id] = c
	}
	i := slices.IndexFunc(c.Items, func(it CertificateItem) bool { return it.Reference == docID })
	if i < 0 {
		return nil, fmt.Errorf("records: certificate %s does not name record %s, whose disposal it closed", c.Number, docID)
	}
	it := c.Items[i]
	return &fmtCertificate{ID: c.ID, Number: c.Number, Action: c.Action, IssuedAt: c.DestroyedAt, Schedule: c.Schedule, Note: c.Note,
		ExecutedBy: c.ExecutedBy, Approvals: fmtApprovals(c.Approvals), Records: len(c.Items),
		Item: fmtCertItem{Title: it.Title, Class: it.Class, CaseRef: it.CaseRef, Declared: it.Declared, Schedule: it.Schedule, DueAt: it.DueAt,
			Versions: it.Versions, SHA256: nonNil(it.SHA256), Bytes: it.Bytes, Verified: it.Verified, Kept: nonNil(it.Kept), Note: it.Note}}, nil
}

func fmtApprovals(as []Approval) []fmtApproval {
	out := []fmtApproval{}
	for _, a := range as {
		out = append(out, fmtApproval{Stage: a.Stage, By: fmtAgent{ID: a.UserID, Name: a.Name}, Role: a.Role, At: a.At, Note: a.Note})
	}
	return out
}

// holds is holds.json: every hold, active or lifted, that names a record
// written, a class exported, or a case of a record written. What it names
// is cut down to those, so an import can check every name against the
// archive. An export of everything keeps every case a hold names: a case
// may be held before any of its documents is filed.
func (x *exporter) holds(ctx context.Context) (fmtHolds, error) {
	out := fmtHolds{Holds: []fmtHold{}}
	rows, err := x.s.db.Query(ctx, `SELECT id, title, reason, created_by, created_by_name, created_at, lifted_at, lifted_by, lifted_by_name, lift_reason
		FROM records_holds WHERE org_id = ? ORDER BY created_at, id`, x.sub.OrgID)
	if err != nil {
		return out, err
	}
	var all []fmtHold
	for rows.Next() {
		var h fmtHold
		var placed, released int64
		if err := rows.Scan(&h.ID, &h.Title, &h.Reason, &h.PlacedBy.ID, &h.PlacedBy.Name, &placed, &released, &h.ReleasedBy.ID, &h.ReleasedBy.Name,
			&h.ReleaseReason); err != nil {
			rows.Close()
			return out, err
		}
		h.PlacedAt, h.ReleasedAt = store.Time(placed), optTime(released)
		h.RecordIDs, h.ClassCodes, h.CaseIDs = []string{}, []string{}, []string{}
		all = append(all, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	exported := map[string]bool{}
	for _, c := range x.classes {
		exported[c.ID] = true
	}
	keepCase := func(id string) bool {
		switch {
		case x.caseID != "":
			return id == x.caseID
		case x.inClasses == nil:
			return true
		}
		return x.cases[id]
	}
	for i := range all {
		h := &all[i]
		items, err := x.s.db.Query(ctx, `SELECT kind, ref FROM records_hold_items WHERE hold_id = ? ORDER BY kind, ref`, h.ID)
		if err != nil {
			return out, err
		}
		for items.Next() {
			var kind, ref string
			if err := items.Scan(&kind, &ref); err != nil {
				items.Close()
				return out, err
			}
			switch {
			case kind == HoldDocument && x.written[ref]:
				h.RecordIDs = append(h.RecordIDs, ref)
			case kind == HoldClass && exported[ref]:
				h.ClassCodes = append(h.ClassCodes, x.codeOf[ref])
			case kind == HoldCase && keepCase(ref):
				h.CaseIDs = append(h.CaseIDs, ref)
			}
		}
		items.Close()
		if err := items.Err(); err != nil {
			return out, err
		}
		if len(h.RecordIDs)+len(h.ClassCodes)+len(h.CaseIDs) == 0 {
			continue
		}
		slices.Sort(h.ClassCodes)
		ev, err := x.s.history(ctx, x.log, x.sub.OrgID, holdResource, h.ID)
		if err != nil {
			return out, err
		}
		h.Events = nonNil(ev)
		x.manifest.Counts.Events += len(ev)
		out.Holds = append(out.Holds, *h)
	}
	x.manifest.Counts.Holds = len(out.Holds)
	return out, nil
}

// extensionsOf lists a document's extensions, oldest first, in the format's
// shape: the carried ones and those given here alike.
func (s *Store) extensionsOf(ctx context.Context, orgID, docID string) ([]fmtExtension, error) {
	exts, err := s.extensions(ctx, orgID, docID)
	out := []fmtExtension{}
	for _, e := range exts {
		out = append(out, fmtExtension{Until: e.Until, Reason: e.Reason, DisposalID: e.DisposalID, By: fmtAgent{ID: e.ByID, Name: e.ByName}, At: e.At})
	}
	return out, err
}

// carriedDisposals is the disposal history an import carried in for a
// document, in its order.
func (s *Store) carriedDisposals(ctx context.Context, orgID, docID string) ([]fmtDisposal, error) {
	rows, err := s.db.Query(ctx, `SELECT entry FROM records_carried_disposals WHERE org_id = ? AND document_id = ? ORDER BY seq`, orgID, docID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fmtDisposal
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var f fmtDisposal
		if err := json.Unmarshal([]byte(raw), &f); err != nil {
			return nil, fmt.Errorf("records: carried disposal of %s: %w", docID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
