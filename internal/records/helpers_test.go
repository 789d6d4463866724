package records

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/blob"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, Migrations}

// start is a Monday morning.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is the records store over a real database with the real audit log,
// access point, identity service and encrypted blob store, in one council
// with three business units and people in every role.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	log   *audit.Log
	id    *identity.Service
	rs    *Store
	files *blob.Store
	clock *platformtest.Clock
	org   platform.Org
	sys   *platform.Subject
	units map[string]string

	admin, rosa, ann, cal, mel, sid, rita, other *platform.Subject
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	noErr(t, ap.Register(ResourceType, Policy))
	e := &env{t: t, ctx: context.Background(), db: db, log: log, clock: platformtest.NewClock(start), units: map[string]string{}}
	e.id = identity.New(db, log, ap, identity.Options{Clock: e.clock})
	e.files = blobtest.Disk(t)
	e.rs = New(db, log, ap, Options{Files: e.files, Now: e.clock.Now})
	e.org = e.mustOrg("northshire", "Northshire Council", platform.OrgCouncil)
	e.sys = platform.System(e.org.ID)
	for _, name := range []string{"Adults", "Children's", "Finance"} {
		u, err := e.id.CreateUnit(e.ctx, e.sys, name)
		noErr(t, err)
		e.units[name] = u.ID
	}
	e.admin = e.user(e.sys, "admin", platform.RoleAdmin)
	e.rosa = e.user(e.sys, "rosa", platform.RoleRecords)
	e.ann = e.user(e.sys, "ann", platform.RoleCaseworker, e.units["Adults"])
	e.cal = e.user(e.sys, "cal", platform.RoleCaseworker, e.units["Children's"])
	e.mel = e.user(e.sys, "mel", platform.RoleManager, e.units["Finance"])
	e.sid = e.user(e.sys, "sid", platform.RoleStaff, e.units["Adults"])
	e.rita = e.user(e.sys, "rita", platform.RoleResident)
	other := e.mustOrg("northshire-trading", "Northshire Trading Ltd", platform.OrgTradingCompany)
	e.other = e.user(platform.System(other.ID), "boss", platform.RoleAdmin)
	noErr(t, e.rs.EnsureFilePlan(e.ctx, e.org.ID))
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

// class finds a class of the default file plan by code.
func (e *env) class(code string) Class {
	e.t.Helper()
	all, err := e.rs.Classes(e.ctx, e.sys)
	noErr(e.t, err)
	for _, c := range all {
		if c.Code == code {
			return c
		}
	}
	e.t.Fatalf("no class %s", code)
	return Class{}
}

// file files a document with text content as sub.
func (e *env) file(sub *platform.Subject, code, title, unit string, cl platform.Classification, content string) *Document {
	e.t.Helper()
	d, err := e.rs.Create(e.ctx, sub, NewDocument{Metadata: Metadata{ClassID: e.class(code).ID, Title: title, UnitID: e.units[unit], Classification: cl},
		Name: strings.ToLower(strings.ReplaceAll(title, " ", "-")) + ".txt", MediaType: "text/plain", Content: strings.NewReader(content)})
	noErr(e.t, err)
	return d
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
