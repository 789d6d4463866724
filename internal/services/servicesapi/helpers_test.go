package servicesapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
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

// env is a real server on 127.0.0.1:0 over a real database with the real
// audit log, access point, identity service and engine, the built-in
// services published, and people whose tokens identity issues.
type env struct {
	t     *testing.T
	ctx   context.Context
	ids   *identity.Service
	svc   *services.Service
	log   *audit.Log
	clock *platformtest.Clock
	srv   *webtest.Server
	org   platform.Org
	units map[string]string // name -> ID
	users map[string]identity.User

	// Tokens: admin (read, write, admin), cara (caseworker in Customer
	// Services), caraRead (her read-only token), mona (manager in Customer
	// Services), sam (staff, no unit), rita and ray (residents), boss
	// (admin of another organisation).
	admin, cara, caraRead, mona, sam, rita, ray, boss string
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: platformtest.NewClock(time.Now().UTC()), units: map[string]string{}, users: map[string]identity.User{}}
	e.log = audittest.NewLog(t, db)
	ap := access.New(e.log)
	e.ids = identity.New(db, e.log, ap, identity.Options{Issuer: "Testshire"})
	validate := func(def *definition.Definition, answers definition.Answers, applicant bool) error {
		if !applicant {
			return nil
		}
		if err := forms.ValidateAll(def, answers, forms.Options{Now: e.clock.Now}); err != nil {
			return err
		}
		return nil
	}
	e.svc = services.New(db, e.log, ap, services.Options{Clock: e.clock, UnitID: e.ids.UnitID, UserExists: e.ids.UserExists, Validate: validate})
	srv, err := web.NewServer(web.Config{CouncilName: "Testshire Council"}, slog.New(slog.NewTextHandler(io.Discard, nil)), web.WithAuthenticator(e.ids), web.WithScopeGate(ap.CheckScope))
	if err != nil {
		t.Fatal(err)
	}
	Register(srv, e.svc, Options{Now: e.clock.Now, UnitID: e.ids.UnitID, People: e.person})
	e.srv = webtest.Start(t, srv)

	e.org = e.mustOrg("testshire", "Testshire Council", platform.OrgCouncil)
	sys := platform.System(e.org.ID)
	for _, name := range []string{"Customer Services", "Property", "Infrastructure", "Finance"} {
		u, err := e.ids.CreateUnit(e.ctx, sys, name)
		noErr(t, err)
		e.units[name] = u.ID
	}
	srcs, err := definition.BuiltinSources()
	noErr(t, err)
	var defs []*definition.Definition
	var yamls [][]byte
	for _, s := range srcs {
		defs, yamls = append(defs, s.Def), append(yamls, s.YAML)
	}
	noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, defs, yamls))

	cs := e.units["Customer Services"]
	e.admin = e.token(e.mustUser(e.org, "admin", platform.RoleAdmin), "read", "write", "admin")
	cara := e.mustUser(e.org, "cara", platform.RoleCaseworker, cs)
	e.cara, e.caraRead = e.token(cara, "read", "write"), e.token(cara, "read")
	e.mona = e.token(e.mustUser(e.org, "mona", platform.RoleManager, cs), "read", "write")
	e.sam = e.token(e.mustUser(e.org, "sam", platform.RoleStaff), "read", "write")
	e.rita = e.token(e.mustUser(e.org, "rita", platform.RoleResident), "read", "write")
	e.ray = e.token(e.mustUser(e.org, "ray", platform.RoleResident), "read", "write")
	other := e.mustOrg("testshire-trading", "Testshire Trading Ltd", platform.OrgTradingCompany)
	e.boss = e.token(e.mustUser(other, "boss", platform.RoleAdmin), "read", "write", "admin")
	return e
}

func (e *env) mustOrg(slug, name string, kind platform.OrgKind) platform.Org {
	e.t.Helper()
	o, err := e.ids.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: slug, Name: name, Kind: kind})
	noErr(e.t, err)
	return o
}

func (e *env) mustUser(o platform.Org, name string, role platform.Role, units ...string) identity.User {
	e.t.Helper()
	u, err := e.ids.CreateUser(e.ctx, platform.System(o.ID), identity.NewUser{Email: name + "@" + o.Slug + ".example",
		Name: strings.ToUpper(name[:1]) + name[1:], Roles: []platform.Role{role}, BusinessUnits: units})
	noErr(e.t, err)
	e.users[name] = u
	return u
}

// token mints a real API token for u, as the CLI does.
func (e *env) token(u identity.User, scopes ...string) string {
	e.t.Helper()
	tok, err := e.ids.CreateTokenFor(e.ctx, platform.System(u.OrgID), u.ID, identity.NewToken{Name: "test " + strings.Join(scopes, "+"), Scopes: scopes})
	noErr(e.t, err)
	return tok.Secret
}

func (e *env) person(ctx context.Context, sub *platform.Subject, userID string) (string, bool) {
	p, err := e.ids.Directory().Person(ctx, sub, userID)
	return p.Name, err == nil && !p.Disabled
}

// res is a response with its JSON body decoded (when it is JSON).
type res struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

// call sends a JSON request (body may be "") with a bearer token.
func (e *env) call(tok, method, path, body string) res {
	e.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return e.send(tok, method, path, ct, body)
}

func (e *env) send(tok, method, path, contentType, body string) res {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	noErr(e.t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	noErr(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	noErr(e.t, err)
	r := res{status: resp.StatusCode, header: resp.Header, body: string(b)}
	json.Unmarshal(b, &r.json)
	return r
}

// want fails unless r has the status; problems must be problem+json.
func want(t *testing.T, r res, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
	if status >= 400 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s: a %d that is not a problem document: %s %s", what, status, r.header.Get("Content-Type"), r.body)
	}
}

// fields lists the fields a problem's errors name.
func fields(r res) []string {
	var out []string
	errs, _ := r.json["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

func wantFields(t *testing.T, r res, what string, names ...string) {
	t.Helper()
	got := fields(r)
	for _, n := range names {
		found := false
		for _, g := range got {
			found = found || g == n
		}
		if !found {
			t.Fatalf("%s: errors name %v, missing %q: %s", what, got, n, r.body)
		}
	}
}

func items(r res) []map[string]any {
	var out []map[string]any
	list, _ := r.json["items"].([]any)
	for _, it := range list {
		out = append(out, it.(map[string]any))
	}
	return out
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// complaint is a valid complaint's answers as an API client sends them,
// with the postcode typed the way people type it.
const complaint = `{"name": "Rita Resident", "email": "rita@example.org",
	"address": {"line1": "1 High Street", "town": "Northtown", "postcode": "sw1a2aa"},
	"service_area": "waste", "details": "The bins were not collected for three weeks.",
	"complained_before": "no", "desired_outcome": "Collect the bins and say sorry."}`

// submit files a complaint as tok and returns the case.
func (e *env) submit(tok string) map[string]any {
	e.t.Helper()
	r := e.call(tok, "POST", "/api/v1/cases", `{"service": "complaints", "answers": `+complaint+`}`)
	want(e.t, r, http.StatusCreated, "submit complaint")
	return r.json
}
