package workplace

import (
	"context"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Policy is the access rule for the estate, after the boundaries every
// type shares (same organisation, token scope; the platform and
// organisation admins pass). Staff read the places and resources they
// book; workplace managers keep them. Residents and partners have no
// business in the council's offices' inner workings.
//
// A resource whose OwnerID is set is a person's own (their booking, their
// loan, the device assigned to them): they read it and change it within
// the rules, and so do the managers of its business unit.
func Policy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if !s.IsStaff() {
		return access.Decision{Reason: "the workplace is for the council's staff"}
	}
	if s.HasRole(platform.RoleWorkplace) {
		return access.Decision{Allowed: true, Reason: "workplace manager"}
	}
	if r.OwnerID != "" && r.OwnerID == s.UserID {
		return access.Decision{Allowed: true, Reason: "their own"}
	}
	if r.OwnerID != "" && s.HasRole(platform.RoleManager) && r.BusinessUnit != "" && s.InUnit(r.BusinessUnit) {
		return access.Decision{Allowed: true, Reason: "manager of the person's business unit"}
	}
	if a == access.Read && r.OwnerID == "" {
		return access.Decision{Allowed: true, Reason: "staff read the estate"}
	}
	return access.Decision{Reason: "only workplace managers change the estate"}
}

// CanKeep reports whether sub keeps the estate (places, resources, rules,
// devices, sensors), for pages deciding what to offer.
func CanKeep(sub *platform.Subject) bool {
	return sub.Kind == platform.SubjectSystem || sub.HasRole(platform.RoleAdmin) || sub.HasRole(platform.RoleWorkplace)
}

// estate is the whole organisation's estate, as one resource.
func estate(orgID string) access.Resource {
	return access.Resource{Type: ResourceType, ID: "estate", OrgID: orgID}
}

// mayKeep checks, audited, that sub may change the estate.
func (s *Store) mayKeep(tx *store.Tx, sub *platform.Subject) error {
	return keepRefusal(s.access.CheckTx(tx, sub, access.Update, estate(sub.OrgID)))
}

// keepRefusal says in words a person understands why they may not change
// the estate, instead of the access layer's "you do not have permission
// to update this workplace".
func keepRefusal(err error) error {
	if platform.CodeOf(err) == platform.CodeForbidden {
		return platform.Errorf(platform.CodeForbidden, "Only workplace managers can change the estate, its equipment, devices and sensors")
	}
	return err
}

// mayRead checks that sub may read the estate (a refusal is audited).
func (s *Store) mayRead(ctx context.Context, sub *platform.Subject) error {
	return s.access.Check(ctx, sub, access.Read, estate(sub.OrgID))
}
