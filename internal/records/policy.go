package records

import (
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// Policy is the access rule for documents and records, after the
// boundaries every type shares (same organisation, token scope; the
// platform and organisation admins pass). Records are the council's own:
// residents and partners reach what is held about them through a subject
// access request, never by browsing. Records managers keep the whole file
// plan, so they read and manage every record of their organisation. Other
// staff follow the default rule by business unit and classification, and
// authors keep sight of what they filed.
func Policy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if !s.IsStaff() {
		return access.Decision{Reason: "records are kept for the council's staff; people ask for their own through a subject access request"}
	}
	if s.HasRole(platform.RoleRecords) {
		return access.Decision{Allowed: true, Reason: "records manager"}
	}
	if a == access.Delete && r.OwnerID != "" && r.OwnerID == s.UserID {
		// Only documents not yet declared can be deleted at all (the store
		// refuses records for everyone); a draft is its author's to remove.
		return access.Decision{Allowed: true, Reason: "author deletes own draft"}
	}
	if a == access.Create {
		// Filing is by unit and role: being the author of what one files
		// must not let anyone file into a unit they do not work in.
		r.OwnerID = ""
	}
	return access.Roles(s, a, r)
}

// resource describes a document to the access point.
func (d *Document) resource() access.Resource {
	return access.Resource{Type: ResourceType, ID: d.ID, OrgID: d.OrgID, BusinessUnit: d.UnitID,
		Classification: d.Classification, OwnerID: d.AuthorID}
}

// visibleSQL is Policy's Read rule as a condition on records_documents
// (aliased d), so lists, counts, facets and search results hold only what
// sub may read. It must agree with Policy exactly: TestVisibleMatchesPolicy
// checks every combination of role, unit, classification and authorship.
func visibleSQL(sub *platform.Subject) (string, []any) {
	if !sub.Authenticated() || !sub.HasScope(platform.ScopeRead) {
		return "1=0", nil
	}
	org := "d.org_id = ?"
	args := []any{sub.OrgID}
	if sub.Kind == platform.SubjectSystem || sub.HasRole(platform.RoleAdmin) || (sub.IsStaff() && sub.HasRole(platform.RoleRecords)) {
		return org, args
	}
	if !sub.IsStaff() {
		return "1=0", nil
	}
	inUnit := "1=0"
	if len(sub.BusinessUnits) > 0 {
		inUnit = "d.unit_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(sub.BusinessUnits)), ", ") + ")"
		for _, u := range sub.BusinessUnits {
			args = append(args, u)
		}
	}
	official := "d.classification = '" + string(platform.Official) + "'"
	var rule string
	switch {
	case sub.HasRole(platform.RoleManager):
		rule = inUnit + " OR " + official
	case sub.HasRole(platform.RoleCaseworker):
		rule = inUnit + " OR (d.unit_id = '' AND " + official + ")"
	case sub.HasRole(platform.RoleStaff):
		rule = "(" + inUnit + " OR d.unit_id = '') AND " + official
	default:
		rule = "1=0"
	}
	args = append(args, sub.UserID)
	return org + " AND (" + rule + " OR d.author_id = ?)", args
}

// Can reports whether sub may do a to d, for choosing what a page offers;
// the store decides again when it is done.
func (s *Store) Can(sub *platform.Subject, a access.Action, d *Document) bool {
	return s.access.Allowed(sub, a, d.resource())
}

// CanKeepPlan reports whether sub keeps the file plan (records managers
// and admins).
func CanKeepPlan(sub *platform.Subject) bool {
	return sub.Kind == platform.SubjectSystem || sub.HasRole(platform.RoleAdmin) || sub.HasRole(platform.RoleRecords)
}
