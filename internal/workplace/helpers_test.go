package workplace

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
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, Migrations}

// start is a Monday morning in London (GMT, so UTC too).
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// env is the workplace store over a real database with the real audit
// log, access point and identity service, in one council with three
// business units and people in every role, and a second organisation.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	log   *audit.Log
	id    *identity.Service
	ws    *Store
	clock *platformtest.Clock
	org   platform.Org
	sys   *platform.Subject
	units map[string]string

	admin, kim, mel, ann, sid, rita, other *platform.Subject
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	noErr(t, ap.Register(ResourceType, Policy))
	e := &env{t: t, ctx: context.Background(), db: db, log: log, clock: platformtest.NewClock(start), units: map[string]string{}}
	e.id = identity.New(db, log, ap, identity.Options{Clock: e.clock})
	e.ws = New(db, log, ap, Options{Files: blobtest.Disk(t), Now: e.clock.Now})
	e.org = e.mustOrg("northshire", "Northshire Council", platform.OrgCouncil)
	e.sys = platform.System(e.org.ID)
	for _, name := range []string{"Adults", "Property", "Finance"} {
		u, err := e.id.CreateUnit(e.ctx, e.sys, name)
		noErr(t, err)
		e.units[name] = u.ID
	}
	e.admin = e.user(e.sys, "admin", platform.RoleAdmin)
	e.kim = e.user(e.sys, "kim", platform.RoleWorkplace, e.units["Property"])
	e.mel = e.user(e.sys, "mel", platform.RoleManager, e.units["Finance"])
	e.ann = e.user(e.sys, "ann", platform.RoleCaseworker, e.units["Adults"])
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

// site is a building with one floor, a zone kept for Finance, two desks
// and a room, made by the workplace manager.
type site struct {
	building     Building
	floor        Floor
	zone         Zone
	desk1, desk2 Resource
	room         Resource
}

func (e *env) site() site {
	e.t.Helper()
	var s site
	var err error
	s.building, err = e.ws.CreateBuilding(e.ctx, e.kim, BuildingInput{Name: "County Hall", UPRN: "200003655411", Address: "County Road, Northshire"})
	noErr(e.t, err)
	s.floor, err = e.ws.CreateFloor(e.ctx, e.kim, FloorInput{BuildingID: s.building.ID, Name: "First floor", Level: 1})
	noErr(e.t, err)
	s.zone, err = e.ws.CreateZone(e.ctx, e.kim, ZoneInput{FloorID: s.floor.ID, Name: "Finance neighbourhood", UnitID: e.units["Finance"]})
	noErr(e.t, err)
	s.desk1, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: "Desk 1.01", FloorID: s.floor.ID, ZoneID: s.zone.ID, X: 100, Y: 200, Features: []string{FeatureDocking, FeatureMonitors}})
	noErr(e.t, err)
	s.desk2, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: "Desk 1.02", FloorID: s.floor.ID, X: -1, Y: -1, Features: []string{FeatureStanding, FeatureAccessible}})
	noErr(e.t, err)
	s.room, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindRoom, Name: "Medway Room", FloorID: s.floor.ID, X: 500, Y: 500, Capacity: 8, Features: []string{FeatureVideo}})
	noErr(e.t, err)
	return s
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
