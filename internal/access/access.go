// Package access is the one place that decides who may do what to which
// resource. Modules describe the resource and call Check; handlers never
// re-implement a rule. Every denial, and every permitted read of
// OFFICIAL-SENSITIVE data, is written to the audit log.
package access

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
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
	// AssigneeID is the person the resource is given to work on (a case's
	// assignee), if any. The default rule ignores it; a module's policy
	// may admit them (services.CasePolicy does).
	AssigneeID string
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
		return platform.ScopeRead
	case Administer:
		return platform.ScopeAdmin
	default:
		return platform.ScopeWrite
	}
}

// Decide is the default policy, a pure function of subject, action and
// resource, for resource types no module has registered a policy for.
func Decide(s *platform.Subject, a Action, r Resource) Decision {
	if d, final := boundaries(s, a, r); final {
		return d
	}
	return roles(s, a, r)
}

// boundaries are the rules no module policy can loosen: who is signed in,
// organisations as hard boundaries, token scopes, the platform itself and
// organisation admins.
func boundaries(s *platform.Subject, a Action, r Resource) (Decision, bool) {
	if !s.Authenticated() {
		return deny("not signed in"), true
	}
	if r.OrgID == "" || s.OrgID != r.OrgID {
		// Organisations are hard boundaries: nothing crosses, whatever the role.
		return deny("resource belongs to another organisation"), true
	}
	if !s.HasScope(scopeFor(a)) {
		return deny("token lacks the " + scopeFor(a) + " scope"), true
	}
	if s.Kind == platform.SubjectSystem {
		return allow("platform"), true
	}
	if s.HasRole(platform.RoleAdmin) {
		return allow("organisation admin"), true
	}
	return Decision{}, false
}

// roles is the default rule by role, business unit, classification and ownership.
func roles(s *platform.Subject, a Action, r Resource) Decision {
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

// Policy decides for one resource type, after the boundaries every type
// shares (signed in, same organisation, token scope; the platform and
// organisation admins always pass). A module registers one for each type
// it owns; Roles is the default rule it may fall back to.
type Policy func(s *platform.Subject, a Action, r Resource) Decision

// Roles is the default rule by role, unit, classification and ownership,
// for a module policy to fall back on.
func Roles(s *platform.Subject, a Action, r Resource) Decision { return roles(s, a, r) }

// Point applies the policies and records what the law and the council need on record.
type Point struct {
	audit    audit.Recorder
	mu       sync.RWMutex
	policies map[string]Policy
}

// New returns the decision point writing to rec.
func New(rec audit.Recorder) *Point { return &Point{audit: rec, policies: map[string]Policy{}} }

// Register sets the policy for a resource type. Registering a type twice is
// an error, so two modules cannot silently fight over one type.
func (p *Point) Register(resourceType string, pol Policy) error {
	if resourceType == "" || pol == nil {
		return errors.New("access: a policy needs a resource type and a function")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, dup := p.policies[resourceType]; dup {
		return fmt.Errorf("access: a policy for %q is registered twice", resourceType)
	}
	p.policies[resourceType] = pol
	return nil
}

// Decide applies the boundaries, then the registered policy for the
// resource's type, or the default rule by role.
func (p *Point) Decide(s *platform.Subject, a Action, r Resource) Decision {
	if d, final := boundaries(s, a, r); final {
		return d
	}
	p.mu.RLock()
	pol := p.policies[r.Type]
	p.mu.RUnlock()
	if pol == nil {
		return roles(s, a, r)
	}
	return pol(s, a, r)
}

// Allowed is Decide without side effects, for choosing what to show (menu
// items, buttons); it never replaces Check on the action itself.
func (p *Point) Allowed(s *platform.Subject, a Action, r Resource) bool {
	return p.Decide(s, a, r).Allowed
}

// Check decides and returns nil when allowed. A denial is audited and comes
// back as forbidden, or as not found when the resource is in another
// organisation, so that probing foreign IDs learns nothing. Check writes
// its audit entry on its own: call it before store.Write, or use CheckTx
// inside one.
func (p *Point) Check(ctx context.Context, s *platform.Subject, a Action, r Resource) error {
	return p.check(ctx, s, a, r, func(e audit.Entry) error { return p.audit.RecordNow(ctx, e) })
}

// CheckTx is Check inside the caller's write: the denial or the sensitive
// read is recorded in tx. Call it before the write changes anything. A
// refusal comes back wrapped with store.CommitAnd, so returning it from the
// write function commits the denial's audit entry (and nothing else, as
// nothing else was written yet) while Write still returns the refusal.
func (p *Point) CheckTx(tx *store.Tx, s *platform.Subject, a Action, r Resource) error {
	err := p.check(tx.Context(), s, a, r, func(e audit.Entry) error { return p.audit.Record(tx, e) })
	if err != nil && platform.CodeOf(err) != platform.CodeInternal {
		return store.CommitAnd(err)
	}
	return err
}

func (p *Point) check(ctx context.Context, s *platform.Subject, a Action, r Resource, record func(audit.Entry) error) error {
	d := p.Decide(s, a, r)
	if !d.Allowed {
		e := audit.For(s, string(r.Type)+"."+string(a), r.Type, r.ID, audit.Denied)
		e.Detail = d.Reason
		if e.OrgID == "" {
			e.OrgID = r.OrgID
		}
		if err := record(e); err != nil {
			return platform.Internal(err)
		}
		return refusal(s, a, r)
	}
	// One look at a sensitive record is one entry, however many reads the
	// page makes of it (the case, its timeline, notes, tasks, files).
	if a == Read && r.Classification == platform.OfficialSensitive && platform.Once(ctx, "read "+r.Type+" "+r.ID) {
		e := audit.For(s, r.Type+".read", r.Type, r.ID, audit.Success)
		e.Detail = "OFFICIAL-SENSITIVE read: " + d.Reason
		if err := record(e); err != nil {
			return platform.Internal(err)
		}
	}
	return nil
}

// refusal is the error a denied subject sees.
func refusal(s *platform.Subject, a Action, r Resource) error {
	if s.Authenticated() && s.OrgID != r.OrgID {
		return platform.NotFound(r.Type)
	}
	if !s.Authenticated() {
		return platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	return platform.Errorf(platform.CodeForbidden, "you do not have permission to %s this %s", a, humanType(r.Type))
}

// CheckScope is the API's gate: a token without scope is refused (and the
// refusal audited) before any work is done, so a read-only token learns
// nothing from validation it could never act on. Other subjects pass: their
// roles govern, as everywhere else. what names the operation for the log.
func (p *Point) CheckScope(ctx context.Context, s *platform.Subject, scope, what string) error {
	if s.HasScope(scope) {
		return nil
	}
	e := audit.For(s, "api.scope", "api", what, audit.Denied)
	e.Detail = "token lacks the " + scope + " scope"
	if err := p.audit.RecordNow(ctx, e); err != nil {
		return platform.Internal(err)
	}
	return platform.Errorf(platform.CodeForbidden, "This API token does not have the %s scope this operation needs; create a token with it.", scope)
}

func humanType(t string) string {
	out := []byte(t)
	for i, c := range out {
		if c == '_' {
			out[i] = ' '
		}
	}
	return string(out)
}
