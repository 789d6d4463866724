package post

import (
	"strings"
	"testing"

	"dbtp/internal/jobs"
	"dbtp/internal/store"
)

// sendingEnv is the shared env with what the sending part's tests need:
// the delivery job declared (its handler is the delivery part's, so jobs
// stay queued here and can be counted) and templates written straight
// into the tables (the templates part's store makes them in the module).
func sendingEnv(t *testing.T, db *store.DB) *env {
	e := newEnv(t, db)
	_ = e.jobs.Handle(JobDeliver, jobs.Kind{Label: "Deliver a message"}) // already registered: fine
	return e
}

// template stores a template of kind for sv, at version 1.
func (e *env) rowTemplate(sv Service, kind, name, subject, body string) Template {
	e.t.Helper()
	now := e.clock.Now().UTC()
	t := Template{ID: NewUUID(), OrgID: sv.OrgID, ServiceID: sv.ID, UnitID: sv.UnitID, Kind: kind, Name: name, Subject: subject, Body: body,
		Version: 1, Statutory: true, CreatedAt: now, UpdatedAt: now}
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(e.ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)`, t.ID, t.OrgID, t.ServiceID, t.UnitID, kind, name, subject, body,
			store.Millis(now), store.Millis(now)); err != nil {
			return err
		}
		_, err := tx.Exec(e.ctx, `INSERT INTO post_template_versions (template_id, version, subject, body, created_at) VALUES (?, 1, ?, ?, ?)`,
			t.ID, subject, body, store.Millis(now))
		return err
	}))
	return t
}

// queued counts the delivery jobs waiting.
func (e *env) deliveriesQueued() int {
	e.t.Helper()
	var n int
	noErr(e.t, e.db.QueryRow(e.ctx, "SELECT COUNT(*) FROM jobs WHERE kind = ?", JobDeliver).Scan(&n))
	return n
}

func (e *env) rowCount(table string) int {
	e.t.Helper()
	var n int
	noErr(e.t, e.db.QueryRow(e.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
	return n
}

func wantErrText(t *testing.T, err error, part string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), part) {
		t.Fatalf("want an error with %q, got %v", part, err)
	}
}
