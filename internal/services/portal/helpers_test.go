package portal

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
	"dbtp/internal/blob"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, services.Migrations}

const password = "correct horse battery staple"

// env is a council with the built-in services behind a real web server:
// real identity sessions, audit log, access point and engine.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	log   *audit.Log
	id    *identity.Service
	svc   *services.Service
	files *blob.Store
	// blobDir and blobKey are the file store's folder and key, the same
	// across a restart (boot).
	blobDir string
	blobKey blob.MasterKey
	srv     *webtest.Server
	org     platform.Org
	sys     *platform.Subject
	users   map[string]identity.User
	// more adds options to the portal at the next boot (lookup_test.go).
	more func(*Options)
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, users: map[string]identity.User{}}
	e.log = audittest.NewLog(t, db)
	ap := access.New(e.log)
	noErr(t, ap.Register(identity.ResidentRecordType, identity.ResidentRecordPolicy))
	e.id = identity.New(db, e.log, ap, identity.Options{})
	e.blobDir = t.TempDir()
	var err error
	e.blobKey, err = blob.GenerateMasterKey()
	noErr(t, err)
	e.boot()
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	noErr(t, err)
	e.sys = platform.System(e.org.ID)
	cs, err := e.id.CreateUnit(e.ctx, e.sys, "Customer Services")
	noErr(t, err)
	libraries, err := e.id.CreateUnit(e.ctx, e.sys, "Libraries")
	noErr(t, err)
	for _, u := range []struct {
		name  string
		role  platform.Role
		units []string
	}{{"Rita Resident", platform.RoleResident, nil}, {"Ray Resident", platform.RoleResident, nil},
		{"Cara Caseworker", platform.RoleCaseworker, []string{cs.ID}},
		// Fay works on a library front desk: staff, not in the unit that
		// owns complaints.
		{"Fay Frontdesk", platform.RoleStaff, []string{libraries.ID}}} {
		email := strings.ToLower(strings.Fields(u.name)[0]) + "@example.org"
		usr, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: email, Name: u.name, Roles: []platform.Role{u.role}, BusinessUnits: u.units, Password: password})
		noErr(t, err)
		e.users[strings.Fields(u.name)[0]] = usr
	}
	srcs, err := definition.BuiltinSources()
	noErr(t, err)
	var defs []*definition.Definition
	var yamls [][]byte
	for _, s := range srcs {
		if s.Def.ID == "complaints" {
			defs, yamls = append(defs, s.Def), append(yamls, s.YAML)
		}
	}
	noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, defs, yamls))
	return e
}

// boot builds what a start of dbtp builds over the database and the file
// store: the engine and the web server. Calling it again is a restart:
// nothing held in memory survives it.
func (e *env) boot() {
	t := e.t
	t.Helper()
	d, err := blob.NewDisk(e.blobDir)
	noErr(t, err)
	e.files = blob.New(d, e.blobKey)
	ap := access.New(e.log)
	noErr(t, ap.Register("case", services.CasePolicy))
	e.svc = services.New(e.db, e.log, ap, services.Options{
		Files: e.files,
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
	opts := Options{
		Now:          func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) },
		AnonymousOrg: func(context.Context) (string, error) { return e.org.ID, nil },
		Person: func(ctx context.Context, sub *platform.Subject, id string) (Person, bool, error) {
			u, err := e.id.Directory().Person(ctx, platform.System(sub.OrgID), id)
			if platform.CodeOf(err) == platform.CodeNotFound {
				return Person{}, false, nil
			}
			if err != nil {
				return Person{}, false, err
			}
			return Person{ID: u.ID, Name: u.Name, Email: u.Email, Phone: u.Phone, Postcode: u.Postcode}, !u.Disabled, nil
		},
		OrgName: func(ctx context.Context, id string) string {
			o, err := e.id.GetOrg(ctx, platform.System(id), id)
			if err != nil {
				return ""
			}
			return o.Name
		},
		FindResidents: func(ctx context.Context, sub *platform.Subject, q platform.ResidentQuery) ([]Person, error) {
			found, err := e.id.Directory().FindResidents(ctx, sub, q)
			var out []Person
			for _, u := range found {
				out = append(out, Person{ID: u.ID, Name: u.Name, Email: u.Email, Postcode: u.Postcode, BirthDate: u.BirthDate, SignIn: u.SignIn})
			}
			return out, err
		},
		RecordCaller: func(ctx context.Context, sub *platform.Subject, c platform.Caller, checked bool) (Person, []Person, error) {
			u, same, err := e.id.Directory().RecordCaller(ctx, sub, c, checked)
			var out []Person
			for _, s := range same {
				out = append(out, Person{ID: s.ID, Name: s.Name, Email: s.Email, Postcode: s.Postcode, BirthDate: s.BirthDate})
			}
			return Person{ID: u.ID, Name: u.Name, Email: u.Email}, out, err
		},
	}
	if e.more != nil {
		e.more(&opts)
	}
	noErr(t, Register(ws, e.svc, opts))
	e.srv = webtest.Start(t, ws)
}

// browser signs the named user in through identity and returns a browser
// carrying their session.
func (e *env) browser(name string) *webtest.Browser {
	e.t.Helper()
	b := e.srv.Browser()
	if name == "" {
		return b
	}
	res, err := e.id.SignIn(e.ctx, "northshire", e.users[name].Email, password, "127.0.0.1")
	noErr(e.t, err)
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("%s: sign-in state %s", name, res.State)
	}
	b.SignIn(res.Token)
	return b
}

func (e *env) publish(def *definition.Definition) {
	e.t.Helper()
	_, err := e.svc.PublishDefinition(e.ctx, e.sys, def, []byte("id: "+def.ID+"\n"))
	noErr(e.t, err)
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
	if r.Status != 303 || r.Header.Get("Location") != to {
		t.Fatalf("got %d to %q, want 303 to %q; body:\n%s", r.Status, r.Header.Get("Location"), to, r.Body)
	}
}

var referencePattern = regexp.MustCompile(`COMP-\d{4}-\d{6}`)

// testLog sends the server's log to the test's, shown when a test fails.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// tinyPNG is a file a browser can upload as a photo: the PNG signature
// is all the content check looks at.
var tinyPNG = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

// sendStage1 has Cara acknowledge the complaint ref and send the stage 1
// response text, partly upheld.
func (e *env) sendStage1(ref, text string) {
	e.t.Helper()
	cara := &platform.Subject{Kind: platform.SubjectUser, UserID: e.users["Cara"].ID, Name: "Cara Caseworker", OrgID: e.org.ID,
		Roles: e.users["Cara"].Roles, BusinessUnits: e.users["Cara"].BusinessUnits}
	c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
	noErr(e.t, err)
	c, err = e.svc.Transition(e.ctx, cara, c.ID, "acknowledge", c.Version, nil)
	noErr(e.t, err)
	_, err = e.svc.Transition(e.ctx, cara, c.ID, "send_stage1_response", c.Version, definition.Answers{"stage1_response": text, "outcome": "partly_upheld"})
	noErr(e.t, err)
}
