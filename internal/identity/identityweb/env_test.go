package identityweb

// The identity service on a fresh database, as the web tests use it; the
// engine's own tests have the same kit in package identity.

import (
	"context"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations}

// env is one organisation with an admin, on a fresh database.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	log    *audit.Log
	svc    *identity.Service
	clock  *platformtest.Clock
	org    platform.Org
	sys    *platform.Subject // the CLI within org
	admin  *platform.Subject // an admin of org (built directly: store tests)
	adminU identity.User
}

const testPassword = "correct horse battery staple"

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	clock := platformtest.NewClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	e := &env{t: t, ctx: context.Background(), db: db, log: log, clock: clock,
		svc: identity.New(db, log, access.New(log), identity.Options{Clock: clock, Issuer: "Northshire Council"})}
	e.org = e.mustOrg("northshire", "Northshire Council", platform.OrgCouncil)
	e.sys = platform.System(e.org.ID)
	e.adminU = e.mustUser(e.sys, "admin@northshire.gov.uk", "Ada Admin", []platform.Role{platform.RoleAdmin}, nil, testPassword)
	e.admin = e.subjectOf(e.adminU)
	return e
}

func (e *env) mustOrg(slug, name string, kind platform.OrgKind) platform.Org {
	e.t.Helper()
	o, err := e.svc.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: slug, Name: name, Kind: kind})
	if err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	return o
}

func (e *env) mustUser(sub *platform.Subject, email, name string, roles []platform.Role, units []string, password string) identity.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.ctx, sub, identity.NewUser{Email: email, Name: name, Roles: roles, BusinessUnits: units, Password: password})
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func (e *env) subjectOf(u identity.User) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

// otherOrg makes a second organisation with its own admin and one staff user.
func (e *env) otherOrg() (platform.Org, *platform.Subject, identity.User) {
	e.t.Helper()
	o := e.mustOrg("northshire-trading", "Northshire Trading Ltd", platform.OrgTradingCompany)
	a := e.mustUser(platform.System(o.ID), "boss@trading.example", "Tina Trading", []platform.Role{platform.RoleAdmin}, nil, "")
	u := e.mustUser(platform.System(o.ID), "worker@trading.example", "Will Worker", []platform.Role{platform.RoleStaff}, nil, "")
	return o, e.subjectOf(a), u
}

// code is the TOTP code an authenticator app would show now.
func (e *env) code(secret string) string {
	c, err := identity.TOTPCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// auditActions lists the actions recorded in org (newest first).
func (e *env) auditActions(orgID string) []audit.Entry {
	e.t.Helper()
	p, err := e.log.List(e.ctx, audit.Filter{OrgID: orgID, Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Entries
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func denials(entries []audit.Entry, action, resourceID string) int {
	n := 0
	for _, en := range entries {
		if en.Outcome == audit.Denied && (action == "" || en.Action == action) && (resourceID == "" || en.ResourceID == resourceID) {
			n++
		}
	}
	return n
}
