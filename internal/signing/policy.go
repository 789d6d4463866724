package signing

import (
	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// Policy is the access rule for envelopes and signing keys, after the
// boundaries every type shares (same organisation, token scope; the
// platform and organisation admins pass).
//
// Staff send envelopes and read those they sent (OwnerID) and their
// units' (BusinessUnit); managers of the unit change them too; records
// managers read all. A recipient's own access to an envelope is not
// this policy's: it is their turn and their link (or their sign-in),
// which the ceremony checks. Keys (ID "keys") are the admins' alone.
func Policy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if !s.IsStaff() {
		return access.Decision{Reason: "envelopes are sent by the council's staff"}
	}
	if r.ID == "keys" {
		return access.Decision{Reason: "only administrators keep the council's signing keys"}
	}
	if r.OwnerID != "" && r.OwnerID == s.UserID {
		return access.Decision{Allowed: true, Reason: "sent it"}
	}
	if a == access.Create && (r.BusinessUnit == "" || s.InUnit(r.BusinessUnit)) {
		return access.Decision{Allowed: true, Reason: "staff send envelopes for their units"}
	}
	if r.BusinessUnit != "" && s.InUnit(r.BusinessUnit) && (a == access.Read || s.HasRole(platform.RoleManager)) {
		return access.Decision{Allowed: true, Reason: "the owning unit's"}
	}
	if a == access.Read && s.HasRole(platform.RoleRecords) {
		return access.Decision{Allowed: true, Reason: "records manager"}
	}
	return access.Decision{Reason: "another person's or unit's envelope"}
}

// keysResource is the organisation's signing keys as one resource.
func keysResource(orgID string) access.Resource {
	return access.Resource{Type: ResourceType, ID: "keys", OrgID: orgID}
}

// envelopeResource is an envelope as the access point sees it.
func envelopeResource(e Envelope) access.Resource {
	return access.Resource{Type: ResourceType, ID: e.ID, OrgID: e.OrgID, BusinessUnit: e.UnitID, OwnerID: e.SenderID}
}
