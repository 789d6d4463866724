package web

import (
	"context"
	"embed"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/platform"
)

//go:embed testdata/templates
var testTemplates embed.FS

// fakeAuth accepts session "good-session", token "good-token" and token
// "metrics-token" (which has the metrics scope).
type fakeAuth struct{}

func (fakeAuth) SessionSubject(_ context.Context, v, addr string) (*platform.Subject, error) {
	switch v {
	case "good-session":
		return &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_1", Name: "Ada Lovelace", Roles: []platform.Role{platform.RoleCaseworker}, SessionID: "ses_1"}, nil
	case "db-down":
		return nil, platform.Internal(errors.New("database unreachable"))
	}
	return nil, platform.Errorf(platform.CodeUnauthorized, "no such session")
}

func (fakeAuth) TokenSubject(_ context.Context, tok, addr string) (*platform.Subject, error) {
	switch {
	case tok == "good-token":
		return &platform.Subject{Kind: platform.SubjectToken, TokenID: "tok_1", UserID: "usr_1", Scopes: []string{"cases:write"}}, nil
	case tok == "metrics-token":
		return &platform.Subject{Kind: platform.SubjectToken, TokenID: "tok_2", UserID: "usr_2", Scopes: []string{"read", ScopeMetrics}}, nil
	}
	return nil, platform.Errorf(platform.CodeUnauthorized, "no such token")
}

// logBuffer collects log output so tests can prove what is and is not logged.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testServer struct {
	t       *testing.T
	srv     *Server
	base    string
	logs    *logBuffer
	ready   atomic.Bool
	release chan struct{} // closes to let GET /slow finish
	started chan struct{} // receives when GET /slow has begun
	cancel  context.CancelFunc
	done    chan error
}

type demoPage struct {
	*Form
	Units []Option
	Rows  []SummaryRow
	Table Table
	Pages Pagination
}

func demoData(f *Form) demoPage {
	opts := []Option{{Value: "adults", Text: "Adults"}, {Value: "children", Text: "Children's", Hint: "Including schools"}}
	return demoPage{Form: f, Units: opts,
		Rows:  []SummaryRow{{Key: "Name", Value: "Ada", Href: "/demo", ActionText: "Change"}},
		Table: Table{Caption: "Cases", Head: []Cell{{Text: "Reference"}, {Text: "Days", Numeric: true}}, Rows: [][]Cell{{{Text: "C-1", Href: "/cases/1"}, {Text: "3", Numeric: true}}}},
		Pages: Pagination{Next: "/demo?cursor=abc"},
	}
}

// startServer runs a real server on 127.0.0.1:0 with demo routes.
func startServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	if cfg.CouncilName == "" {
		cfg.CouncilName = "Testshire Council"
	}
	ts := &testServer{t: t, logs: &logBuffer{}, release: make(chan struct{}), started: make(chan struct{}, 1), done: make(chan error, 1)}
	ts.ready.Store(true)
	logger := slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := NewServer(cfg, logger, WithAuthenticator(fakeAuth{}), WithReady(func(context.Context) error {
		if !ts.ready.Load() {
			return errors.New("database not reachable")
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ts.srv = s
	if err := s.Renderer().Add(testTemplates, "testdata/templates/demo/*.html"); err != nil {
		t.Fatal(err)
	}
	s.Renderer().AddNav(NavItem{Label: "Demo", Href: "/demo", Public: true}, NavItem{Label: "Admin", Href: "/admin", Roles: []platform.Role{platform.RoleAdmin}})
	rt := s.Router()
	rt.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) error {
		return Render(w, r, http.StatusOK, "demo/form", demoData(nil))
	})
	rt.HandleFunc("POST /demo", func(w http.ResponseWriter, r *http.Request) error {
		if strings.TrimSpace(r.PostFormValue("name")) == "" {
			err := platform.Invalid("Check the form", platform.FieldError{Field: "name", Message: "Enter your full name"})
			return Render(w, r, StatusOf(err), "demo/form", demoData(FormErrors(r, err)))
		}
		SetFlash(w, r, "Saved "+r.PostFormValue("name"))
		http.Redirect(w, r, "/demo", http.StatusSeeOther)
		return nil
	})
	// /confirm asks, with a lead, a table and a field carried back, what
	// confirmTest shows; the answer yes says what it was given.
	rt.HandleFunc("/confirm", func(w http.ResponseWriter, r *http.Request) error {
		if Confirmed(r) {
			return WriteJSON(w, http.StatusOK, map[string]string{"done": r.PostFormValue("from")})
		}
		return RenderConfirm(w, r, confirmDemo(r.URL.Query().Get("plain") != ""))
	})
	rt.HandleFunc("POST /note", func(w http.ResponseWriter, r *http.Request) error {
		SetNotice(w, r, "Enter your reference number to see your request")
		http.Redirect(w, r, "/demo", http.StatusSeeOther)
		return nil
	})
	rt.HandleFunc("POST /sign-out", func(w http.ResponseWriter, r *http.Request) error {
		ClearSessionCookie(w, r)
		SetFlash(w, r, "You have signed out")
		http.Redirect(w, r, "/demo", http.StatusSeeOther)
		return nil
	})
	rt.Handle("GET /private", RequireSignedInFunc(func(w http.ResponseWriter, r *http.Request) error {
		return WriteJSON(w, http.StatusOK, map[string]string{"name": SubjectOf(r).Name})
	}))
	rt.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) error {
		s := SubjectOf(r)
		return WriteJSON(w, http.StatusOK, map[string]string{"kind": string(s.Kind), "name": s.Name, "addr": s.Addr})
	})
	rt.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) error { panic("secret panic detail 42") })
	rt.HandleFunc("GET /api/v1/panic", func(w http.ResponseWriter, r *http.Request) error { panic("secret panic detail 42") })
	rt.HandleFunc("GET /fail/{code}", func(w http.ResponseWriter, r *http.Request) error {
		err := &platform.Error{Code: platform.Code(r.PathValue("code")), Message: "failure " + r.PathValue("code"), Err: errors.New("hidden cause")}
		if err.Code == platform.CodeInvalid {
			err.Fields = []platform.FieldError{{Field: "title", Message: "Enter a title"}}
		}
		if err.Code == platform.CodeRateLimited {
			return WithRetryAfter(err, 1500*time.Millisecond)
		}
		return err
	})
	s.API().HandleFunc("POST /api/v1/echo", Op{Summary: "Echo", Request: SchemaOf(echo{}), Responses: map[int]Response{200: {Description: "The same", Schema: SchemaOf(echo{})}}},
		func(w http.ResponseWriter, r *http.Request) error {
			if !SubjectOf(r).Authenticated() {
				return platform.Errorf(platform.CodeUnauthorized, "sign in")
			}
			var e echo
			if err := DecodeJSON(r, &e); err != nil {
				return err
			}
			return WriteJSON(w, http.StatusOK, e)
		})
	rt.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) error {
		ts.started <- struct{}{}
		<-ts.release
		w.Write([]byte("finished"))
		return nil
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel = cancel
	go func() { ts.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ts.done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop")
		}
	})
	return ts
}

type echo struct {
	Title string `json:"title"`
	Count int    `json:"count,omitempty"`
}

// client is a browser-like client with a cookie jar that does not follow
// redirects, so tests can see them.
func (ts *testServer) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (ts *testServer) do(c *http.Client, method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.base+path, body)
	if err != nil {
		ts.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// postForm posts a urlencoded form the way a same-origin browser does.
func (ts *testServer) postForm(c *http.Client, path string, form url.Values) (*http.Response, string) {
	return ts.do(c, "POST", path, strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", "Origin": ts.base,
	})
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfToken loads the demo page and returns the form's token.
func (ts *testServer) csrfToken(c *http.Client) string {
	ts.t.Helper()
	_, body := ts.do(c, "GET", "/demo", nil, nil)
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		ts.t.Fatalf("no CSRF token in page:\n%s", body)
	}
	return m[1]
}
