package services

import (
	"context"
	"encoding/json"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Draft is a half-finished submission, kept so a person can save and come
// back later: one per person per service, gone DraftLifetime after it was
// last saved.
type Draft struct {
	ServiceID      string             `json:"service_id"`
	ServiceVersion int                `json:"service_version"` // the version the answers were given against
	Answers        definition.Answers `json:"answers"`
	Page           string             `json:"page,omitempty"` // the page to resume on
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	ExpiresAt      time.Time          `json:"expires_at"`
}

// draftOwner checks that sub is a signed-in person who may keep drafts:
// anonymous applicants have nobody to come back as.
func (s *Service) draftOwner(ctx context.Context, sub *platform.Subject, serviceID string, a access.Action) error {
	if err := needOrg(sub); err != nil {
		return err
	}
	if !sub.Authenticated() || sub.UserID == "" || sub.Kind == platform.SubjectSystem {
		return platform.Errorf(platform.CodeUnauthorized, "sign in to save your answers")
	}
	return s.ap.Check(ctx, sub, a, access.Resource{Type: "case_draft", ID: serviceID, OrgID: sub.OrgID, OwnerID: sub.UserID})
}

// SaveDraft keeps the subject's answers so far to a service and the page to
// resume on, replacing any earlier draft of it. Answers are not validated
// (they are unfinished), but only the service's public questions are kept.
func (s *Service) SaveDraft(ctx context.Context, sub *platform.Subject, serviceID string, answers definition.Answers, page string) (Draft, error) {
	if err := s.draftOwner(ctx, sub, serviceID, access.Update); err != nil {
		return Draft{}, err
	}
	def, err := s.latestDefinition(ctx, sub.OrgID, serviceID)
	if err != nil {
		return Draft{}, err
	}
	if answers == nil {
		answers = definition.Answers{}
	}
	if bad := answerKeys(def, answers, true); len(bad) > 0 {
		return Draft{}, platform.Invalid("Check the answers", bad...)
	}
	if len(page) > 100 {
		return Draft{}, platform.Invalid("Unknown page", platform.FieldError{Field: "page", Message: "is not a page of this service"})
	}
	body, err := json.Marshal(answers)
	if err != nil || len(body) > maxAnswersBytes {
		return Draft{}, platform.Invalid("Your answers are too long", platform.FieldError{Field: "answers", Message: "must be at most 1 MiB in total"})
	}
	now := s.now()
	d := Draft{ServiceID: def.ID, ServiceVersion: def.Version, Answers: answers, Page: page, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.opts.DraftLifetime)}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var created int64
		err := tx.QueryRow(ctx, `INSERT INTO case_drafts (org_id, user_id, service_id, service_version, answers, page, created_at, updated_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, user_id, service_id) DO UPDATE SET service_version = excluded.service_version, answers = excluded.answers,
				page = excluded.page, updated_at = excluded.updated_at, expires_at = excluded.expires_at
			RETURNING created_at`,
			sub.OrgID, sub.UserID, def.ID, def.Version, string(body), page, store.Millis(now), store.Millis(now), store.Millis(d.ExpiresAt)).Scan(&created)
		if err != nil {
			return err
		}
		d.CreatedAt = store.Time(created)
		e := audit.For(sub, "case_draft.save", "case_draft", def.ID, audit.Success)
		e.Detail = "saved a draft of " + def.ID
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Draft{}, asPlatform(err)
	}
	return d, nil
}

const draftColumns = "service_id, service_version, answers, page, created_at, updated_at, expires_at"

func scanDraft(r scanner) (Draft, error) {
	var d Draft
	var body string
	var created, updated, expires int64
	if err := r.Scan(&d.ServiceID, &d.ServiceVersion, &body, &d.Page, &created, &updated, &expires); err != nil {
		return d, err
	}
	d.CreatedAt, d.UpdatedAt, d.ExpiresAt = store.Time(created), store.Time(updated), store.Time(expires)
	return d, json.Unmarshal([]byte(body), &d.Answers)
}

// GetDraft returns the subject's unexpired draft of a service.
func (s *Service) GetDraft(ctx context.Context, sub *platform.Subject, serviceID string) (Draft, error) {
	if err := s.draftOwner(ctx, sub, serviceID, access.Read); err != nil {
		return Draft{}, err
	}
	d, err := scanDraft(s.db.QueryRow(ctx, "SELECT "+draftColumns+" FROM case_drafts WHERE org_id = ? AND user_id = ? AND service_id = ? AND expires_at > ?",
		sub.OrgID, sub.UserID, serviceID, store.Millis(s.now())))
	if store.IsNoRows(err) {
		return Draft{}, platform.NotFound("draft")
	}
	if err != nil {
		return Draft{}, platform.Internal(err)
	}
	return d, nil
}

// ListDrafts lists the subject's unexpired drafts, most recently saved first.
func (s *Service) ListDrafts(ctx context.Context, sub *platform.Subject) ([]Draft, error) {
	if err := s.draftOwner(ctx, sub, "", access.Read); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+draftColumns+" FROM case_drafts WHERE org_id = ? AND user_id = ? AND expires_at > ? ORDER BY updated_at DESC, service_id",
		sub.OrgID, sub.UserID, store.Millis(s.now()))
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// DeleteDraft discards the subject's draft of a service.
func (s *Service) DeleteDraft(ctx context.Context, sub *platform.Subject, serviceID string) error {
	if err := s.draftOwner(ctx, sub, serviceID, access.Update); err != nil {
		return err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM case_drafts WHERE org_id = ? AND user_id = ? AND service_id = ?", sub.OrgID, sub.UserID, serviceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.NotFound("draft")
		}
		e := audit.For(sub, "case_draft.delete", "case_draft", serviceID, audit.Success)
		e.Detail = "discarded a draft of " + serviceID
		return s.rec.Record(tx, e)
	})
	return asPlatform(err)
}

// PruneDrafts deletes drafts that expired before now, in every organisation;
// a background job calls it. Expired drafts are already invisible, so this
// only reclaims space; it is not audited per draft.
func (s *Service) PruneDrafts(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM case_drafts WHERE expires_at <= ?", store.Millis(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
