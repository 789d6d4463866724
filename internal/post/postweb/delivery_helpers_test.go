package postweb

import (
	"context"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/store"
)

// The delivery part's additions to the shared web test env.

// oneCase stands where the services module is in cmd/dbtp (which tests
// the real wiring): the send page's view of one case, for anyone in the
// case's organisation.
type oneCase struct{ info CaseInfo }

func (c oneCase) CaseForPost(ctx context.Context, sub *platform.Subject, caseID string) (CaseInfo, error) {
	if caseID != c.info.ID {
		return CaseInfo{}, platform.NotFound("case")
	}
	return c.info, nil
}

// adultsTemplate makes a sending service owned by Adults and a template of
// kind in it, directly (the sending and templates parts own the pages).
func (e *env) adultsTemplate(kind, subject, body string) post.Template {
	e.t.Helper()
	svc, tpl := post.NewUUID(), post.NewUUID()
	now := store.Millis(e.clock.Now())
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(e.ctx, `INSERT INTO post_services (id, org_id, unit_id, name, sms_sender, rate_per_minute, created_at, updated_at)
			VALUES (?, ?, ?, 'Adult social care', 'NCC', 3000, ?, ?)`, svc, e.org.ID, e.units["Adults"], now, now); err != nil {
			return err
		}
		if _, err := tx.Exec(e.ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)`, tpl, e.org.ID, svc, e.units["Adults"], kind, "Assessment "+kind, subject, body, now, now); err != nil {
			return err
		}
		_, err := tx.Exec(e.ctx, "INSERT INTO post_template_versions (template_id, version, subject, body, created_at) VALUES (?, 1, ?, ?, ?)", tpl, subject, body, now)
		return err
	}))
	return post.Template{ID: tpl, ServiceID: svc, Kind: kind, Subject: subject, Body: body, Version: 1}
}
