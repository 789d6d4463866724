package workplaceweb

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/identity"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
	"dbtp/internal/workplace"
)

var placesMods = []store.Migrations{audit.Migrations, identity.Migrations, workplace.Migrations}

const placesPassword = "correct horse battery staple"

// placesEnv is a council with the workplace module mounted on a real
// server over a real database, audit log, access point, identity service
// and file store, as cmd/dbtp builds it; another organisation beside it.
type placesEnv struct {
	t     testing.TB
	ctx   context.Context
	id    *identity.Service
	m     *Module
	srv   *webtest.Server
	org   platform.Org
	units map[string]string
	users map[string]identity.User
}

type placesLog struct{ t testing.TB }

func (l placesLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newPlacesEnv(t testing.TB, db *store.DB) *placesEnv {
	t.Helper()
	e := &placesEnv{t: t, ctx: context.Background(), units: map[string]string{}, users: map[string]identity.User{}}
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	e.id = identity.New(db, log, ap, identity.Options{})
	var err error
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	pnoErr(t, err)
	other, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "trading", Name: "Northshire Trading", Kind: platform.OrgTradingCompany})
	pnoErr(t, err)
	sys := platform.System(e.org.ID)
	for _, n := range []string{"Adults", "Finance", "Property"} {
		u, err := e.id.CreateUnit(e.ctx, sys, n)
		pnoErr(t, err)
		e.units[n] = u.ID
	}
	for _, u := range []struct {
		first string
		org   platform.Org
		role  platform.Role
		unit  string
	}{{"Kim", e.org, platform.RoleWorkplace, "Property"}, {"Sid", e.org, platform.RoleStaff, "Finance"}, {"Alex", e.org, platform.RoleAdmin, ""},
		{"Rita", e.org, platform.RoleResident, ""}, {"Otto", other, platform.RoleWorkplace, ""}} {
		var units []string
		if u.unit != "" {
			units = []string{e.units[u.unit]}
		}
		usr, err := e.id.CreateUser(e.ctx, platform.System(u.org.ID), identity.NewUser{Email: strings.ToLower(u.first) + "@example.org", Name: u.first + " Test",
			Roles: []platform.Role{u.role}, BusinessUnits: units, Password: placesPassword})
		pnoErr(t, err)
		e.users[u.first] = usr
	}
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: e.id.Directory(), Blob: blobtest.Disk(t), Clock: platform.SystemClock{},
		Log: slog.New(slog.NewTextHandler(placesLog{t}, nil)), Config: module.Config{Getenv: func(string) string { return "" }}}
	e.m = &Module{Holiday: func(d time.Time) (string, bool) {
		if d.Month() == time.December && d.Day() == 25 {
			return "Christmas Day", true
		}
		return "", false
	}}
	pnoErr(t, e.m.Init(e.ctx, d))
	srv, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(placesLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		web.WithAuthenticator(e.id))
	pnoErr(t, err)
	pnoErr(t, e.m.Web(srv))
	pnoErr(t, e.m.Start(e.ctx))
	e.srv = webtest.Start(t, srv)
	return e
}

func (e *placesEnv) browser(first string) *webtest.Browser {
	e.t.Helper()
	u := e.users[first]
	slug := "northshire"
	if u.OrgID != e.org.ID {
		slug = "trading"
	}
	res, err := e.id.SignIn(e.ctx, slug, u.Email, placesPassword, "127.0.0.1")
	pnoErr(e.t, err)
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("%s: sign-in state %s", first, res.State)
	}
	b := e.srv.Browser()
	b.SignIn(res.Token)
	return b
}

func (e *placesEnv) subject(first string) *platform.Subject {
	u := e.users[first]
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func (e *placesEnv) token(first string, scopes ...string) string {
	e.t.Helper()
	tok, err := e.id.CreateToken(e.ctx, e.subject(first), identity.NewToken{Name: "test", Scopes: scopes})
	pnoErr(e.t, err)
	return tok.Secret
}

// postPlan posts a floor form with a plan file, as a browser does.
func postPlan(t testing.TB, b *webtest.Browser, path string, fields url.Values, name string, content []byte) *webtest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields.Set(web.CSRFField, b.CSRFToken())
	for k, vs := range fields {
		for _, v := range vs {
			pnoErr(t, mw.WriteField(k, v))
		}
	}
	fw, err := mw.CreateFormFile("plan", name)
	pnoErr(t, err)
	fw.Write(content)
	pnoErr(t, mw.Close())
	return b.Do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// apiRaw sends a raw body with a bearer token.
func (e *placesEnv) apiRaw(token, method, path, ctype string, body []byte) *webtest.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	pnoErr(e.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ctype)
	res, err := http.DefaultClient.Do(req)
	pnoErr(e.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &webtest.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func testPNG(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	pnoErr(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))))
	return b.Bytes()
}

func pnoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func pwant(t testing.TB, r *webtest.Response, status int, contains ...string) {
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
