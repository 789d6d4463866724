package post

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, Migrations}

// start is a Monday morning in London (GMT, so UTC too).
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// env is the post store over a real database with the real audit log,
// access point, identity service and jobs queue, in one council with
// three business units and people in every role, and a second
// organisation. Every part's tests share it: add to it, do not copy it.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	log   *audit.Log
	id    *identity.Service
	jobs  *jobs.Queue
	ps    *Store
	clock *platformtest.Clock
	org   platform.Org
	sys   *platform.Subject
	units map[string]string

	// admin; dee designs and mia manages Customer services; cas is a
	// caseworker in Adults; sid is staff in Finance; rita a resident;
	// other the admin of another organisation.
	admin, dee, mia, cas, sid, rita, other *platform.Subject
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	noErr(t, ap.Register(ResourceType, Policy))
	e := &env{t: t, ctx: context.Background(), db: db, log: log, clock: platformtest.NewClock(start), units: map[string]string{}}
	e.id = identity.New(db, log, ap, identity.Options{Clock: e.clock})
	e.jobs = jobs.New(db, jobs.Options{Clock: e.clock})
	e.ps = New(db, log, ap, Options{Files: blobtest.Disk(t), Now: e.clock.Now, Jobs: e.jobs, BaseURL: "http://dbtp.test"})
	e.org = e.mustOrg("northshire", "Northshire Council", platform.OrgCouncil)
	e.sys = platform.System(e.org.ID)
	for _, name := range []string{"Adults", "Customer services", "Finance"} {
		u, err := e.id.CreateUnit(e.ctx, e.sys, name)
		noErr(t, err)
		e.units[name] = u.ID
	}
	e.admin = e.user(e.sys, "admin", platform.RoleAdmin)
	e.dee = e.user(e.sys, "dee", platform.RoleDesigner, e.units["Customer services"])
	e.mia = e.user(e.sys, "mia", platform.RoleManager, e.units["Customer services"])
	e.cas = e.user(e.sys, "cas", platform.RoleCaseworker, e.units["Adults"])
	e.sid = e.user(e.sys, "sid", platform.RoleStaff, e.units["Finance"])
	e.rita = e.user(e.sys, "rita", platform.RoleResident)
	other := e.mustOrg("northshire-trading", "Northshire Trading Ltd", platform.OrgTradingCompany)
	e.other = e.user(platform.System(other.ID), "boss", platform.RoleAdmin)
	return e
}

func (e *env) mustOrg(slug, name string, kind platform.OrgKind) platform.Org {
	e.t.Helper()
	o, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: slug, Name: name, Kind: kind})
	noErr(e.t, err)
	return o
}

func (e *env) user(sys *platform.Subject, name string, role platform.Role, units ...string) *platform.Subject {
	e.t.Helper()
	u, err := e.id.CreateUser(e.ctx, sys, identity.NewUser{Email: name + "@" + sys.OrgID + ".example", Name: strings.ToUpper(name[:1]) + name[1:],
		Roles: []platform.Role{role}, BusinessUnits: units})
	noErr(e.t, err)
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

// service is a sending service owned by Customer services, made by its
// manager.
func (e *env) service() Service {
	e.t.Helper()
	sv, err := e.ps.CreateService(e.ctx, e.mia, ServiceInput{Name: "Northshire Council", UnitID: e.units["Customer services"],
		EmailReplyTo: "contact@northshire.example", LetterContact: "Northshire Council\nCounty Hall\nNorthshire\nNS1 1AA"})
	noErr(e.t, err)
	return sv
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t testing.TB, err error, code platform.Code) {
	t.Helper()
	if platform.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func wantField(t testing.TB, err error, field string) {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
	for _, f := range pe.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("want a field error on %s, got %+v", field, pe.Fields)
}
