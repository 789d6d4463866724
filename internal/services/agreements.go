package services

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Partners (the NHS, a district council) start some of the council's
// services under a data-sharing agreement: a referral to adult social care
// lands in the council's Adults queue, and the partner follows what it
// referred and nothing else. The agreement is what lets a partner's person
// cross the organisation boundary, and only as far as it says: ActUnder
// gives them a subject in the council's organisation with the partner role
// alone, so the access rules let them see their own referrals as their
// applicant and nothing of anyone else's.

// Agreement is a data-sharing agreement between the organisation that holds
// the services (OrgID) and a partner organisation.
type Agreement struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"org_id"`
	PartnerOrgID string    `json:"partner_org_id"`
	Title        string    `json:"title"`
	Purpose      string    `json:"purpose,omitempty"`
	Services     []string  `json:"services"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	CreatedBy    string    `json:"created_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// InForce reports whether the agreement applies at t.
func (a Agreement) InForce(t time.Time) bool { return !t.Before(a.StartsAt) && t.Before(a.EndsAt) }

// NewAgreement is what an administrator of the host organisation records.
type NewAgreement struct {
	PartnerOrgID string
	Title        string
	Purpose      string
	Services     []string
	StartsAt     time.Time // zero: now
	EndsAt       time.Time
}

const agreementColumns = "id, org_id, partner_org_id, title, purpose, services, starts_at, ends_at, created_by, created_at"

func scanAgreement(r scanner) (Agreement, error) {
	var a Agreement
	var svcs string
	var st, en, cr int64
	err := r.Scan(&a.ID, &a.OrgID, &a.PartnerOrgID, &a.Title, &a.Purpose, &svcs, &st, &en, &a.CreatedBy, &cr)
	a.Services = strings.Split(svcs, ",")
	a.StartsAt, a.EndsAt, a.CreatedAt = store.Time(st), store.Time(en), store.Time(cr)
	return a, err
}

// AddAgreement records an agreement; only the host organisation's
// administrators may. Every service it names must exist and admit partners.
func (s *Service) AddAgreement(ctx context.Context, sub *platform.Subject, in NewAgreement) (Agreement, error) {
	if err := needOrg(sub); err != nil {
		return Agreement{}, err
	}
	if err := s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "sharing_agreement", OrgID: sub.OrgID}); err != nil {
		return Agreement{}, err
	}
	now := s.now()
	a := Agreement{ID: platform.NewID("dsa"), OrgID: sub.OrgID, PartnerOrgID: in.PartnerOrgID, Title: strings.TrimSpace(in.Title),
		Purpose: strings.TrimSpace(in.Purpose), StartsAt: in.StartsAt.UTC().Truncate(time.Millisecond), EndsAt: in.EndsAt.UTC().Truncate(time.Millisecond),
		CreatedBy: sub.UserID, CreatedAt: now}
	if a.StartsAt.IsZero() {
		a.StartsAt = now
	}
	var bad []platform.FieldError
	if !platform.ValidID("org", a.PartnerOrgID) || a.PartnerOrgID == sub.OrgID {
		bad = append(bad, platform.FieldError{Field: "partner", Message: "Choose another organisation as the partner"})
	}
	if a.Title == "" || utf8.RuneCountInString(a.Title) > 200 {
		bad = append(bad, platform.FieldError{Field: "title", Message: "Enter the agreement's title, of at most 200 characters"})
	}
	if utf8.RuneCountInString(a.Purpose) > 2000 {
		bad = append(bad, platform.FieldError{Field: "purpose", Message: "The purpose must be 2,000 characters or fewer"})
	}
	if !a.EndsAt.After(a.StartsAt) {
		bad = append(bad, platform.FieldError{Field: "ends", Message: "The end date must be after the start"})
	}
	if len(in.Services) == 0 {
		bad = append(bad, platform.FieldError{Field: "services", Message: "Name at least one service the partner may start"})
	}
	for _, id := range in.Services {
		def, err := s.latestDefinition(ctx, sub.OrgID, id)
		switch {
		case err != nil:
			bad = append(bad, platform.FieldError{Field: "services", Message: fmt.Sprintf("There is no service %q", id)})
		case !slices.Contains(def.Start.Who, definition.AudiencePartners):
			bad = append(bad, platform.FieldError{Field: "services", Message: fmt.Sprintf("%s is not open to partners (start.who has no partners)", def.Title)})
		default:
			a.Services = append(a.Services, id)
		}
	}
	if len(bad) > 0 {
		return Agreement{}, platform.Invalid("Check the agreement", bad...)
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO sharing_agreements ("+agreementColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			a.ID, a.OrgID, a.PartnerOrgID, a.Title, a.Purpose, strings.Join(a.Services, ","), store.Millis(a.StartsAt), store.Millis(a.EndsAt),
			a.CreatedBy, store.Millis(now)); err != nil {
			return err
		}
		e := audit.For(sub, "sharing_agreement.create", "sharing_agreement", a.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s with %s for %s until %s", a.Title, a.PartnerOrgID, strings.Join(a.Services, ", "), a.EndsAt.Format(time.DateOnly))
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Agreement{}, asPlatform(err)
	}
	return a, nil
}

// ListAgreements lists the subject's organisation's agreements, newest
// first: for its administrators.
func (s *Service) ListAgreements(ctx context.Context, sub *platform.Subject) ([]Agreement, error) {
	if err := needOrg(sub); err != nil {
		return nil, err
	}
	if err := s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "sharing_agreement", OrgID: sub.OrgID}); err != nil {
		return nil, err
	}
	return s.queryAgreements(ctx, "SELECT "+agreementColumns+" FROM sharing_agreements WHERE org_id = ? ORDER BY created_at DESC, id", sub.OrgID)
}

// PartnerAgreements lists the agreements in force under which the subject,
// a person with the partner role in a partner organisation, may act.
func (s *Service) PartnerAgreements(ctx context.Context, sub *platform.Subject) ([]Agreement, error) {
	if sub == nil || sub.Kind != platform.SubjectUser || !sub.HasRole(platform.RolePartner) || sub.Agreement != "" {
		return nil, nil
	}
	now := s.now()
	all, err := s.queryAgreements(ctx, "SELECT "+agreementColumns+" FROM sharing_agreements WHERE partner_org_id = ? AND ends_at > ? ORDER BY title, id",
		sub.OrgID, store.Millis(now))
	var out []Agreement
	for _, a := range all {
		if a.InForce(now) {
			out = append(out, a)
		}
	}
	return out, err
}

func (s *Service) queryAgreements(ctx context.Context, q string, args ...any) ([]Agreement, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Agreement
	for rows.Next() {
		a, err := scanAgreement(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// ActUnder is the subject with which a partner acts under agreement id: in
// the host organisation, with the partner role only, named with their
// organisation, and carrying the agreement so every audit entry names it.
// It is refused unless the agreement is in force and the subject is a
// person with the partner role in the partner organisation; an organisation
// admin of the partner gets no admin rights in the host.
func (s *Service) ActUnder(ctx context.Context, sub *platform.Subject, id, partnerName string) (*platform.Subject, Agreement, error) {
	refused := platform.Errorf(platform.CodeForbidden, "Your organisation has no data-sharing agreement in force for this.")
	if !platform.ValidID("dsa", id) {
		return nil, Agreement{}, platform.NotFound("agreement")
	}
	mine, err := s.PartnerAgreements(ctx, sub)
	if err != nil {
		return nil, Agreement{}, err
	}
	for _, a := range mine {
		if a.ID != id {
			continue
		}
		as := &platform.Subject{Kind: platform.SubjectUser, UserID: sub.UserID, Name: sub.Name, OrgID: a.OrgID,
			Roles: []platform.Role{platform.RolePartner}, HomeOrgID: sub.OrgID, Agreement: a.ID,
			SessionID: sub.SessionID, Addr: sub.Addr, AuthTime: sub.AuthTime}
		if partnerName != "" {
			as.Name = sub.Name + ", " + partnerName
		}
		return as, a, nil
	}
	return nil, Agreement{}, refused
}

// Covers reports whether the agreement lets its partner start service id.
func (a Agreement) Covers(id string) bool { return slices.Contains(a.Services, id) }

// checkAgreement: a partner acting under an agreement may start only the
// services it names, while it is in force, in the organisation that made
// it. Checked again at every submission, not only when the subject was made.
func (s *Service) checkAgreement(ctx context.Context, sub *platform.Subject, serviceID string) error {
	if sub.Agreement == "" && sub.HomeOrgID == "" {
		return nil
	}
	refused := func(why string) error {
		return s.denied(ctx, sub, "case.create", "case", "", "sharing agreement "+sub.Agreement+": "+why,
			"your organisation's data-sharing agreement does not cover this service now")
	}
	as, err := s.queryAgreements(ctx, "SELECT "+agreementColumns+" FROM sharing_agreements WHERE id = ?", sub.Agreement)
	if err != nil {
		return err
	}
	switch {
	case len(as) != 1:
		return refused("no such agreement")
	case as[0].OrgID != sub.OrgID || as[0].PartnerOrgID != sub.HomeOrgID:
		return refused("made between other organisations")
	case !as[0].InForce(s.now()):
		return refused("not in force")
	case !as[0].Covers(serviceID):
		return refused("does not name " + serviceID)
	}
	return nil
}
