package recordsweb

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/blob"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, records.Migrations}

const password = "correct horse battery staple"

// testUploadMB is the upload limit tests run with: small, so the limit is
// easy to pass; the upload benchmark raises it.
var testUploadMB = "1"

// env is a council with the records module mounted on a real server over
// a real database, audit log, access point, identity and blob store, as
// cmd/dbtp builds it.
type env struct {
	t    testing.TB
	ctx  context.Context
	db   *store.DB
	id   *identity.Service
	m    *Module
	jobs *jobs.Queue
	// blobDir is where the file store keeps its files, for tests that
	// damage one.
	blobDir string
	srv     *webtest.Server
	org     platform.Org
	sys     *platform.Subject
	units   map[string]string
	users   map[string]identity.User
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newEnv(t testing.TB, db *store.DB, opts ...func(*Module)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, units: map[string]string{}, users: map[string]identity.User{}}
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	e.id = identity.New(db, log, ap, identity.Options{})
	var err error
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	noErr(t, err)
	e.sys = platform.System(e.org.ID)
	for _, n := range []string{"Adults", "Finance"} {
		u, err := e.id.CreateUnit(e.ctx, e.sys, n)
		noErr(t, err)
		e.units[n] = u.ID
	}
	for _, u := range []struct {
		name  string
		role  platform.Role
		units []string
	}{{"Ann Adams", platform.RoleCaseworker, []string{e.units["Adults"]}}, {"Fred Finch", platform.RoleCaseworker, []string{e.units["Finance"]}},
		{"Rosa Reid", platform.RoleRecords, nil}, {"Rita Resident", platform.RoleResident, nil}, {"Alex Admin", platform.RoleAdmin, nil}} {
		email := strings.ToLower(strings.Fields(u.name)[0]) + "@example.org"
		usr, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: email, Name: u.name, Roles: []platform.Role{u.role}, BusinessUnits: u.units, Password: password})
		noErr(t, err)
		e.users[strings.Fields(u.name)[0]] = usr
	}
	e.jobs = jobs.New(db, jobs.Options{})
	e.blobDir = t.TempDir()
	disk, err := blob.NewDisk(e.blobDir)
	noErr(t, err)
	key, err := blob.GenerateMasterKey()
	noErr(t, err)
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: e.id.Directory(), Blob: blob.New(disk, key), Clock: platform.SystemClock{}, Jobs: e.jobs,
		Log: slog.New(slog.NewTextHandler(testLog{t}, nil)), Config: module.Config{Getenv: func(k string) string {
			if k == "DBTP_RECORDS_MAX_UPLOAD_MB" {
				return testUploadMB
			}
			return ""
		}}}
	e.m = &Module{}
	for _, o := range opts {
		o(e.m)
	}
	noErr(t, e.m.Init(e.ctx, d))
	ws, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		web.WithAuthenticator(e.id))
	noErr(t, err)
	noErr(t, e.m.Web(ws))
	noErr(t, e.m.Start(e.ctx))
	e.srv = webtest.Start(t, ws)
	return e
}

// runJobs runs the background work that is due, as the worker would.
func (e *env) runJobs() {
	e.t.Helper()
	for {
		n, err := e.jobs.RunDue(e.ctx)
		noErr(e.t, err)
		if n == 0 {
			return
		}
	}
}

func (e *env) browser(name string) *webtest.Browser {
	e.t.Helper()
	res, err := e.id.SignIn(e.ctx, "northshire", e.users[name].Email, password, "127.0.0.1")
	noErr(e.t, err)
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("%s: sign-in state %s", name, res.State)
	}
	b := e.srv.Browser()
	b.SignIn(res.Token)
	return b
}

func (e *env) subject(name string) *platform.Subject {
	u := e.users[name]
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: e.org.ID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func (e *env) token(name string, scopes ...string) string {
	e.t.Helper()
	tok, err := e.id.CreateToken(e.ctx, e.subject(name), identity.NewToken{Name: "test", Scopes: scopes})
	noErr(e.t, err)
	return tok.Secret
}

// classID finds a class of the default plan by code.
func (e *env) classID(code string) string {
	e.t.Helper()
	cs, err := e.m.Store().Classes(e.ctx, e.sys)
	noErr(e.t, err)
	for _, c := range cs {
		if c.Code == code {
			return c.ID
		}
	}
	e.t.Fatalf("no class %s", code)
	return ""
}

// upload posts a multipart form with one file, as a browser would
// (with the CSRF token) or, given a token, as an API client.
func upload(t testing.TB, fields url.Values, name string, content []byte) (io.Reader, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			noErr(t, mw.WriteField(k, v))
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		noErr(t, err)
		fw.Write(content)
	}
	noErr(t, mw.Close())
	return &body, mw.FormDataContentType()
}

func (e *env) postFile(b *webtest.Browser, path string, fields url.Values, name string, content []byte) *webtest.Response {
	e.t.Helper()
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set(web.CSRFField, b.CSRFToken())
	body, ct := upload(e.t, fields, name, content)
	return b.Do("POST", path, body, http.Header{"Content-Type": {ct}})
}

func (e *env) apiFile(token, method, path string, fields url.Values, name string, content []byte) *webtest.Response {
	e.t.Helper()
	body, ct := upload(e.t, fields, name, content)
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	noErr(e.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ct)
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

var docLink = regexp.MustCompile(`/records/(rec_[0-9a-z]{26})`)
