package signingweb

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/signing"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, signing.Migrations}

const password = "correct horse battery staple"

// env is a council with the signing module mounted on a real server over a
// real database, audit log, access point, identity service, jobs queue and
// file store, as cmd/dbtp builds it, with another organisation beside it.
// Every part's tests share it: add to it, do not copy it.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	id    *identity.Service
	jobs  *jobs.Queue
	clock *platformtest.Clock
	m     *Module
	srv   *webtest.Server
	org   platform.Org
	units map[string]string
	users map[string]identity.User
	// getenv is what the module reads its settings from (newEnvWith).
	getenv map[string]string
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newEnv(t testing.TB, db *store.DB) *env { return newEnvWith(t, db, nil) }

// testJobPoll is the jobs queue's poll interval for the next env made
// (zero: the queue's default, a second, as dbtp serve's).
var testJobPoll time.Duration

// newEnvWith starts the module with settings (DBTP_SIGNING_... variables).
// People: Pat is staff and Mo the manager in Procurement, Cara staff in
// Democratic services (the Cabinet Member's office), Rosa a records
// manager, Alex the admin, Rita a resident, Otto the admin of another
// organisation.
func newEnvWith(t testing.TB, db *store.DB, settings map[string]string) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, units: map[string]string{}, users: map[string]identity.User{}, getenv: settings,
		clock: platformtest.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))}
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	e.id = identity.New(db, log, ap, identity.Options{Clock: e.clock})
	var err error
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	noErr(t, err)
	other, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "trading", Name: "Northshire Trading", Kind: platform.OrgTradingCompany})
	noErr(t, err)
	sys := platform.System(e.org.ID)
	for _, n := range []string{"Procurement", "Democratic services", "Finance"} {
		u, err := e.id.CreateUnit(e.ctx, sys, n)
		noErr(t, err)
		e.units[n] = u.ID
	}
	for _, u := range []struct {
		first string
		org   platform.Org
		role  platform.Role
		unit  string
	}{{"Pat", e.org, platform.RoleStaff, "Procurement"}, {"Mo", e.org, platform.RoleManager, "Procurement"},
		{"Cara", e.org, platform.RoleStaff, "Democratic services"}, {"Rosa", e.org, platform.RoleRecords, ""}, {"Alex", e.org, platform.RoleAdmin, ""},
		{"Rita", e.org, platform.RoleResident, ""}, {"Otto", other, platform.RoleAdmin, ""}} {
		var units []string
		if u.unit != "" {
			units = []string{e.units[u.unit]}
		}
		usr, err := e.id.CreateUser(e.ctx, platform.System(u.org.ID), identity.NewUser{Email: strings.ToLower(u.first) + "@example.org", Name: u.first + " Test",
			Roles: []platform.Role{u.role}, BusinessUnits: units, Password: password})
		noErr(t, err)
		e.users[u.first] = usr
	}
	// 8 workers as dbtp serve's default (tests run jobs with RunDue; a
	// benchmark may run the queue, and set how often it looks for work).
	e.jobs = jobs.New(db, jobs.Options{Clock: e.clock, Workers: 8, PollInterval: testJobPoll})
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: e.id.Directory(), Blob: blobtest.Disk(t), Jobs: e.jobs, Clock: e.clock,
		Log: slog.New(slog.NewTextHandler(testLog{t}, nil)), Config: module.Config{BaseURL: "http://dbtp.test", CouncilName: "Northshire Council",
			DataDir: t.TempDir(), Getenv: func(k string) string { return settings[k] }}}
	e.m = &Module{}
	noErr(t, e.m.Init(e.ctx, d))
	srv, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		web.WithAuthenticator(e.id))
	noErr(t, err)
	noErr(t, e.m.Web(srv))
	noErr(t, e.m.Start(e.ctx))
	e.srv = webtest.Start(t, srv)
	return e
}

func (e *env) browser(first string) *webtest.Browser {
	e.t.Helper()
	u := e.users[first]
	slug := "northshire"
	if u.OrgID != e.org.ID {
		slug = "trading"
	}
	res, err := e.id.SignIn(e.ctx, slug, u.Email, password, "127.0.0.1")
	noErr(e.t, err)
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("%s: sign-in state %s", first, res.State)
	}
	b := e.srv.Browser()
	b.SignIn(res.Token)
	return b
}

func (e *env) subject(first string) *platform.Subject {
	u := e.users[first]
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

// token is a dbtp API token (for /api/v1), not a Notify key.
func (e *env) token(first string, scopes ...string) string {
	e.t.Helper()
	tok, err := e.id.CreateToken(e.ctx, e.subject(first), identity.NewToken{Name: "test", Scopes: scopes})
	noErr(e.t, err)
	return tok.Secret
}

// do sends a raw request with the given headers.
func (e *env) do(method, path string, header http.Header, body []byte) *webtest.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	noErr(e.t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	noErr(e.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &webtest.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func want(t testing.TB, r *webtest.Response, status int, contains ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.Status, status, r.Body)
	}
	for _, s := range contains {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("body lacks %q:\n%s", s, r.Body)
		}
	}
}
