package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/web"
)

// running is a dbtp server started in-process, as `dbtp demo` starts it,
// on 127.0.0.1 with a free port.
type running struct {
	url    string
	app    *app
	logins []demoLogin
	out    *syncBuffer
}

// startDemo runs the demo verb's code path on a fresh (or given) data folder.
// extra flags are appended to the command line.
func startDemo(t *testing.T, dir string, extra ...string) *running {
	t.Helper()
	return startDemoEnv(t, dir, func(string) string { return "" }, extra...)
}

// startDemoEnv is startDemo with environment variables (DBTP_OIDC_*, say).
func startDemoEnv(t *testing.T, dir string, getenv func(string) string, extra ...string) *running {
	t.Helper()
	return startDemoConfig(t, dir, getenv, nil, extra...)
}

// startDemoConfig is startDemoEnv with a last word on the configuration
// (the modules' clock, say).
func startDemoConfig(t *testing.T, dir string, getenv func(string) string, adjust func(*serveConfig), extra ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var c serveConfig
	f := newFlags(&cliEnv{getenv: getenv}, "demo", "")
	f.serveFlags(&c)
	if _, err := f.parse(append([]string{"--data", dir, "--addr", "127.0.0.1:0", "--log-level", "error"}, extra...), 0); err != nil {
		t.Fatal(err)
	}
	c.demoMail = true // as cmdDemo does
	if adjust != nil {
		adjust(&c)
	}
	r := &running{out: &syncBuffer{}}
	logs := &syncBuffer{}
	env := &cliEnv{stdout: r.out, stderr: logs, getenv: getenv}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	ready := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, env, c, func(a *app, url string) error {
			logins, err := seedDemo(ctx, a, dir)
			r.url, r.app, r.logins = url, a, logins
			printDemo(env, url, logins)
			ready <- err
			return err
		})
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case err := <-done:
		t.Fatalf("server stopped before it was ready: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return r
}

// syncBuffer is a bytes.Buffer the server may write to while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func (r *running) login(t *testing.T, role string) demoLogin {
	t.Helper()
	for _, l := range r.logins {
		if l.Org == "kent" && l.Role == role {
			return l
		}
	}
	t.Fatalf("no demo %s", role)
	return demoLogin{}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// token makes an API token for the Kent demo user with role.
func (r *running) token(t *testing.T, role string, scopes ...string) string {
	t.Helper()
	ctx := context.Background()
	sub, _, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	u, err := findUser(ctx, r.app, sub, r.login(t, role).Email)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := r.app.identity.CreateTokenFor(ctx, sub, u.ID, identity.NewToken{Name: "test " + strings.Join(scopes, "+"), Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return ct.Secret
}

func getWithToken(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With --metrics-addr the metrics have a listener of their own, which
// Prometheus scrapes without a token, and the main address drops /metrics.
func TestMetricsAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // free for serve to take; nothing else on loopback asks for this port
	r := startDemo(t, t.TempDir(), "--metrics-addr", addr)
	if code, body := get(t, "http://"+addr+"/metrics"); code != http.StatusOK || !strings.Contains(body, "dbtp_store_writes_total") {
		t.Errorf("metrics listener: %d %.200s", code, body)
	}
	if code, _ := getWithToken(t, r.url+"/metrics", r.token(t, "admin", "metrics")); code != http.StatusNotFound {
		t.Errorf("main address still serves /metrics: %d", code)
	}
	if code, _ := get(t, "http://"+addr+"/healthz"); code != http.StatusNotFound {
		t.Errorf("metrics listener serves more than /metrics: %d", code)
	}
}

func TestDemoSeedsOnceAndReusesData(t *testing.T) {
	dir := t.TempDir()
	var first []demoLogin
	var once sync.Once
	func() {
		r := startDemo(t, dir)
		once.Do(func() { first = r.logins })
		if len(first) < 9 {
			t.Fatalf("demo made %d sign-ins", len(first))
		}
		if !strings.Contains(r.out.String(), r.url+"/sign-in") || !strings.Contains(r.out.String(), first[0].Password) {
			t.Fatalf("demo output lacks the URL or passwords: %s", r.out.String())
		}
		seen := map[string]bool{}
		for _, l := range first {
			if seen[l.Password] || len(l.Password) < 20 {
				t.Fatalf("passwords must be generated and distinct: %+v", l)
			}
			seen[l.Password] = true
		}
	}()
	// A second run on the same folder reuses the organisations and shows
	// the same accounts; it does not fail on "already exists".
	r := startDemo(t, dir)
	if len(r.logins) != len(first) || r.logins[0].Password != first[0].Password {
		t.Fatalf("second run changed the accounts")
	}
}

func TestOperationalEndpointsAndOpenAPI(t *testing.T) {
	r := startDemo(t, t.TempDir())
	for path, want := range map[string]string{"/healthz": "", "/readyz": ""} {
		code, body := get(t, r.url+path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q", path, code, body[:min(len(body), 200)])
		}
	}
	// /metrics on the main address needs a token with the metrics scope.
	if code, body := get(t, r.url+"/metrics"); code != http.StatusUnauthorized || strings.Contains(body, "dbtp_store_writes_total") {
		t.Errorf("anonymous /metrics: %d %.200s", code, body)
	}
	if code, body := getWithToken(t, r.url+"/metrics", r.token(t, "admin", "read")); code != http.StatusForbidden || strings.Contains(body, "dbtp_store_writes_total") {
		t.Errorf("/metrics with a read token: %d %.200s", code, body)
	}
	if code, body := getWithToken(t, r.url+"/metrics", r.token(t, "admin", "metrics")); code != http.StatusOK || !strings.Contains(body, "dbtp_store_writes_total") {
		t.Errorf("/metrics with a metrics token: %d %.200s", code, body)
	}
	// The refusal of the read token went through the scope gate, which
	// audits it like any other.
	sub, _, err := r.app.orgSubject(context.Background(), "kent")
	if err != nil {
		t.Fatal(err)
	}
	page, err := r.app.audit.List(context.Background(), audit.Filter{OrgID: sub.OrgID, Action: "api.scope", ResourceID: "GET /metrics"})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].Outcome != audit.Denied {
		t.Errorf("metrics refusal audited: %v %+v", err, page.Entries)
	}
	code, body := get(t, r.url+"/api/v1/openapi.json")
	if code != http.StatusOK || !strings.Contains(body, `"openapi": "3.1`) && !strings.Contains(body, `"openapi":"3.1`) {
		t.Fatalf("openapi: %d %.200s", code, body)
	}
	// Every /api/v1 route of the whole wired platform is documented, and
	// every documented path is routed.
	srv, err := buildServer(r.app, web.Config{Addr: "127.0.0.1:0", BaseURL: r.url, CouncilName: "Kent County Council"}, quietLog(&cliEnv{stderr: io.Discard}))
	if err != nil {
		t.Fatal(err)
	}
	undocumented, unrouted := web.CheckAPIDocumented(srv.Router(), srv.API().Document())
	if len(undocumented) > 0 || len(unrouted) > 0 {
		t.Fatalf("undocumented routes %v; documented but not routed %v", undocumented, unrouted)
	}
	if n := len(srv.Router().Patterns()); n < 20 {
		t.Fatalf("only %d routes registered: is a module missing?", n)
	}
}

// totp computes the current RFC 6238 code for a base32 secret, as an
// authenticator app would.
func totp(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.ReplaceAll(secret, " ", "")))
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	h := m.Sum(nil)
	o := h[len(h)-1] & 0xf
	v := binary.BigEndian.Uint32(h[o:]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000)
}

// The demo's services carry the council's own facts, at the stages the
// papers describe.
func TestDemoServicesComeFromTheSeeds(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	org, err := r.app.identity.OrgBySlug(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	sys := platform.System(org.ID)
	page, err := r.app.services().Search(ctx, sys, services.CaseFilter{}, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	states := map[string]map[string]int{}
	for _, c := range page.Cases {
		count[c.ServiceID]++
		if states[c.ServiceID] == nil {
			states[c.ServiceID] = map[string]int{}
		}
		states[c.ServiceID][c.State]++
	}
	want := map[string]int{"technology-roadmap": 12, "key-decisions": 1, "risk-register": 3, "complaints": 3, "equipment-collection": 2}
	for svc, n := range want {
		if count[svc] != n {
			t.Errorf("%s: %d cases, want %d", svc, count[svc], n)
		}
	}
	// Recorded after committee and signed by the Cabinet Member as the demo
	// is seeded; the seal and publication follow on the jobs queue.
	if states["key-decisions"]["awaiting_signature"]+states["key-decisions"]["published"] != 1 {
		t.Errorf("21/00097 should be signed by the Cabinet Member after committee: %v", states["key-decisions"])
	}
	if states["complaints"]["resolved"] != 1 || states["complaints"]["stage1"] != 1 || states["complaints"]["submitted"] != 1 {
		t.Errorf("complaints at the wrong stages: %v", states["complaints"])
	}
	if states["technology-roadmap"]["complete"] == 0 || states["technology-roadmap"]["in_progress"] == 0 {
		t.Errorf("roadmap states: %v", states["technology-roadmap"])
	}
	dec, err := r.app.services().Search(ctx, sys, services.CaseFilter{Service: "key-decisions"}, "", 10)
	if err != nil || len(dec.Cases) != 1 {
		t.Fatalf("decision search: %v", err)
	}
	full, err := r.app.services().GetCase(ctx, sys, dec.Cases[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if full.Answers["decision_reference"] != "21/00097" || full.Answers["committee_meeting_date"] != "2020-11-06" {
		t.Errorf("decision answers: %v", full.Answers)
	}

	// Once the council has sealed the Cabinet Member's signed Record of
	// Decision, the decision is published.
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, err := r.app.services().GetCase(ctx, sys, full.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == "published" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("21/00097 not published: %s", c.State)
		}
		time.Sleep(100 * time.Millisecond) // waiting for the seal's job, not timing it
	}

	// The forward plan is public: signed out, 21/00097 is there with its
	// public details and status, and nothing else of the proposal.
	code, body := get(t, r.url+"/registers/key-decisions")
	for _, want := range []string{"Forward plan and decisions", "21/00097", "The Kent County Council Technology Strategy 2020-2023",
		"Published", "Policy and Resources Cabinet Committee"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("forward plan (%d) lacks %q", code, want)
		}
	}
	for _, private := range []string{"Rebecca Spore", "seeks endorsement", "Members asked about"} {
		if strings.Contains(body, private) {
			t.Fatalf("the forward plan shows %q, which is not public", private)
		}
	}
	if code, body := get(t, r.url+"/services"); code != http.StatusOK || !strings.Contains(body, `href="/registers/key-decisions"`) {
		t.Fatalf("the services page (%d) does not link the forward plan", code)
	}
	if code, _ := get(t, r.url+"/registers/complaints"); code != http.StatusNotFound {
		t.Fatalf("complaints have no public register, got %d", code)
	}
	// The decision notice shows what Democratic Services recorded.
	code, body = get(t, r.url+"/registers/key-decisions/"+full.Reference)
	for _, want := range []string{"Published", "Approved", "11 January 2021", "interim basis"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("decision notice (%d) lacks %q", code, want)
		}
	}
}
