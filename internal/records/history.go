package records

import (
	"context"
	"slices"

	"dbtp/internal/audit"
	"dbtp/internal/store"
)

// A record's history, as an export writes it, is two things: the events
// carried in by an earlier import (records_carried_events), then this
// organisation's own audit log entries about it. Both end up in one list,
// oldest first, in the open format's event shape.

// Resource types of the audit entries that are a class's or a record's
// history, besides ResourceType itself.
const (
	classResource  = "record_class"
	holdResource   = "record_hold"
	exportResource = "record_export"
	importResource = "record_import"
)

// auditLister is the part of *audit.Log an export needs: the entries about
// one resource. The store's Recorder is the log in every real wiring; a
// recorder that cannot list makes Export refuse rather than write an
// archive without history.
type auditLister interface {
	List(ctx context.Context, f audit.Filter) (audit.Page, error)
}

// history returns everything recorded about one record or class.
func (s *Store) history(ctx context.Context, log auditLister, orgID, resType, id string) ([]fmtEvent, error) {
	out, err := s.carried(ctx, orgID, resType, id)
	if err != nil {
		return nil, err
	}
	var own []audit.Entry
	f := audit.Filter{OrgID: orgID, ResourceType: resType, ResourceID: id, Limit: audit.MaxLimit}
	for {
		p, err := log.List(ctx, f)
		if err != nil {
			return nil, err
		}
		own = append(own, p.Entries...)
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	// The log lists newest first; a history reads oldest first.
	slices.Reverse(own)
	for _, e := range own {
		out = append(out, fmtEvent{At: e.At.UTC(), Action: e.Action, Outcome: string(e.Outcome), ActorID: e.ActorID, ActorName: e.ActorName,
			ActingFor: e.ActingFor, Detail: e.Detail, OriginOrgID: orgID, OriginIndex: e.Index})
	}
	return out, nil
}

func (s *Store) carried(ctx context.Context, orgID, resType, id string) ([]fmtEvent, error) {
	rows, err := s.db.Query(ctx, `SELECT at, action, outcome, actor_id, actor_name, acting_for, detail, origin_org_id, origin_index
		FROM records_carried_events WHERE org_id = ? AND resource_type = ? AND resource_id = ? ORDER BY seq`, orgID, resType, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fmtEvent
	for rows.Next() {
		var e fmtEvent
		var at int64
		if err := rows.Scan(&at, &e.Action, &e.Outcome, &e.ActorID, &e.ActorName, &e.ActingFor, &e.Detail, &e.OriginOrgID, &e.OriginIndex); err != nil {
			return nil, err
		}
		e.At = store.Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// carry stores an archive's events about a resource as its carried history.
// Rows left by an earlier import of a document since deleted (deletion
// keeps history, like the audit log) are replaced: the archive being
// imported carries that history again.
func carry(ctx context.Context, tx *store.Tx, orgID, resType, id, importID string, events []fmtEvent) error {
	if _, err := tx.Exec(ctx, `DELETE FROM records_carried_events WHERE org_id = ? AND resource_type = ? AND resource_id = ?`, orgID, resType, id); err != nil {
		return err
	}
	for i, e := range events {
		if _, err := tx.Exec(ctx, `INSERT INTO records_carried_events (org_id, resource_type, resource_id, seq, at, action, outcome, actor_id, actor_name,
			acting_for, detail, origin_org_id, origin_index, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			orgID, resType, id, i+1, store.Millis(e.At), e.Action, e.Outcome, e.ActorID, e.ActorName, e.ActingFor, e.Detail,
			e.OriginOrgID, e.OriginIndex, importID); err != nil {
			return err
		}
	}
	return nil
}
