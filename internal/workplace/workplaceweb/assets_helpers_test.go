package workplaceweb

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
	"dbtp/internal/workplace"
)

var assetsMods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, workplace.Migrations}

const assetsPassword = "correct horse battery staple"

// assetsEnv is a council with the workplace module on a real server over a
// real database, audit log, access point, identity and jobs, as cmd/dbtp
// builds it: Kim keeps the workplace, Jo and Sam are staff, Rita a resident.
type assetsEnv struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	id    *identity.Service
	m     *Module
	jobs  *jobs.Queue
	clock *platformtest.Clock
	srv   *webtest.Server
	org   platform.Org
	sys   *platform.Subject
	users map[string]identity.User
	other *platform.Subject
}

func newAssetsEnv(t testing.TB, db *store.DB, mailer mail.Transport, opts ...func(*module.Deps, *Module)) *assetsEnv {
	t.Helper()
	e := &assetsEnv{t: t, ctx: context.Background(), db: db, users: map[string]identity.User{},
		clock: platformtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	e.id = identity.New(db, log, ap, identity.Options{})
	var err error
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	assetsMust(t, err)
	e.sys = platform.System(e.org.ID)
	units := map[string]string{}
	for _, n := range []string{"Property", "Finance"} {
		u, err := e.id.CreateUnit(e.ctx, e.sys, n)
		assetsMust(t, err)
		units[n] = u.ID
	}
	for _, u := range []struct {
		name, unit string
		role       platform.Role
	}{{"Kim Adeyemi", "Property", platform.RoleWorkplace}, {"Jo Baker", "Finance", platform.RoleStaff}, {"Sam Okafor", "Finance", platform.RoleCaseworker},
		{"Rita Resident", "", platform.RoleResident}} {
		var us []string
		if u.unit != "" {
			us = []string{units[u.unit]}
		}
		first := strings.Fields(u.name)[0]
		usr, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: strings.ToLower(first) + "@example.org", Name: u.name, Roles: []platform.Role{u.role},
			BusinessUnits: us, Password: assetsPassword})
		assetsMust(t, err)
		e.users[first] = usr
	}
	other, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "trading", Name: "Northshire Trading", Kind: platform.OrgTradingCompany})
	assetsMust(t, err)
	boss, err := e.id.CreateUser(e.ctx, platform.System(other.ID), identity.NewUser{Email: "boss@trading.example", Name: "Boss", Roles: []platform.Role{platform.RoleAdmin}, Password: assetsPassword})
	assetsMust(t, err)
	e.other = &platform.Subject{Kind: platform.SubjectUser, UserID: boss.ID, Name: boss.Name, OrgID: other.ID, Roles: boss.Roles}
	e.jobs = jobs.New(db, jobs.Options{Clock: e.clock})
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: e.id.Directory(), Jobs: e.jobs, Clock: e.clock, Mail: mailer,
		Log: slog.New(slog.NewTextHandler(assetsTestLog{t}, nil)), Config: module.Config{BaseURL: "https://dbtp.example", CouncilName: "Northshire Council"}}
	e.m = &Module{}
	for _, o := range opts {
		o(d, e.m)
	}
	assetsMust(t, e.m.Init(e.ctx, d))
	ws, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(assetsTestLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		web.WithAuthenticator(e.id))
	assetsMust(t, err)
	assetsMust(t, e.m.Web(ws))
	assetsMust(t, e.m.Start(e.ctx))
	if undocumented, unrouted := web.CheckAPIDocumented(ws.Router(), ws.API().Document()); len(undocumented)+len(unrouted) > 0 {
		t.Fatalf("API routes not in the OpenAPI document: %v; documented but not routed: %v", undocumented, unrouted)
	}
	e.srv = webtest.Start(t, ws)
	return e
}

type assetsTestLog struct{ t testing.TB }

func (l assetsTestLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func assetsMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *assetsEnv) subject(name string) *platform.Subject {
	u := e.users[name]
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: e.org.ID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func (e *assetsEnv) browser(name string) *webtest.Browser {
	e.t.Helper()
	res, err := e.id.SignIn(e.ctx, "northshire", e.users[name].Email, assetsPassword, "127.0.0.1")
	assetsMust(e.t, err)
	b := e.srv.Browser()
	b.SignIn(res.Token)
	return b
}

func (e *assetsEnv) token(sub *platform.Subject, scopes ...string) string {
	e.t.Helper()
	tok, err := e.id.CreateToken(e.ctx, sub, identity.NewToken{Name: "test", Scopes: scopes})
	assetsMust(e.t, err)
	return tok.Secret
}

// runJobs runs the background work that is due, as the worker would.
func (e *assetsEnv) runJobs() {
	e.t.Helper()
	for {
		n, err := e.jobs.RunDue(e.ctx)
		assetsMust(e.t, err)
		if n == 0 {
			return
		}
	}
}

func (e *assetsEnv) day(n int) string {
	return e.clock.Now().In(e.m.ws.Location()).AddDate(0, 0, n).Format(time.DateOnly)
}

func (e *assetsEnv) equipment(name, category, tag string) workplace.Resource {
	e.t.Helper()
	r, err := e.m.ws.CreateResource(e.ctx, e.subject("Kim"), workplace.ResourceInput{Kind: workplace.KindEquipment, Name: name, Category: category, AssetTag: tag})
	assetsMust(e.t, err)
	return r
}

func assetsWant(t testing.TB, r *webtest.Response, status int, texts ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	for _, s := range texts {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("want %q in\n%s", s, r.Body)
		}
	}
}
