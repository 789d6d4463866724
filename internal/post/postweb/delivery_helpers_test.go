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

// adultsTemplate makes a sending service owned by Adults (a row: its
// sender and rate set directly) and a template of kind in it through the
// templates engine.
func (e *env) adultsTemplate(kind, subject, body string) post.Template {
	e.t.Helper()
	svc := post.NewUUID()
	now := store.Millis(e.clock.Now())
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, `INSERT INTO post_services (id, org_id, unit_id, name, sms_sender, rate_per_minute, created_at, updated_at)
			VALUES (?, ?, ?, 'Adult social care', 'NCC', 3000, ?, ?)`, svc, e.org.ID, e.units["Adults"], now, now)
		return err
	}))
	// The templates engine makes the template (as Alex, the admin).
	t, err := e.m.Store().CreateTemplate(e.ctx, e.subject("Alex"), post.TemplateInput{ServiceID: svc, Kind: kind, Name: "Assessment " + kind,
		Subject: subject, Body: body})
	noErr(e.t, err)
	return t
}
