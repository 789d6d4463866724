package post

import (
	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// Policy is the access rule for digital post, after the boundaries every
// type shares (same organisation, token scope; the platform and
// organisation admins pass). Post is the council's own: residents and
// partners reach it only through what is sent to them and their own
// contact preferences, which the module checks against the person.
//
// Staff read the post of their business units (and anything no unit
// owns); caseworkers, managers and designers of the owning unit send;
// managers and designers of the owning unit keep its sending services,
// keys and templates. Records managers read everything, as they read
// every record.
func Policy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if !s.IsStaff() {
		return access.Decision{Reason: "digital post is kept by the council's staff"}
	}
	inUnit := r.BusinessUnit == "" || s.InUnit(r.BusinessUnit)
	switch a {
	case access.Read:
		if inUnit {
			return access.Decision{Allowed: true, Reason: "staff of the owning unit"}
		}
		if s.HasRole(platform.RoleRecords) {
			return access.Decision{Allowed: true, Reason: "records manager"}
		}
		return access.Decision{Reason: "another business unit's post"}
	case access.Create:
		if inUnit && (s.HasRole(platform.RoleCaseworker) || s.HasRole(platform.RoleManager) || s.HasRole(platform.RoleDesigner)) {
			return access.Decision{Allowed: true, Reason: "sends for the owning unit"}
		}
		return access.Decision{Reason: "only caseworkers, managers and designers of the owning unit send its post"}
	default:
		if inUnit && (s.HasRole(platform.RoleManager) || s.HasRole(platform.RoleDesigner)) {
			return access.Decision{Allowed: true, Reason: "keeps the owning unit's post"}
		}
		return access.Decision{Reason: "only managers and designers of the owning unit keep its sending services and templates"}
	}
}

// CanKeep reports whether sub may keep (create and change) the sending
// services and templates of unit, for pages deciding what to offer.
func CanKeep(sub *platform.Subject, unitID string) bool {
	return Policy(sub, access.Update, access.Resource{Type: ResourceType, OrgID: sub.OrgID, BusinessUnit: unitID}).Allowed ||
		sub.HasRole(platform.RoleAdmin) || sub.Kind == platform.SubjectSystem
}
