package identity

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, Migrations}

// env is one organisation with an admin, on a fresh database.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	log    *audit.Log
	svc    *Service
	clock  *platformtest.Clock
	org    platform.Org
	sys    *platform.Subject // the CLI within org
	admin  *platform.Subject // an admin of org (built directly: store tests)
	adminU User
}

const testPassword = "correct horse battery staple"

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	clock := platformtest.NewClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	ap := access.New(log)
	if err := ap.Register(ResidentRecordType, ResidentRecordPolicy); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), db: db, log: log, clock: clock,
		svc: New(db, log, ap, Options{Clock: clock, Issuer: "Northshire Council"})}
	e.org = e.mustOrg("northshire", "Northshire Council", platform.OrgCouncil)
	e.sys = platform.System(e.org.ID)
	e.adminU = e.mustUser(e.sys, "admin@northshire.gov.uk", "Ada Admin", []platform.Role{platform.RoleAdmin}, nil, testPassword)
	e.admin = e.subjectOf(e.adminU)
	return e
}

func (e *env) mustOrg(slug, name string, kind platform.OrgKind) platform.Org {
	e.t.Helper()
	o, err := e.svc.CreateOrg(e.ctx, platform.System(""), NewOrg{Slug: slug, Name: name, Kind: kind})
	if err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	return o
}

func (e *env) mustUser(sub *platform.Subject, email, name string, roles []platform.Role, units []string, password string) User {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.ctx, sub, NewUser{Email: email, Name: name, Roles: roles, BusinessUnits: units, Password: password})
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func (e *env) subjectOf(u User) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

// signedIn signs a user of org in through the service with testPassword,
// enrolling TOTP if they have none, and returns their session's subject: a
// person who has just entered a second factor, as creating admins and
// admin-scope tokens needs.
func (e *env) signedIn(email string) *platform.Subject {
	e.t.Helper()
	res, err := e.svc.SignIn(e.ctx, e.org.Slug, email, testPassword, "192.0.2.9")
	noErr(e.t, err)
	switch res.State {
	case StateNeedsTOTPSetup:
		enr, err := e.svc.BeginTOTPSetup(e.ctx, res.Token)
		noErr(e.t, err)
		res, err = e.svc.ConfirmTOTPSetup(e.ctx, res.Token, e.code(enr.Secret), "192.0.2.9")
		noErr(e.t, err)
	case StateSignedIn:
		e.t.Fatalf("%s signed in without a second factor", email)
	}
	sub, err := e.svc.SessionSubject(e.ctx, res.Token, "192.0.2.9")
	noErr(e.t, err)
	return sub
}

// otherOrg makes a second organisation with its own admin and one staff user.
func (e *env) otherOrg() (platform.Org, *platform.Subject, User) {
	e.t.Helper()
	o := e.mustOrg("northshire-trading", "Northshire Trading Ltd", platform.OrgTradingCompany)
	a := e.mustUser(platform.System(o.ID), "boss@trading.example", "Tina Trading", []platform.Role{platform.RoleAdmin}, nil, "")
	u := e.mustUser(platform.System(o.ID), "worker@trading.example", "Will Worker", []platform.Role{platform.RoleStaff}, nil, "")
	return o, e.subjectOf(a), u
}

// code is the TOTP code an authenticator app would show now.
func (e *env) code(secret string) string {
	raw, err := totpEncoding.DecodeString(secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return totpCode(raw, uint64(e.clock.Now().Unix()/totpPeriod))
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

func hasEntry(entries []audit.Entry, action string, outcome audit.Outcome) bool {
	for _, en := range entries {
		if en.Action == action && en.Outcome == outcome {
			return true
		}
	}
	return false
}

func wantCode(t testing.TB, err error, code platform.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := platform.CodeOf(err); got != code {
		t.Fatalf("got %s (%v), want %s", got, err, code)
	}
}

func wantField(t testing.TB, err error, field string) {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a field error on %s", err, field)
	}
	for _, f := range pe.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("got fields %+v, want one on %s", pe.Fields, field)
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func containsSecret(entries []audit.Entry, secret string) bool {
	for _, en := range entries {
		if strings.Contains(en.Detail+en.ActorName+en.ResourceID+en.Addr, secret) {
			return true
		}
	}
	return false
}
