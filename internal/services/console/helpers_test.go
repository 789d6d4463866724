package console

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
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
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, services.Migrations}

// start is a Monday morning, so working days are easy to follow.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is a council with units, staff and a resident, another organisation,
// the complaints service and the console on a real server.
type env struct {
	t     testing.TB
	ctx   context.Context
	id    *identity.Service
	svc   *services.Service
	clock *platformtest.Clock
	srv   *webtest.Server
	org   platform.Org
	units map[string]string
	subs  map[string]*platform.Subject // session value -> subject
	log   *audit.Log

	admin, cara, carl, mona, rita, boss *platform.Subject
}

// sessions is the test's Authenticator: the session cookie's value is a
// key into the subjects made by the env, so tests sign in without passwords.
type sessions struct{ e *env }

func (s sessions) SessionSubject(_ context.Context, v, _ string) (*platform.Subject, error) {
	if sub, ok := s.e.subs[v]; ok {
		return sub, nil
	}
	return nil, platform.Errorf(platform.CodeUnauthorized, "no session")
}

func (sessions) TokenSubject(context.Context, string, string) (*platform.Subject, error) {
	return nil, platform.Errorf(platform.CodeUnauthorized, "no tokens here")
}

// people is what cmd/dbtp wires: identity's users and units.
type people struct{ id *identity.Service }

func (p people) Name(ctx context.Context, sub *platform.Subject, userID string) string {
	u, err := p.id.GetUser(ctx, platform.System(sub.OrgID), userID)
	if err != nil {
		return ""
	}
	return u.Name
}

func (p people) Names(ctx context.Context, sub *platform.Subject, ids []string) map[string]string {
	found, err := p.id.Directory().People(ctx, platform.System(sub.OrgID), ids)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for id, u := range found {
		out[id] = u.Name
	}
	return out
}

func (p people) StaffIn(ctx context.Context, sub *platform.Subject) ([]Person, error) {
	page, err := p.id.ListUsers(ctx, platform.System(sub.OrgID), identity.UserFilter{Limit: 200})
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, u := range page.Users {
		if slices.ContainsFunc(u.Roles, func(r platform.Role) bool { return slices.Contains(staffRoles, r) }) {
			out = append(out, Person{ID: u.ID, Name: u.Name, Roles: u.Roles, Units: u.BusinessUnits})
		}
	}
	return out, nil
}

func (p people) Units(ctx context.Context, sub *platform.Subject) ([]Unit, error) {
	us, err := p.id.ListUnits(ctx, platform.System(sub.OrgID))
	if err != nil {
		return nil, err
	}
	var out []Unit
	for _, u := range us {
		out = append(out, Unit{ID: u.ID, Name: u.Name})
	}
	return out, nil
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	e := &env{t: t, ctx: context.Background(), clock: platformtest.NewClock(start), units: map[string]string{}, subs: map[string]*platform.Subject{}, log: log}
	e.id = identity.New(db, log, ap, identity.Options{Clock: e.clock})
	e.svc = services.New(db, log, ap, services.Options{Clock: e.clock, UnitID: e.id.UnitID, UserExists: e.id.UserExists, Files: blobtest.Disk(t)})
	o, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	noErr(t, err)
	e.org = o
	sys := platform.System(o.ID)
	for _, name := range []string{"Customer Services", "Finance"} {
		u, err := e.id.CreateUnit(e.ctx, sys, name)
		noErr(t, err)
		e.units[name] = u.ID
	}
	e.admin = e.user(sys, "admin", platform.RoleAdmin)
	e.cara = e.user(sys, "cara", platform.RoleCaseworker, e.units["Customer Services"])
	e.carl = e.user(sys, "carl", platform.RoleCaseworker, e.units["Finance"])
	e.mona = e.user(sys, "mona", platform.RoleManager, e.units["Customer Services"])
	e.rita = e.user(sys, "rita", platform.RoleResident)
	other, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "trading", Name: "Northshire Trading", Kind: platform.OrgTradingCompany})
	noErr(t, err)
	e.boss = e.user(platform.System(other.ID), "boss", platform.RoleAdmin)

	src, err := os.ReadFile("../definition/builtin/complaints.yaml")
	noErr(t, err)
	def, err := definition.Parse(src, "complaints.yaml")
	noErr(t, err)
	noErr(t, e.svc.EnsureBuiltins(e.ctx, o.ID, []*definition.Definition{def}, [][]byte{src}))

	srv, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, nil)), web.WithAuthenticator(sessions{e}))
	noErr(t, err)
	noErr(t, Register(srv, e.svc, Options{Now: e.clock.Now, People: people{e.id}}))
	e.srv = webtest.Start(t, srv)
	return e
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (e *env) user(sys *platform.Subject, name string, role platform.Role, units ...string) *platform.Subject {
	e.t.Helper()
	u, err := e.id.CreateUser(e.ctx, sys, identity.NewUser{Email: name + "@" + sys.OrgID + ".example", Name: strings.ToUpper(name[:1]) + name[1:] + " Example",
		Roles: []platform.Role{role}, BusinessUnits: units})
	noErr(e.t, err)
	sub := &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
	e.subs["session-"+name] = sub
	return sub
}

// browser is a signed-in browser for one of the env's people.
func (e *env) browser(sub *platform.Subject) *webtest.Browser { return e.browserOn(e.srv, sub) }

// browserOn is browser on another server with the env's sessions.
func (e *env) browserOn(srv *webtest.Server, sub *platform.Subject) *webtest.Browser {
	b := srv.Browser()
	for k, s := range e.subs {
		if s == sub {
			b.SignIn(k)
		}
	}
	return b
}

// complaint submits a complaint as rita.
func (e *env) complaint(summary string) services.Case {
	e.t.Helper()
	c, err := e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{
		"name": "Rita Example", "email": "rita@example.org", "service_area": "waste",
		"details": summary + ": the recycling centre was shut", "complained_before": "no", "desired_outcome": "An apology",
	}, services.SubmitOptions{})
	noErr(e.t, err)
	return c
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) {
			t.Fatalf("%v (%+v)", err, pe.Fields)
		}
		t.Fatal(err)
	}
}

func want(t testing.TB, r *webtest.Response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, snippet(r.Body))
	}
}

func wantBody(t testing.TB, r *webtest.Response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Body, p) {
			t.Fatalf("body lacks %q\n%s", p, snippet(r.Body))
		}
	}
}

func wantNot(t testing.TB, r *webtest.Response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(r.Body, p) {
			t.Fatalf("body has %q\n%s", p, snippet(r.Body))
		}
	}
}

func wantRedirect(t testing.TB, r *webtest.Response, to, what string) {
	t.Helper()
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), to) {
		t.Fatalf("%s: status %d to %q, want 303 to %s\n%s", what, r.Status, r.Header.Get("Location"), to, snippet(r.Body))
	}
}

// snippet is the page's main content, which is what a failure is about.
func snippet(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 4000 {
		body = body[:4000]
	}
	return body
}
