package services

import (
	"context"

	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// CasePolicy is the access rule for cases, registered with the decision
// point by the services module. It is the default rule by role, unit and
// classification, with two additions.
//
// Assisted digital: a member of staff acting for a resident may create
// that resident's case whatever unit owns the service (a front desk fills
// in a complaint for a caller; the engine has already checked that the
// service allows assisted digital). Creating it gives them nothing more:
// reading the case afterwards is the owning unit's, as before.
//
// The assignee: the person a case is assigned to may read it and work on
// it (update, never delete) while it is assigned to them, even outside the
// owning unit and when it is OFFICIAL-SENSITIVE, if they hold a role that
// works on cases (caseworker or manager). A risk owned by Finance and given
// to a manager in Property is theirs to review. Who may be given a case is
// the engine's decision (CouldWorkOn): the owning unit's people, or, for a
// service whose workflow gives cases to a person named in an answer, anyone
// who works on cases. Being named in an answer grants nothing by itself;
// reassigning the case takes the access away at once, as the decision is
// made on the case as it is now.
func CasePolicy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if a == access.Create && s.ActingFor != "" && s.ActingFor == r.OwnerID && isStaff(s) && s.Kind == platform.SubjectUser {
		return access.Decision{Allowed: true, Reason: "staff acting for the applicant (assisted digital)"}
	}
	d := access.Roles(s, a, r)
	if !d.Allowed && (a == access.Read || a == access.Update) && r.AssigneeID != "" && r.AssigneeID == s.UserID && worksOnCases(s) {
		return access.Decision{Allowed: true, Reason: "assigned to the case"}
	}
	return d
}

// worksOnCases reports whether s is a person (signed in, or through their
// own API token) holding a role whose work is cases. Staff on a front desk,
// designers, residents and partners are never given cases to work on, so
// an assignment cannot open a case to them.
func worksOnCases(s *platform.Subject) bool {
	return (s.Kind == platform.SubjectUser || s.Kind == platform.SubjectToken) && s.Agreement == "" &&
		(s.HasRole(platform.RoleCaseworker) || s.HasRole(platform.RoleManager))
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
