package post

import (
	"strings"
	"testing"

	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// sendingEnv is the shared env with what the sending part's tests need:
// the delivery job declared (its handler is the delivery part's, so jobs
// stay queued here and can be counted) and templates written straight
// through the templates engine.
func sendingEnv(t *testing.T, db *store.DB) *env {
	e := newEnv(t, db)
	_ = e.jobs.Handle(JobDeliver, jobs.Kind{Label: "Deliver a message"}) // already registered: fine
	return e
}

// rowTemplate makes a template of kind for sv, at version 1, through the
// templates engine (statutory, as CreateTemplate's default).
func (e *env) rowTemplate(sv Service, kind, name, subject, body string) Template {
	e.t.Helper()
	t, err := e.ps.CreateTemplate(e.ctx, platform.System(sv.OrgID), TemplateInput{ServiceID: sv.ID, Kind: kind, Name: name, Subject: subject, Body: body})
	noErr(e.t, err)
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
