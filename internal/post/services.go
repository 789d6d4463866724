package post

import (
	"context"
	"strings"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// ServiceInput is what a person gives to make a sending service.
type ServiceInput struct {
	Name          string
	UnitID        string // the owning business unit
	EmailReplyTo  string
	SMSSender     string
	LetterContact string
}

func (in *ServiceInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	var fs []platform.FieldError
	switch {
	case in.Name == "":
		fs = append(fs, platform.FieldError{Field: "name", Message: "Enter the service's name, as people will see it"})
	case utf8.RuneCountInString(in.Name) > 100:
		fs = append(fs, platform.FieldError{Field: "name", Message: "The name must be 100 characters or fewer"})
	}
	if in.UnitID == "" {
		fs = append(fs, platform.FieldError{Field: "unit", Message: "Choose the business unit that owns the service"})
	}
	if len(fs) > 0 {
		return platform.Invalid("Check the sending service", fs...)
	}
	return nil
}

// serviceResource is a sending service as the access point sees it.
func serviceResource(orgID, id, unitID string) access.Resource {
	return access.Resource{Type: ResourceType, ID: id, OrgID: orgID, BusinessUnit: unitID}
}

// CreateService makes a sending service owned by in.UnitID; its managers
// and designers keep it.
func (s *Store) CreateService(ctx context.Context, sub *platform.Subject, in ServiceInput) (Service, error) {
	if err := in.check(); err != nil {
		return Service{}, err
	}
	now := s.now()
	sv := Service{ID: NewUUID(), OrgID: sub.OrgID, UnitID: in.UnitID, Name: in.Name, EmailReplyTo: in.EmailReplyTo, SMSSender: in.SMSSender,
		LetterContact: in.LetterContact, RatePerMinute: 3000, CreatedAt: now, UpdatedAt: now}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Update, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO post_services (id, org_id, unit_id, name, email_reply_to, sms_sender, letter_contact, rate_per_minute, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sv.ID, sv.OrgID, sv.UnitID, sv.Name, sv.EmailReplyTo, sv.SMSSender, sv.LetterContact,
			sv.RatePerMinute, store.Millis(now), store.Millis(now))
		if err != nil {
			return err
		}
		e := audit.For(sub, "post.service_create", "post_service", sv.ID, audit.Success)
		e.Detail = sv.Name
		return s.audit.Record(tx, e)
	})
	return sv, err
}
