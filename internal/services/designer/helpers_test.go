package designer

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/services/portal"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, services.Migrations}

const password = "correct horse battery staple"

// env is a council with the real engine, identity, audit log and access
// point behind a real web server carrying the resident portal and the
// designer, as the services module mounts them.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	id    *identity.Service
	svc   *services.Service
	srv   *webtest.Server
	org   platform.Org
	sys   *platform.Subject
	users map[string]identity.User
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, users: map[string]identity.User{}}
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	noErr(t, ap.Register(ResourceType, Policy))
	e.id = identity.New(db, log, ap, identity.Options{})
	var err error
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	noErr(t, err)
	e.sys = platform.System(e.org.ID)
	cs, err := e.id.CreateUnit(e.ctx, e.sys, "Customer Services")
	noErr(t, err)
	for _, u := range []struct {
		name  string
		role  platform.Role
		units []string
	}{{"Dee Designer", platform.RoleDesigner, nil}, {"Rita Resident", platform.RoleResident, nil},
		{"Cara Caseworker", platform.RoleCaseworker, []string{cs.ID}}} {
		email := strings.ToLower(strings.Fields(u.name)[0]) + "@example.org"
		usr, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: email, Name: u.name, Roles: []platform.Role{u.role}, BusinessUnits: u.units, Password: password})
		noErr(t, err)
		e.users[strings.Fields(u.name)[0]] = usr
	}
	e.svc = services.New(db, log, ap, services.Options{
		Validate: func(def *definition.Definition, a definition.Answers, applicant bool) error {
			if !applicant {
				return nil
			}
			if err := forms.ValidateAll(def, a, forms.Options{People: func(id string) (string, bool) { return id, true }}); err != nil {
				return err
			}
			return nil
		},
		UnitID: e.id.UnitID,
	})
	ws, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})), web.WithAuthenticator(e.id))
	noErr(t, err)
	noErr(t, portal.Register(ws, e.svc, portal.Options{
		Now:          func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) },
		AnonymousOrg: func(context.Context) (string, error) { return e.org.ID, nil },
		Person: func(ctx context.Context, sub *platform.Subject, id string) (portal.Person, bool, error) {
			u, err := e.id.GetUser(ctx, platform.System(sub.OrgID), id)
			if err != nil {
				return portal.Person{}, false, err
			}
			return portal.Person{ID: u.ID, Name: u.Name, Email: u.Email}, !u.Disabled, nil
		},
	}))
	units := func(ctx context.Context, sub *platform.Subject) ([]string, error) {
		return []string{"Customer Services"}, nil
	}
	noErr(t, New(db, log, ap, e.svc, Options{Units: units}).Register(ws))
	e.srv = webtest.Start(t, ws)
	return e
}

// browser signs the named user in through identity and returns a browser
// carrying their session.
func (e *env) browser(name string) *webtest.Browser {
	e.t.Helper()
	b := e.srv.Browser()
	b.SignIn(e.session(name))
	return b
}

func (e *env) session(name string) string {
	e.t.Helper()
	res, err := e.id.SignIn(e.ctx, "northshire", e.users[name].Email, password, "127.0.0.1")
	noErr(e.t, err)
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("%s: sign-in state %s", name, res.State)
	}
	return res.Token
}

func (e *env) subject(name string) *platform.Subject {
	u := e.users[name]
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: e.org.ID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// want checks a response's status and that its body contains every string.
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

func wantRedirect(t testing.TB, r *webtest.Response, to string) {
	t.Helper()
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), to) {
		t.Fatalf("got %d to %q, want 303 to %q; body:\n%s", r.Status, r.Header.Get("Location"), to, r.Body)
	}
}

var revisionPattern = regexp.MustCompile(`name="revision" value="(\d+)"`)

// revision reads the draft's revision from a page's form.
func revision(t testing.TB, r *webtest.Response) string {
	t.Helper()
	m := revisionPattern.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no revision on the page:\n%s", r.Body)
	}
	return m[1]
}

// testLog sends the server's log to the test's, shown when a test fails.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
