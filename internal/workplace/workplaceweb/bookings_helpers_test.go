package workplaceweb

import (
	"context"
	"html"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/blob"
	"dbtp/internal/events"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
	"dbtp/internal/workplace"
)

var bookMods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, events.Migrations, workplace.Migrations}

const password = "correct horse battery staple"

// monday is the module's clock at the start of each test: Monday 2 March
// 2026, 08:30 in London (GMT).
var monday = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

// bookEnv is a council with the workplace module on a real server, over
// a real database, audit log, access point, identity, jobs and events.
type bookEnv struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	id    *identity.Service
	m     *Module
	jobs  *jobs.Queue
	clock *platformtest.Clock
	web   *web.Server
	srv   *webtest.Server
	org   platform.Org
	units map[string]string
	users map[string]identity.User

	building workplace.Building
	floor    workplace.Floor
	desk1    workplace.Resource // in the Finance neighbourhood
	desk2    workplace.Resource
	room     workplace.Resource
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newBookEnv(t testing.TB, db *store.DB) *bookEnv {
	t.Helper()
	e := &bookEnv{t: t, ctx: context.Background(), db: db, units: map[string]string{}, users: map[string]identity.User{},
		clock: platformtest.NewClock(monday)}
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	e.id = identity.New(db, log, ap, identity.Options{})
	var err error
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "kent", Name: "Kent County Council", Kind: platform.OrgCouncil})
	noErr(t, err)
	sys := platform.System(e.org.ID)
	for _, n := range []string{"Adults", "Finance", "Property"} {
		u, err := e.id.CreateUnit(e.ctx, sys, n)
		noErr(t, err)
		e.units[n] = u.ID
	}
	for _, u := range []struct {
		name, unit string
		role       platform.Role
	}{{"Jo Baker", "Finance", platform.RoleStaff}, {"Priya Shah", "Finance", platform.RoleManager}, {"Ann Adams", "Adults", platform.RoleCaseworker},
		{"Kim Adeyemi", "Property", platform.RoleWorkplace}, {"Rita Resident", "", platform.RoleResident}} {
		var units []string
		if u.unit != "" {
			units = []string{e.units[u.unit]}
		}
		first := strings.Fields(u.name)[0]
		usr, err := e.id.CreateUser(e.ctx, sys, identity.NewUser{Email: strings.ToLower(first) + "@kent.example", Name: u.name,
			Roles: []platform.Role{u.role}, BusinessUnits: units, Password: password})
		noErr(t, err)
		e.users[first] = usr
	}
	e.jobs = jobs.New(db, jobs.Options{Clock: e.clock})
	bus, err := events.New(db, e.jobs, ap, log, events.Options{Clock: e.clock})
	noErr(t, err)
	disk, err := blob.NewDisk(t.TempDir())
	noErr(t, err)
	key, err := blob.GenerateMasterKey()
	noErr(t, err)
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: e.id.Directory(), Blob: blob.New(disk, key), Clock: e.clock, Jobs: e.jobs, Events: bus,
		Log: slog.New(slog.NewTextHandler(testLog{t}, nil)), Config: module.Config{Getenv: func(string) string { return "" }}}
	e.m = &Module{}
	noErr(t, e.m.Init(e.ctx, d))
	e.web, err = web.NewServer(web.Config{CouncilName: "Kent County Council"}, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		web.WithAuthenticator(e.id))
	noErr(t, err)
	noErr(t, e.m.Web(e.web))
	noErr(t, e.m.Start(e.ctx))
	e.srv = webtest.Start(t, e.web)

	ws, kim := e.m.Store(), e.subject("Kim")
	e.building, err = ws.CreateBuilding(e.ctx, kim, workplace.BuildingInput{Name: "Sessions House", UPRN: "200003655411", Address: "County Road, Maidstone ME14 1XQ"})
	noErr(t, err)
	e.floor, err = ws.CreateFloor(e.ctx, kim, workplace.FloorInput{BuildingID: e.building.ID, Name: "Second floor", Level: 2})
	noErr(t, err)
	zone, err := ws.CreateZone(e.ctx, kim, workplace.ZoneInput{FloorID: e.floor.ID, Name: "Finance neighbourhood", UnitID: e.units["Finance"]})
	noErr(t, err)
	e.desk1, err = ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindDesk, Name: "Desk 2.14", FloorID: e.floor.ID, ZoneID: zone.ID, X: 200, Y: 300,
		Features: []string{workplace.FeatureDocking}})
	noErr(t, err)
	e.desk2, err = ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindDesk, Name: "Desk 2.15", FloorID: e.floor.ID, X: 260, Y: 300})
	noErr(t, err)
	e.room, err = ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindRoom, Name: "Medway Room", FloorID: e.floor.ID, X: 700, Y: 500, Capacity: 8,
		Features: []string{workplace.FeatureVideo}})
	noErr(t, err)
	return e
}

func (e *bookEnv) subject(first string) *platform.Subject {
	u := e.users[first]
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: e.org.ID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func (e *bookEnv) browser(first string) *webtest.Browser {
	e.t.Helper()
	res, err := e.id.SignIn(e.ctx, "kent", e.users[first].Email, password, "127.0.0.1")
	noErr(e.t, err)
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("%s: sign-in state %s", first, res.State)
	}
	b := e.srv.Browser()
	b.SignIn(res.Token)
	return b
}

func (e *bookEnv) token(first string, scopes ...string) string {
	e.t.Helper()
	tok, err := e.id.CreateToken(e.ctx, e.subject(first), identity.NewToken{Name: "test", Scopes: scopes})
	noErr(e.t, err)
	return tok.Secret
}

// runJobs runs the background work that is due, as the worker would.
func (e *bookEnv) runJobs() {
	e.t.Helper()
	for {
		n, err := e.jobs.RunDue(e.ctx)
		noErr(e.t, err)
		if n == 0 {
			return
		}
	}
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
	body := html.UnescapeString(r.Body)
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Fatalf("body lacks %q:\n%s", s, r.Body)
		}
	}
}

var bookingLink = regexp.MustCompile(`/bookings/(bkg_[0-9a-z]{26})`)

// bookingID is the booking a redirect leads to.
func bookingID(t testing.TB, r *webtest.Response) string {
	t.Helper()
	m := bookingLink.FindStringSubmatch(r.Header.Get("Location"))
	if r.Status != 303 || m == nil {
		t.Fatalf("want a redirect to a booking, got %d %s:\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	return m[1]
}

// href finds the first link whose words (tags left out) or accessible
// name mention text.
func href(t testing.TB, r *webtest.Response, text string) string {
	t.Helper()
	for _, m := range anchor.FindAllStringSubmatch(r.Body, -1) {
		words := html.UnescapeString(tag.ReplaceAllString(m[0], ""))
		if strings.Contains(words, text) || strings.Contains(html.UnescapeString(m[0]), `aria-label="`+text) {
			return html.UnescapeString(m[1])
		}
	}
	t.Fatalf("no link mentioning %q in:\n%s", text, r.Body)
	return ""
}

var (
	anchor = regexp.MustCompile(`(?s)<a [^>]*href="([^"]+)"[^>]*>.*?</a>`)
	tag    = regexp.MustCompile(`<[^>]*>`)
)
