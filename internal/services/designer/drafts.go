package designer

import (
	"context"
	"fmt"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Draft is a service being designed: the YAML it will publish, read back
// into a definition for the forms that edit it.
type Draft struct {
	ServiceID   string
	Source      []byte
	Def         *definition.Definition
	BaseVersion int   // the published version it started from; 0 for a new service
	Revision    int64 // goes up by one with every save
	UpdatedBy   string
	UpdatedAt   time.Time
}

// Policy is the access rule for service definitions (resource type
// "service_definition"): people with the designer role may draft and
// publish them; everyone else has the default rule (only admins may
// publish, which the boundaries already allow).
func Policy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if s.HasRole(platform.RoleDesigner) {
		return access.Decision{Allowed: true, Reason: "service designer"}
	}
	return access.Roles(s, a, r)
}

// ResourceType is the access resource type of service definitions and their drafts.
const ResourceType = "service_definition"

func (d *Designer) may(ctx context.Context, sub *platform.Subject, id string) error {
	if sub == nil || sub.OrgID == "" {
		return platform.Errorf(platform.CodeForbidden, "You do not have access to the service designer.")
	}
	return d.ap.Check(ctx, sub, access.Administer, access.Resource{Type: ResourceType, ID: id, OrgID: sub.OrgID})
}

const draftColumns = "service_id, source, base_version, revision, updated_by, updated_at"

func scanDraft(r interface{ Scan(...any) error }) (Draft, error) {
	var dr Draft
	var src string
	var at int64
	if err := r.Scan(&dr.ServiceID, &src, &dr.BaseVersion, &dr.Revision, &dr.UpdatedBy, &at); err != nil {
		return dr, err
	}
	dr.Source, dr.UpdatedAt = []byte(src), store.Time(at)
	def, err := decodeDraft(dr.Source)
	if err != nil {
		return dr, err
	}
	dr.Def = def
	return dr, nil
}

// Drafts lists the organisation's drafts by service ID.
func (d *Designer) Drafts(ctx context.Context, sub *platform.Subject) ([]Draft, error) {
	if err := d.may(ctx, sub, ""); err != nil {
		return nil, err
	}
	rows, err := d.db.Query(ctx, "SELECT "+draftColumns+" FROM service_designs WHERE org_id = ? ORDER BY service_id", sub.OrgID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		dr, err := scanDraft(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, dr)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// Draft returns the draft of one service.
func (d *Designer) Draft(ctx context.Context, sub *platform.Subject, id string) (Draft, error) {
	if err := d.may(ctx, sub, id); err != nil {
		return Draft{}, err
	}
	dr, err := scanDraft(d.db.QueryRow(ctx, "SELECT "+draftColumns+" FROM service_designs WHERE org_id = ? AND service_id = ?", sub.OrgID, id))
	if store.IsNoRows(err) {
		return Draft{}, platform.NotFound("draft")
	}
	if err != nil {
		return Draft{}, platform.Internal(err)
	}
	return dr, nil
}

// create starts a draft; there is at most one per service.
func (d *Designer) create(ctx context.Context, sub *platform.Subject, def *definition.Definition, base int) (Draft, error) {
	if err := d.may(ctx, sub, def.ID); err != nil {
		return Draft{}, err
	}
	src, err := Encode(def)
	if err != nil {
		return Draft{}, platform.Internal(err)
	}
	now := d.now()
	err = d.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO service_designs (org_id, service_id, source, base_version, revision, created_by, updated_by, updated_at)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?)`, sub.OrgID, def.ID, string(src), base, sub.UserID, sub.UserID, store.Millis(now))
		if store.IsUniqueViolation(err) {
			return platform.Errorf(platform.CodeConflict, "%s is already being designed: open its draft from the service designer", def.ID)
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "service_design.create", ResourceType, def.ID, audit.Success)
		e.Detail = fmt.Sprintf("started a draft of %s from version %d", def.ID, base)
		return d.rec.Record(tx, e)
	})
	if err != nil {
		return Draft{}, err
	}
	return Draft{ServiceID: def.ID, Source: src, Def: def, BaseVersion: base, Revision: 1, UpdatedBy: sub.UserID, UpdatedAt: now}, nil
}

// save replaces the draft's YAML with def's, if nobody has saved since
// revision. what says what changed, for the audit log.
func (d *Designer) save(ctx context.Context, sub *platform.Subject, dr Draft, def *definition.Definition, what string) (Draft, error) {
	if err := d.may(ctx, sub, dr.ServiceID); err != nil {
		return Draft{}, err
	}
	src, err := Encode(def)
	if err != nil {
		return Draft{}, platform.Internal(err)
	}
	now := d.now()
	err = d.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE service_designs SET source = ?, revision = revision + 1, updated_by = ?, updated_at = ?
			WHERE org_id = ? AND service_id = ? AND revision = ?`, string(src), sub.UserID, store.Millis(now), sub.OrgID, dr.ServiceID, dr.Revision)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errStale
		}
		e := audit.For(sub, "service_design.update", ResourceType, dr.ServiceID, audit.Success)
		e.Detail = what
		return d.rec.Record(tx, e)
	})
	if err != nil {
		return Draft{}, err
	}
	dr.Source, dr.Def, dr.Revision, dr.UpdatedBy, dr.UpdatedAt = src, def, dr.Revision+1, sub.UserID, now
	return dr, nil
}

var errStale = platform.Errorf(platform.CodeConflict, "Someone else changed this draft after you opened the page. Nothing was saved: open the page again to see their change.")

// discard deletes the draft (after publishing, or when abandoned).
func (d *Designer) discard(ctx context.Context, tx *store.Tx, sub *platform.Subject, dr Draft, detail string) error {
	res, err := tx.Exec(ctx, "DELETE FROM service_designs WHERE org_id = ? AND service_id = ? AND revision = ?", sub.OrgID, dr.ServiceID, dr.Revision)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errStale
	}
	e := audit.For(sub, "service_design.delete", ResourceType, dr.ServiceID, audit.Success)
	e.Detail = detail
	return d.rec.Record(tx, e)
}
