package auditweb

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations}

const testPassword = "correct horse battery staple"

// env is a real server on 127.0.0.1:0 over a real database, audit log,
// access point and identity service, with two organisations: A (a council
// with an admin and a member of staff) and B (a trading company with an
// admin).
type env struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	log    *audit.Log
	ids    *identity.Service
	srv    *web.Server
	vkey   string
	base   string
	orgA   platform.Org
	orgB   platform.Org
	adminA identity.User
	staffA identity.User
	adminB identity.User
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	log, vkey := audittest.NewLogWithKey(t, db)
	e := &env{t: t, ctx: context.Background(), db: db, vkey: vkey, log: log}
	ap := access.New(e.log)
	e.ids = identity.New(db, e.log, ap, identity.Options{Issuer: "Testshire"})
	var err error
	e.srv, err = web.NewServer(web.Config{CouncilName: "Testshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, nil)), web.WithAuthenticator(e.ids))
	if err != nil {
		t.Fatal(err)
	}
	Register(e.srv, e.log, ap, PublicKey(vkey))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop")
		}
	})

	e.orgA = e.mustOrg("testshire", "Testshire Council", platform.OrgCouncil)
	e.orgB = e.mustOrg("testshire-trading", "Testshire Trading Ltd", platform.OrgTradingCompany)
	e.adminA = e.mustUser(e.orgA, "admin@testshire.gov.uk", "Ada Admin", platform.RoleAdmin)
	e.staffA = e.mustUser(e.orgA, "sam@testshire.gov.uk", "Sam Staff", platform.RoleStaff)
	e.adminB = e.mustUser(e.orgB, "boss@trading.example", "Bo Boss", platform.RoleAdmin)
	return e
}

func (e *env) mustOrg(slug, name string, kind platform.OrgKind) platform.Org {
	e.t.Helper()
	o, err := e.ids.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: slug, Name: name, Kind: kind})
	if err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	return o
}

func (e *env) mustUser(o platform.Org, email, name string, role platform.Role) identity.User {
	e.t.Helper()
	u, err := e.ids.CreateUser(e.ctx, platform.System(o.ID), identity.NewUser{Email: email, Name: name, Roles: []platform.Role{role}, Password: testPassword})
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// token mints a real API token for u with the given scopes, as the CLI does.
func (e *env) token(u identity.User, scopes ...string) string {
	e.t.Helper()
	tok, err := e.ids.CreateTokenFor(e.ctx, platform.System(u.OrgID), u.ID, identity.NewToken{Name: "test " + strings.Join(scopes, "+"), Scopes: scopes})
	if err != nil {
		e.t.Fatalf("token for %s: %v", u.Email, err)
	}
	return tok.Secret
}

// signIn signs u in with a password, enrolling TOTP as an admin must, and
// returns the session cookie value.
func (e *env) signIn(o platform.Org, u identity.User) string {
	e.t.Helper()
	res, err := e.ids.SignIn(e.ctx, o.Slug, u.Email, testPassword, "192.0.2.10")
	if err != nil {
		e.t.Fatalf("sign in %s: %v", u.Email, err)
	}
	if res.State == identity.StateNeedsTOTPSetup {
		enr, err := e.ids.BeginTOTPSetup(e.ctx, res.Token)
		if err != nil {
			e.t.Fatal(err)
		}
		if res, err = e.ids.ConfirmTOTPSetup(e.ctx, res.Token, totp(e.t, enr.Secret, time.Now()), "192.0.2.10"); err != nil {
			e.t.Fatal(err)
		}
	}
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("sign in %s: state %s", u.Email, res.State)
	}
	return res.Token
}

// totp is RFC 6238 (SHA-1, 6 digits, 30 s), what an authenticator app shows.
func totp(t testing.TB, secret string, now time.Time) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha1.New, key)
	binary.Write(m, binary.BigEndian, uint64(now.Unix()/30))
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}

// record appends an entry for org directly, as another module would.
func (e *env) record(org string, en audit.Entry) {
	e.t.Helper()
	en.OrgID = org
	if en.Outcome == "" {
		en.Outcome = audit.Success
	}
	if err := e.log.RecordNow(e.ctx, en); err != nil {
		e.t.Fatal(err)
	}
}

// testLog sends the server's log to the test's output, shown on failure.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

type response struct {
	status int
	header http.Header
	body   string
}

// get requests path; auth is "Bearer <token>" or a session cookie value.
func (e *env) get(path, auth string) response {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(auth, "Bearer "):
		req.Header.Set("Authorization", auth)
	case auth != "":
		req.AddCookie(&http.Cookie{Name: "dbtp_session", Value: auth})
	}
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// getJSON requests an API path with a bearer token, wants status and
// decodes the body into v (when v is not nil).
func (e *env) getJSON(path, token string, status int, v any) response {
	e.t.Helper()
	r := e.get(path, "Bearer "+token)
	if r.status != status {
		e.t.Fatalf("GET %s: status %d, want %d\n%s", path, r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(r.body), v); err != nil {
			e.t.Fatalf("GET %s: %v\n%s", path, err, r.body)
		}
	}
	return r
}

// entries lists org's entries straight from the log, newest first.
func (e *env) entries(org string, f audit.Filter) []audit.Entry {
	e.t.Helper()
	f.OrgID, f.Limit = org, audit.MaxLimit
	p, err := e.log.List(e.ctx, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Entries
}

// seed records a known set of entries in org A and org B; see the tests
// for what each filter should find.
func (e *env) seed() {
	day := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	a, b := e.orgA.ID, e.orgB.ID
	e.record(a, audit.Entry{ActorID: "usr_alice", ActorName: "Alice Adams", Action: "case.update", ResourceType: "case", ResourceID: "cas_1", Addr: "192.0.2.1", Detail: "status to open", At: day(2025, 3, 1, 10, 0)})
	e.record(a, audit.Entry{ActorID: "usr_alice", ActorName: "Alice Adams", Action: "case.read", ResourceType: "case", ResourceID: "cas_2", Addr: "192.0.2.1", At: day(2025, 3, 1, 23, 30)})
	e.record(a, audit.Entry{ActorID: "usr_bob", ActorName: "Bob Brown", ActingFor: "usr_resident", Action: "case.update", ResourceType: "case", ResourceID: "cas_1", Addr: "192.0.2.2", Detail: "assisted digital", At: day(2025, 3, 2, 9, 0)})
	// 23:30 UTC on 30 June is 00:30 on 1 July in UK summer time.
	e.record(a, audit.Entry{ActorID: "usr_bob", ActorName: "Bob Brown", Action: "user.create", ResourceType: "user", ResourceID: "usr_new", Addr: "192.0.2.2", At: day(2025, 6, 30, 23, 30)})
	e.record(a, audit.Entry{ActorID: "usr_carol", ActorName: "Carol Clark", Action: "case.delete", ResourceType: "case", ResourceID: "cas_3", Outcome: audit.Denied, Detail: "role does not permit delete", At: day(2025, 7, 2, 12, 0)})
	e.record(b, audit.Entry{ActorID: "usr_alice", ActorName: "Alice in B", Action: "case.update", ResourceType: "case", ResourceID: "cas_1", Detail: "org B secret", At: day(2025, 3, 1, 11, 0)})
	e.record(b, audit.Entry{ActorID: "usr_zed", ActorName: "Zed", Action: "invoice.create", ResourceType: "invoice", ResourceID: "inv_1", Detail: "org B secret", At: day(2025, 3, 2, 11, 0)})
}
