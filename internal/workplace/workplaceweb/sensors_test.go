package workplaceweb

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
	"dbtp/internal/workplace"
)

const sensorsPassword = "correct horse battery staple"

// sensorsEnv is the workplace module on a real server and database, with
// the MQTT broker off, a building with a desk, and a workplace manager.
type sensorsEnv struct {
	t    *testing.T
	ctx  context.Context
	id   *identity.Service
	m    *Module
	srv  *webtest.Server
	org  platform.Org
	kim  identity.User
	jo   identity.User
	desk workplace.Resource
}

func newSensorsEnv(t *testing.T, db *store.DB) *sensorsEnv {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e := &sensorsEnv{t: t, ctx: ctx}
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	e.id = identity.New(db, log, ap, identity.Options{})
	var err error
	e.org, err = e.id.CreateOrg(ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	must(t, err)
	sys := platform.System(e.org.ID)
	e.kim, err = e.id.CreateUser(ctx, sys, identity.NewUser{Email: "kim@example.org", Name: "Kim", Roles: []platform.Role{platform.RoleWorkplace}, Password: sensorsPassword})
	must(t, err)
	e.jo, err = e.id.CreateUser(ctx, sys, identity.NewUser{Email: "jo@example.org", Name: "Jo", Roles: []platform.Role{platform.RoleStaff}, Password: sensorsPassword})
	must(t, err)
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: e.id.Directory(), Clock: platform.SystemClock{}, Log: slog.New(slog.DiscardHandler),
		Config: module.Config{Getenv: func(k string) string {
			if k == "DBTP_WORKPLACE_MQTT_ADDR" {
				return "off"
			}
			return ""
		}}}
	e.m = &Module{}
	must(t, e.m.Init(ctx, d))
	ws, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.DiscardHandler), web.WithAuthenticator(e.id))
	must(t, err)
	must(t, e.m.Web(ws))
	must(t, e.m.Start(ctx))
	e.srv = webtest.Start(t, ws)
	kim := e.subject(e.kim)
	b, err := e.m.ws.CreateBuilding(ctx, kim, workplace.BuildingInput{Name: "Sessions House"})
	must(t, err)
	f, err := e.m.ws.CreateFloor(ctx, kim, workplace.FloorInput{BuildingID: b.ID, Name: "Ground floor"})
	must(t, err)
	e.desk, err = e.m.ws.CreateResource(ctx, kim, workplace.ResourceInput{Kind: workplace.KindDesk, Name: "Desk G.01", FloorID: f.ID, X: -1, Y: -1})
	must(t, err)
	return e
}

func (e *sensorsEnv) subject(u identity.User) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: e.org.ID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func (e *sensorsEnv) browser(u identity.User) *webtest.Browser {
	e.t.Helper()
	res, err := e.id.SignIn(e.ctx, "northshire", u.Email, sensorsPassword, "127.0.0.1")
	must(e.t, err)
	b := e.srv.Browser()
	b.SignIn(res.Token)
	return b
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var codeRE = regexp.MustCompile(`<code id="sensor-(id|secret)">([^<]+)</code>`)

func TestSensorPagesAndHTTPIngestion(t *testing.T) {
	storetest.Each(t, []store.Migrations{audit.Migrations, identity.Migrations, workplace.Migrations}, func(t *testing.T, db *store.DB) {
		e := newSensorsEnv(t, db)
		kim := e.browser(e.kim)
		// Register a sensor on the page: the secret is shown once.
		r := kim.PostForm("/sensors", url.Values{"name": {"Desk G.01 sensor"}, "kind": {"occupancy"}, "target": {"resource:" + e.desk.ID}})
		if r.Status != http.StatusCreated {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		m := codeRE.FindAllStringSubmatch(r.Body, -1)
		if len(m) != 2 {
			t.Fatalf("no sensor ID and secret on the page")
		}
		id, secret := m[0][2], m[1][2]
		if page := kim.Get("/sensors"); page.Status != 200 || strings.Contains(page.Body, secret) || !strings.Contains(page.Body, "Desk G.01 sensor") {
			t.Fatalf("the sensors page: %d, shows the secret again: %v", page.Status, strings.Contains(page.Body, secret))
		}
		// How to send readings over HTTP is said on the page, not left to a
		// file in the code's repository.
		if page := kim.Get("/sensors"); !strings.Contains(page.Body, "POST /api/v1/sensors/&lt;sensor ID&gt;/readings") || strings.Contains(page.Body, "docs/workplace.md") {
			t.Fatalf("the sensors page does not say how to send readings over HTTP:\n%s", page.Body)
		}
		// Moving a sensor is a page of its own with one list of places,
		// not a list in every row; the place it is on is chosen.
		if page := kim.Get("/sensors"); !strings.Contains(page.Body, `href="/sensors/`+id+`/map"`) || strings.Contains(page.Body, `id="target-`) {
			t.Fatalf("the sensors table still has a list of places in its rows")
		}
		move := kim.Get("/sensors/" + id + "/map")
		if move.Status != 200 || !strings.Contains(move.Body, "Move Desk G.01 sensor") || !strings.Contains(move.Body, "is on Desk G.01") ||
			!strings.Contains(move.Body, `<option value="resource:`+e.desk.ID+`" selected>`) {
			t.Fatalf("move page: %d\n%s", move.Status, move.Body)
		}
		if r := kim.PostForm("/sensors/"+id+"/map", url.Values{"target": {""}}); r.Status != http.StatusSeeOther {
			t.Fatalf("unmap: %d %s", r.Status, r.Body)
		}
		if move := kim.Get("/sensors/" + id + "/map"); !strings.Contains(move.Body, "not mapped to a desk, room or zone") || !strings.Contains(move.Body, `<option value="" selected>`) {
			t.Fatalf("after unmapping:\n%s", move.Body)
		}
		if r := kim.PostForm("/sensors/"+id+"/map", url.Values{"target": {"resource:" + e.desk.ID}}); r.Status != http.StatusSeeOther {
			t.Fatalf("map back: %d %s", r.Status, r.Body)
		}
		if r := e.browser(e.jo).Get("/sensors/" + id + "/map"); r.Status != http.StatusForbidden {
			t.Fatalf("staff on the move page: %d", r.Status)
		}
		// Bad input on the form names the field.
		if r := kim.PostForm("/sensors", url.Values{"name": {""}, "kind": {"smoke"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose occupancy or environment") {
			t.Fatalf("bad sensor: %d", r.Status)
		}
		// Staff who do not keep the estate cannot see the registry.
		if r := e.browser(e.jo).Get("/sensors"); r.Status != http.StatusForbidden {
			t.Fatalf("staff on /sensors: %d", r.Status)
		}

		// The sensor sends readings over HTTP with its secret as bearer.
		at := time.Now().UTC().Format(time.RFC3339)
		body := `[{"id":"h1","at":"` + at + `","occupied":true},{"id":"h1","at":"` + at + `","occupied":true},{"id":"h2","occupied":"yes"}]`
		r = e.srv.API(secret, "POST", "/api/v1/sensors/"+id+"/readings", body)
		if r.Status != http.StatusAccepted {
			t.Fatalf("ingest: %d %s", r.Status, r.Body)
		}
		var res workplace.Result
		must(t, json.Unmarshal([]byte(r.Body), &res))
		if res.Accepted != 1 || res.Duplicate != 1 || res.Rejected != 1 || !strings.Contains(res.Reasons[2], "occupied") {
			t.Fatalf("ingest result %+v", res)
		}
		for _, bad := range []struct{ tok, id string }{{"wrong", id}, {secret, "sns_nobody"}} {
			if r := e.srv.API(bad.tok, "POST", "/api/v1/sensors/"+bad.id+"/readings", `{"occupied":true}`); r.Status != http.StatusUnauthorized {
				t.Fatalf("bad credential: %d", r.Status)
			}
		}
		if r := e.srv.API(secret, "POST", "/api/v1/sensors/"+id+"/readings", `{"occupied": tr`); r.Status != http.StatusAccepted || !strings.Contains(r.Body, "malformed JSON") {
			t.Fatalf("malformed: %d %s", r.Status, r.Body)
		}
		// The dead letters and the reading show on the page.
		page := kim.Get("/sensors")
		for _, want := range []string{"bad value: occupied", "malformed JSON", "wrong credential"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the sensors page lacks the dead letter %q", want)
			}
		}
		// Revoked: its secret no longer works.
		if r := kim.PostForm("/sensors/"+id+"/revoke", url.Values{"confirm": {"yes"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.Status)
		}
		if r := e.srv.API(secret, "POST", "/api/v1/sensors/"+id+"/readings", `{"occupied":true}`); r.Status != http.StatusUnauthorized {
			t.Fatalf("revoked sensor: %d", r.Status)
		}

		// Utilisation: the page, its CSV and its API agree; staff are refused.
		r = kim.Get("/utilisation")
		if r.Status != 200 || !strings.Contains(r.Body, "Desks booked and used each working day") || !strings.Contains(r.Body, "<svg") {
			t.Fatalf("utilisation page: %d", r.Status)
		}
		// Each chart's table is named for screen readers; the heading
		// just above names it for everyone, so the caption is not shown twice.
		if !strings.Contains(r.Body, `<caption class="govuk-visually-hidden">Desks booked and used each working day</caption>`) ||
			strings.Contains(r.Body, "govuk-table__caption") {
			t.Fatalf("utilisation tables' captions:\n%s", r.Body)
		}
		if r := kim.Get("/utilisation.csv"); r.Status != 200 || !strings.HasPrefix(r.Body, "row,day_or_area,name,desks") || !strings.Contains(r.Body, "building,") {
			t.Fatalf("utilisation CSV: %d %s", r.Status, r.Body)
		}
		// The CSV link keeps the page's filters, its "=" and "&" not
		// escaped into one meaningless value.
		if r := kim.Get("/utilisation?from=2026-03-02&to=2026-03-06&floor="); !strings.Contains(r.Body, `href="/utilisation.csv?from=2026-03-02&amp;to=2026-03-06"`) {
			t.Fatalf("utilisation CSV link lacks the filters:\n%s", r.Body)
		}
		if r := kim.Get("/utilisation?from=nonsense"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "YYYY-MM-DD") {
			t.Fatalf("bad date: %d", r.Status)
		}
		if r := e.browser(e.jo).Get("/utilisation"); r.Status != http.StatusForbidden {
			t.Fatalf("staff on /utilisation: %d", r.Status)
		}
		tok, err := e.id.CreateToken(e.ctx, e.subject(e.kim), identity.NewToken{Name: "t", Scopes: []string{platform.ScopeRead}})
		must(t, err)
		r = e.srv.API(tok.Secret, "GET", "/api/v1/utilisation", "")
		var u UtilisationJSON
		if r.Status != 200 || json.Unmarshal([]byte(r.Body), &u) != nil || u.Desks != 1 || u.SensedDesks != 1 || len(u.Days) == 0 {
			t.Fatalf("utilisation API: %d %s", r.Status, r.Body)
		}
		if r := e.srv.API(tok.Secret, "GET", "/api/v1/sensors", ""); r.Status != 200 || !strings.Contains(r.Body, `"revoked":true`) || strings.Contains(r.Body, secret) {
			t.Fatalf("sensors API: %d %s", r.Status, r.Body)
		}
		// Every API route is documented.
		if und, _ := web.CheckAPIDocumented(e.srv.Srv.Router(), e.srv.Srv.API().Document()); len(und) > 0 {
			t.Fatalf("undocumented: %v", und)
		}
	})
}

// The demo fits sensors to about half the desks and every room and gives
// them last week's readings, which the utilisation then shows.
func TestSensorsDemo(t *testing.T) {
	db := storetest.Open(t, store.SQLite, []store.Migrations{audit.Migrations, identity.Migrations, workplace.Migrations})
	e := newSensorsEnv(t, db)
	kim := e.subject(e.kim)
	for _, n := range []string{"Desk G.02", "Desk G.03", "Desk G.04"} {
		_, err := e.m.ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindDesk, Name: n, FloorID: e.desk.FloorID, X: -1, Y: -1})
		must(t, err)
	}
	_, err := e.m.ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindRoom, Name: "Medway Room", FloorID: e.desk.FloorID, X: -1, Y: -1, Capacity: 8})
	must(t, err)
	// Last week's bookings first, as the bookings demo makes them: the
	// sensors' readings follow them.
	desks, err := e.m.ws.Resources(e.ctx, kim, workplace.ResourceFilter{Kind: workplace.KindDesk})
	must(t, err)
	must(t, e.m.bookings.demoLastWeek(e.ctx, e.m, e.org, desks, e.m.d.Clock.Now()))
	must(t, e.m.sensors.demo(e.ctx, e.m, nil, e.org))
	ss, err := e.m.ws.Sensors(e.ctx, kim)
	must(t, err)
	if len(ss) != 3 {
		t.Fatalf("%d demo sensors, want 3 (two of four desks, one room)", len(ss))
	}
	now := time.Now()
	u, err := e.m.ws.Utilisation(e.ctx, kim, workplace.UtilisationFilter{From: now.AddDate(0, 0, -14), To: now.AddDate(0, 0, 1)})
	must(t, err)
	if u.SensedDesks != 2 || u.Occupied == 0 || u.PeakOccupied > 4 || u.Booked == 0 || u.Occupied > u.Booked+2 {
		t.Fatalf("demo utilisation: sensed %d, booked %d, used %d, peak %d", u.SensedDesks, u.Booked, u.Occupied, u.PeakOccupied)
	}
}
