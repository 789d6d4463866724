// Package access is the one place that decides who may do what to which
// resource. Modules describe the resource and call Check; handlers never
// re-implement a rule. Every denial, and every permitted read of
// OFFICIAL-SENSITIVE data, is written to the audit log.
package access

import (
	"context"
	"slices"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
)

// Action is what the subject wants to do.
type Action string

const (
	Read   Action = "read"
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
	// Administer covers managing the organisation itself: its users, roles,
	// business units, other people's tokens and the audit log.
	Administer Action = "administer"
)

// Resource describes the thing acted on, as far as the decision needs it.
type Resource struct {
	Type           string // "user", "business_unit", "token", "audit", "case", ...
	ID             string
	OrgID          string
	BusinessUnit   string // owning unit; empty for organisation-wide things
	Classification platform.Classification
	OwnerID        string // the person the resource belongs to, if any
}

// Decision is the outcome with a reason fit for the audit log.
type Decision struct {
	Allowed bool
	Reason  string
}

func allow(reason string) Decision { return Decision{Allowed: true, Reason: reason} }
func deny(reason string) Decision  { return Decision{Reason: reason} }

// scopeFor names the API token scope an action needs.
func scopeFor(a Action) string {
	switch a {
	case Read:
		return "read"
	case Administer:
		return "admin"
	default:
		return "write"
	}
}

// Decide is the policy, a pure function of subject, action and resource.
func Decide(s *platform.Subject, a Action, r Resource) Decision {
	if !s.Authenticated() {
		return deny("not signed in")
	}
	if r.OrgID == "" || s.OrgID != r.OrgID {
		// Organisations are hard boundaries: nothing crosses, whatever the role.
		return deny("resource belongs to another organisation")
	}
	if s.Kind == platform.SubjectToken && !slices.Contains(s.Scopes, scopeFor(a)) {
		return deny("token lacks the " + scopeFor(a) + " scope")
	}
	if s.Kind == platform.SubjectSystem {
		return allow("platform")
	}
	if s.HasRole(platform.RoleAdmin) {
		return allow("organisation admin")
	}
	if a == Administer {
		return deny("only an admin may administer the organisation")
	}
	sensitive := r.Classification == platform.OfficialSensitive
	owner := r.OwnerID != "" && r.OwnerID == s.UserID
	inUnit := r.BusinessUnit != "" && s.InUnit(r.BusinessUnit)
	orgWide := r.BusinessUnit == ""

	switch {
	case owner && a != Delete:
		return allow("owner")
	case owner && a == Delete && r.Type == "token":
		return allow("owner revokes own token")
	}
	switch {
	case s.HasRole(platform.RoleManager):
		if inUnit {
			return allow("manager in owning business unit")
		}
		if a == Read && !sensitive {
			return allow("manager reads OFFICIAL in organisation")
		}
	case s.HasRole(platform.RoleCaseworker):
		if inUnit && a != Delete {
			return allow("caseworker in owning business unit")
		}
		if a == Read && orgWide && !sensitive {
			return allow("caseworker reads OFFICIAL organisation-wide")
		}
	case s.HasRole(platform.RoleStaff):
		if a == Read && !sensitive && (inUnit || orgWide) {
			return allow("staff reads OFFICIAL")
		}
	}
	if sensitive {
		return deny("OFFICIAL-SENSITIVE: needs the owning business unit or ownership")
	}
	return deny("role does not permit " + string(a) + " on " + r.Type)
}

// Point applies Decide and records what the law and the council need on record.
type Point struct {
	audit audit.Recorder
}

// New returns the decision point writing to rec.
func New(rec audit.Recorder) *Point { return &Point{audit: rec} }

// Check decides and returns nil when allowed. A denial is audited and comes
// back as forbidden, or as not found when the resource is in another
// organisation, so that probing foreign IDs learns nothing. Call Check before
// store.Write: it may write the audit entry itself.
func (p *Point) Check(ctx context.Context, s *platform.Subject, a Action, r Resource) error {
	d := Decide(s, a, r)
	if !d.Allowed {
		e := audit.For(s, string(r.Type)+"."+string(a), r.Type, r.ID, audit.Denied)
		e.Detail = d.Reason
		if e.OrgID == "" {
			e.OrgID = r.OrgID
		}
		if err := p.audit.RecordNow(ctx, e); err != nil {
			return platform.Internal(err)
		}
		if s.Authenticated() && s.OrgID != r.OrgID {
			return platform.NotFound(r.Type)
		}
		if !s.Authenticated() {
			return platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
		}
		return platform.Errorf(platform.CodeForbidden, "you do not have permission to %s this %s", a, humanType(r.Type))
	}
	if a == Read && r.Classification == platform.OfficialSensitive {
		e := audit.For(s, r.Type+".read", r.Type, r.ID, audit.Success)
		e.Detail = "OFFICIAL-SENSITIVE read: " + d.Reason
		if err := p.audit.RecordNow(ctx, e); err != nil {
			return platform.Internal(err)
		}
	}
	return nil
}

// Allowed is Decide without side effects, for choosing what to show (menu
// items, buttons); it never replaces Check on the action itself.
func Allowed(s *platform.Subject, a Action, r Resource) bool { return Decide(s, a, r).Allowed }

func humanType(t string) string {
	out := []byte(t)
	for i, c := range out {
		if c == '_' {
			out[i] = ' '
		}
	}
	return string(out)
}
