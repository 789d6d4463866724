package services

import (
	"context"

	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// CasePolicy is the access rule for cases, registered with the decision
// point by the services module. It is the default rule by role, unit and
// classification, with one addition: assisted digital. A member of staff
// acting for a resident may create that resident's case whatever unit owns
// the service (a front desk fills in a complaint for a caller; the engine
// has already checked that the service allows assisted digital). Creating
// it gives them nothing more: reading the case afterwards is the owning
// unit's, as before.
func CasePolicy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if a == access.Create && s.ActingFor != "" && s.ActingFor == r.OwnerID && isStaff(s) && s.Kind == platform.SubjectUser {
		return access.Decision{Allowed: true, Reason: "staff acting for the applicant (assisted digital)"}
	}
	return access.Roles(s, a, r)
}

// SubmittedCase returns the case reference that sub submitted themselves
// (as its applicant, or for someone else), without its answers: what a
// confirmation page shows to a member of staff who filled a service in for
// a resident but may not open the case itself.
func (s *Service) SubmittedCase(ctx context.Context, sub *platform.Subject, reference string) (Case, error) {
	if err := needOrg(sub); err != nil {
		return Case{}, err
	}
	if len(reference) == 0 || len(reference) > 40 || sub.UserID == "" {
		return Case{}, platform.NotFound("case")
	}
	c, err := loadCase(ctx, s.db, sub.OrgID, "reference = ?", reference)
	if err != nil {
		return Case{}, err
	}
	if c.SubmittedBy != sub.UserID {
		return Case{}, platform.NotFound("case")
	}
	return Case{ID: c.ID, OrgID: c.OrgID, Reference: c.Reference, ServiceID: c.ServiceID, Title: c.Title,
		ApplicantID: c.ApplicantID, SubmittedBy: c.SubmittedBy, SubmittedAt: c.SubmittedAt}, nil
}
