package post

import (
	"context"
	"database/sql"
	"errors"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// The delivery job's kind: the sending part enqueues one per notification
// (args {"id": notification id}) in the write that stores it; the delivery
// part handles it.
const JobDeliver = "post.deliver"

const templateColumns = "id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory, archived, created_at, updated_at, updated_by"

// TemplateForService returns a service's template at version (0: the
// current one), for the Notify API (whose callers are the service, not a
// person) and the delivery job. A template of another service is not
// found.
func (s *Store) TemplateForService(ctx context.Context, serviceID, id string, version int) (Template, error) {
	t, err := scanTemplate(s.db.QueryRow(ctx, "SELECT "+templateColumns+" FROM post_templates WHERE id = ? AND service_id = ?", id, serviceID))
	if errors.Is(err, sql.ErrNoRows) {
		return Template{}, platform.NotFound("template")
	}
	if err != nil || version == 0 || version == t.Version {
		return t, err
	}
	var created int64
	err = s.db.QueryRow(ctx, "SELECT subject, body, created_at, created_by FROM post_template_versions WHERE template_id = ? AND version = ?",
		id, version).Scan(&t.Subject, &t.Body, &created, &t.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return Template{}, platform.NotFound("template version")
	}
	t.Version, t.UpdatedAt = version, store.Time(created)
	return t, err
}

type rowScanner interface{ Scan(dest ...any) error }

func scanTemplate(r rowScanner) (Template, error) {
	var t Template
	var statutory, archived int
	var created, updated int64
	err := r.Scan(&t.ID, &t.OrgID, &t.ServiceID, &t.UnitID, &t.Kind, &t.Name, &t.Subject, &t.Body, &t.Version, &statutory, &archived,
		&created, &updated, &t.UpdatedBy)
	t.Statutory, t.Archived = statutory == 1, archived == 1
	t.CreatedAt, t.UpdatedAt = store.Time(created), store.Time(updated)
	return t, err
}
