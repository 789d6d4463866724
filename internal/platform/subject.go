package platform

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Role is what a person may do in their organisation.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleManager    Role = "manager"
	RoleCaseworker Role = "caseworker"
	RoleDesigner   Role = "designer"  // creates and changes services in the browser designer; no access to their cases
	RoleWorkplace  Role = "workplace" // facilities: buildings, desks, rooms, equipment, devices and sensors
	RoleRecords    Role = "records"   // records manager: the file plan, retention, disposal, holds and subject access
	RoleStaff      Role = "staff"
	RoleResident   Role = "resident"
	RolePartner    Role = "partner"
)

// Roles lists every role in order of decreasing power.
var Roles = []Role{RoleAdmin, RoleManager, RoleCaseworker, RoleRecords, RoleWorkplace, RoleDesigner, RoleStaff, RoleResident, RolePartner}

// ParseRole accepts a role name exactly as listed in Roles.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Classification is the Government Security Classification of a resource.
type Classification string

const (
	Official          Classification = "OFFICIAL"
	OfficialSensitive Classification = "OFFICIAL-SENSITIVE"
)

// ParseClassification accepts the two marking names, defaulting empty to OFFICIAL.
func ParseClassification(s string) (Classification, bool) {
	switch s {
	case "", string(Official):
		return Official, true
	case string(OfficialSensitive):
		return OfficialSensitive, true
	}
	return "", false
}

// SubjectKind says how a request was authenticated.
type SubjectKind string

const (
	SubjectAnonymous SubjectKind = "anonymous"
	SubjectUser      SubjectKind = "user"
	SubjectToken     SubjectKind = "token"
	SubjectSystem    SubjectKind = "system"
)

// Subject is who is asking: the person (or token, or the system itself), the
// organisation they act in, their roles and business units, and for whom they
// act when a member of staff works on a resident's behalf.
type Subject struct {
	Kind          SubjectKind
	UserID        string
	Name          string
	OrgID         string
	Roles         []Role
	BusinessUnits []string
	ActingFor     string // user ID of the person this subject acts on behalf of, if any
	// A partner acting under a data-sharing agreement acts in the host
	// organisation (OrgID) with the partner role only: HomeOrgID is their
	// own organisation and Agreement the agreement's ID. Only the services
	// engine makes such a subject (services.ActUnder), after checking that
	// the agreement is in force and covers what they do.
	HomeOrgID string
	Agreement string
	Scopes    []string
	TokenID   string
	SessionID string
	Addr      string // remote address, for the audit log
	AuthTime  time.Time
}

// HasRole reports whether the subject holds r.
func (s *Subject) HasRole(r Role) bool { return s != nil && slices.Contains(s.Roles, r) }

// InUnit reports whether the subject belongs to business unit id.
func (s *Subject) InUnit(id string) bool { return s != nil && slices.Contains(s.BusinessUnits, id) }

// Authenticated reports whether the subject is a real principal.
func (s *Subject) Authenticated() bool { return s != nil && s.Kind != "" && s.Kind != SubjectAnonymous }

// System returns the subject used for work the platform does by itself
// (migrations, demo seeding, CLI administration) within one organisation.
func System(orgID string) *Subject {
	return &Subject{Kind: SubjectSystem, UserID: "system", Name: "dbtp", OrgID: orgID, Roles: []Role{RoleAdmin}}
}

// Clock tells the time; tests pass a fixed one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// StaffRoles are the roles of people who work for the organisation, as
// against residents and partners. It is the one definition of "staff":
// who may act for a resident, be assigned work, or see staff pages.
var StaffRoles = []Role{RoleAdmin, RoleManager, RoleCaseworker, RoleRecords, RoleWorkplace, RoleDesigner, RoleStaff}

// IsStaff reports whether r is one of StaffRoles.
func (r Role) IsStaff() bool { return slices.Contains(StaffRoles, r) }

// IsStaff reports whether the subject holds any staff role.
func (s *Subject) IsStaff() bool { return s != nil && slices.ContainsFunc(s.Roles, Role.IsStaff) }

// API token scopes: what a token may do, on top of what its owner's roles
// allow. They are defined here once; identity issues them and access checks them.
const (
	ScopeRead    = "read"
	ScopeWrite   = "write"
	ScopeAdmin   = "admin"
	ScopeMetrics = "metrics" // reading /metrics, for Prometheus
)

// Scopes lists every scope a token may be given.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeAdmin, ScopeMetrics}

// HasScope reports whether a token subject carries scope; other subjects
// are governed by their roles alone and always pass.
func (s *Subject) HasScope(scope string) bool {
	return s != nil && (s.Kind != SubjectToken || slices.Contains(s.Scopes, scope))
}

// onceKey is the context key of a request's set of things done once.
type onceKey struct{}

type onceSet struct {
	mu   sync.Mutex
	done map[string]bool
}

// WithOnce returns a context in which Once reports each key as new only
// the first time. The web server gives every request one, so that a page
// made of several reads of one OFFICIAL-SENSITIVE record is audited as one
// read, which is what the person did.
func WithOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, onceKey{}, &onceSet{done: map[string]bool{}})
}

// Once reports whether key is new in ctx's request, marking it done. With
// no request scope (a background job, the CLI) every call is new.
func Once(ctx context.Context, key string) bool {
	s, ok := ctx.Value(onceKey{}).(*onceSet)
	if !ok {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done[key] {
		return false
	}
	s.done[key] = true
	return true
}
