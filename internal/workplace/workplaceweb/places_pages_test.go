package workplaceweb

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

var (
	buildingLink = regexp.MustCompile(`/buildings/(bld_[0-9a-z]+)`)
	floorLink    = regexp.MustCompile(`/floors/(flr_[0-9a-z]+)`)
)

func mustDay(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	pnoErr(t, err)
	return d.Add(12 * time.Hour)
}

func location(t testing.TB, r interface{ Get(string) string }, re *regexp.Regexp) string {
	t.Helper()
	m := re.FindStringSubmatch(r.Get("Location"))
	if m == nil {
		t.Fatalf("redirected to %q", r.Get("Location"))
	}
	return m[1]
}

// TestPlacesPages: the workplace manager sets up a building, a floor with
// its plan, a team neighbourhood, desks and a room, places a desk on the
// plan, sets rules and closes a day, all through forms that work without
// JavaScript and show their problems with what was typed kept. Staff see
// the estate but cannot change it; another organisation sees nothing.
func TestPlacesPages(t *testing.T) {
	storetest.Each(t, placesMods, func(t *testing.T, db *store.DB) {
		e := newPlacesEnv(t, db)
		kim, sid := e.browser("Kim"), e.browser("Sid")
		pwant(t, sid.Get("/workplace"), 200, "No buildings have been set up yet", `href="/resources?kind=desk"`)
		if strings.Contains(sid.Get("/workplace").Body, "Add a building") {
			t.Fatal("staff are offered keeping links")
		}
		pwant(t, kim.Get("/workplace"), 200, "Add a building")

		// A building: problems first, then saved.
		pwant(t, kim.PostForm("/buildings/new", url.Values{"name": {""}, "uprn": {"12ab"}, "address": {"County Road"}}), 422,
			"There is a problem", "Enter the building&#39;s name", "Enter the UPRN as up to 12 digits", "County Road")
		r := kim.PostForm("/buildings/new", url.Values{"name": {"Sessions House"}, "uprn": {"200003655411"}, "address": {"County Road, Maidstone ME14 1XQ"}})
		pwant(t, r, 303)
		bid := location(t, r.Header, buildingLink)
		pwant(t, kim.Get("/buildings/"+bid), 200, "Sessions House saved", "200003655411", "Add a floor")
		pwant(t, kim.PostForm("/buildings/"+bid+"/edit", url.Values{"name": {""}, "uprn": {"200003655411"}}), 422, "Enter the building&#39;s name", `value="200003655411"`)
		pwant(t, kim.PostForm("/buildings/"+bid+"/edit", url.Values{"name": {"Sessions House"}, "uprn": {"200003655411"}, "address": {"County Road, Maidstone"}}), 303)

		// A floor: a JPEG plan is refused and no floor is left behind.
		jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
		r = postPlan(t, kim, "/floors/new", url.Values{"building_id": {bid}, "name": {"First floor"}, "level": {"1"}}, "plan.jpg", jpeg)
		pwant(t, r, 422, "The floor plan must be an SVG or PNG picture", `value="First floor"`)
		if strings.Contains(kim.Get("/buildings/"+bid).Body, "First floor") {
			t.Fatal("a refused plan left its floor behind")
		}
		r = postPlan(t, kim, "/floors/new", url.Values{"building_id": {bid}, "name": {"First floor"}, "level": {"first"}}, "plan.png", testPNG(t, 400, 300))
		pwant(t, r, 422, "Enter the level as a whole number")
		r = postPlan(t, kim, "/floors/new", url.Values{"building_id": {bid}, "name": {"First floor"}, "level": {"1"}}, "plan.png", testPNG(t, 400, 300))
		pwant(t, r, 303)
		fid := location(t, r.Header, floorLink)
		f, err := e.m.Store().Floor(e.ctx, e.subject("Sid"), fid)
		pnoErr(t, err)
		if f.PlanType != workplace.PlanPNG || f.PlanWidth != 400 {
			t.Fatalf("floor plan %+v", f)
		}

		// A zone for Finance, then desks and a room.
		pwant(t, kim.PostForm("/zones/new", url.Values{"floor_id": {fid}, "name": {"Finance neighbourhood"}, "unit_id": {"unit_nope"}}), 422, "Choose one of the business units")
		pwant(t, kim.PostForm("/zones/new", url.Values{"floor_id": {fid}, "name": {"Finance neighbourhood"}, "unit_id": {e.units["Finance"]}}), 303)
		zs, _ := e.m.Store().Zones(e.ctx, e.subject("Sid"), fid)
		if len(zs) != 1 {
			t.Fatalf("zones %+v", zs)
		}
		pwant(t, kim.Get("/resources/new?kind=desk&floor="+fid), 200, "Docking station", "Finance neighbourhood (Sessions House, First floor)")
		r = kim.PostForm("/resources/new", url.Values{"kind": {"desk"}, "name": {""}, "floor_id": {fid}, "capacity": {"two"}, "x": {"10"},
			"features": {"docking", "monitors"}, "asset_tag": {"DSK-1"}})
		pwant(t, r, 422, "Enter a name", "Enter how many people it seats as a whole number", `value="DSK-1"`, `value="docking" checked`)
		pwant(t, kim.PostForm("/resources/new", url.Values{"kind": {"desk"}, "name": {"Desk 1.01"}, "floor_id": {fid}, "zone_id": {zs[0].ID},
			"features": {"docking", "monitors"}, "x": {"250"}, "y": {"400"}}), 303)
		pwant(t, kim.PostForm("/resources/new", url.Values{"kind": {"room"}, "name": {"Medway Room"}, "floor_id": {fid}, "capacity": {"8"}, "features": {"video"}}), 303)
		rs, _ := e.m.Store().Resources(e.ctx, e.subject("Sid"), workplace.ResourceFilter{FloorID: fid})
		if len(rs) != 2 {
			t.Fatalf("resources %+v", rs)
		}
		room := rs[1]

		// Place the room: a bad position is refused, a good one shows on
		// the plan as a numbered marker with the table beside it.
		pwant(t, kim.Get("/resources/"+room.ID+"/place"), 200, `id="plan-img"`, `<script nonce=`)
		pwant(t, kim.PostForm("/resources/"+room.ID+"/place", url.Values{"x": {"1200"}, "y": {"5"}}), 422, "from 0 to 1000", `value="1200"`)
		pwant(t, kim.PostForm("/resources/"+room.ID+"/place", url.Values{"x": {"700"}, "y": {"300"}}), 303)
		page := sid.Get("/floors/" + fid)
		pwant(t, page, 200, `<img class="dbtp-plan__img" src="/floors/`+fid+`/plan"`, `aria-label="1: Desk 1.01"`, `aria-label="2: Medway Room"`,
			".dbtp-plan__m1{left:25.0%;top:40.0%}", ".dbtp-plan__m2{left:70.0%;top:30.0%}", "Finance neighbourhood", "Docking station, Monitors", "Video conferencing",
			"team neighbourhood of Finance")
		if strings.Contains(page.Body, "/resources/"+room.ID+"/edit") || strings.Contains(page.Body, "<svg xmlns") {
			t.Fatal("staff are offered keeping links, or the plan is inlined")
		}
		pwant(t, kim.Get("/floors/"+fid), 200, "/resources/"+room.ID+"/edit", "Withdraw the floor")

		// Change and withdraw the room; it stays, and comes back.
		pwant(t, kim.Get("/resources/"+room.ID+"/edit"), 200, `value="Medway Room"`, "Meeting room")
		pwant(t, kim.PostForm("/resources/"+room.ID+"/edit", url.Values{"name": {"Medway Room"}, "floor_id": {fid}, "capacity": {"10"}, "features": {"video", "accessible"}}), 303)
		pwant(t, kim.PostForm("/resources/"+room.ID+"/withdraw", url.Values{"confirm": {"yes"}}), 303)
		pwant(t, kim.Get("/floors/"+fid), 200, "Withdrawn from this floor", "Bring back")
		pwant(t, kim.PostForm("/resources/"+room.ID+"/reinstate", nil), 303)
		if got, _ := e.m.Store().Resource(e.ctx, e.subject("Sid"), room.ID); !got.Active || got.Capacity != 10 || got.Placed() {
			t.Fatalf("room after changes %+v", got) // the edit form left the position empty: off the plan
		}

		// Rules and closed days.
		pwant(t, sid.Get("/resources/rules"), 200, "Booking rules", "Whole days", "Slots of 30 minutes")
		pwant(t, sid.Get("/resources/rules?kind=room"), 403)
		pwant(t, kim.Get("/resources/rules?kind=room"), 200, `value="08:00"`)
		pwant(t, kim.PostForm("/resources/rules", url.Values{"kind": {"room"}, "granularity": {"slot"}, "slot_minutes": {"30"}, "max_days_ahead": {"60"},
			"max_active": {"5"}, "opens": {"8am"}, "closes": {"18:00"}, "grace_minutes": {"15"}, "flags": {"approval"}}), 422, "Enter the opening time like 08:00", `value="8am"`)
		pwant(t, kim.PostForm("/resources/rules", url.Values{"kind": {"room"}, "granularity": {"slot"}, "slot_minutes": {"30"}, "max_days_ahead": {"60"},
			"max_active": {"5"}, "opens": {"08:30"}, "closes": {"17:30"}, "grace_minutes": {"15"}, "flags": {"approval"}}), 303)
		pwant(t, sid.Get("/resources/rules"), 200, "08:30 to 17:30", "A manager of the booker&#39;s team approves each booking")
		pwant(t, kim.PostForm("/closures", url.Values{"day": {"2099-02-30"}, "reason": {""}}), 422, "Enter the day as a real date", "Enter the reason")
		pwant(t, kim.PostForm("/closures", url.Values{"day": {"2099-01-05"}, "reason": {"Fire alarm testing"}, "building_id": {bid}}), 303)
		pwant(t, sid.Get("/closures"), 200, "Christmas Day", "(bank holiday)")
		cs, err := e.m.Store().Closures(e.ctx, e.subject("Sid"), mustDay(t, "2099-01-01"), mustDay(t, "2099-01-31"))
		pnoErr(t, err)
		if len(cs) != 1 || cs[0].BuildingID != bid {
			t.Fatalf("closures %+v", cs)
		}
		pwant(t, sid.PostForm("/closures/"+cs[0].ID+"/delete", nil), 403)
		pwant(t, kim.PostForm("/closures/"+cs[0].ID+"/delete", nil), 303)

		// Staff cannot keep; residents and another organisation see nothing.
		pwant(t, sid.Get("/buildings/new"), 403)
		pwant(t, sid.PostForm("/buildings/"+bid+"/edit", url.Values{"name": {"Mine"}}), 403)
		pwant(t, sid.PostForm("/resources/"+room.ID+"/withdraw", url.Values{"confirm": {"yes"}}), 403)
		pwant(t, e.browser("Rita").Get("/workplace"), 403)
		otto := e.browser("Otto")
		pwant(t, otto.Get("/floors/"+fid), 404)
		pwant(t, otto.Get("/floors/"+fid+"/plan"), 404)
		pwant(t, otto.PostForm("/resources/"+room.ID+"/withdraw", url.Values{"confirm": {"yes"}}), 404)
		if strings.Contains(otto.Get("/workplace").Body, "Sessions House") {
			t.Fatal("another organisation sees the building")
		}

		// Withdrawing the floor and then the building.
		pwant(t, kim.PostForm("/floors/"+fid+"/withdraw", url.Values{"confirm": {"yes"}}), 303)
		pwant(t, sid.Get("/floors/"+fid), 200, "This floor is withdrawn")
		pwant(t, kim.PostForm("/buildings/"+bid+"/withdraw", url.Values{"confirm": {"yes"}}), 303)
		pwant(t, kim.Get("/workplace"), 200, "Withdrawn buildings")
	})
}

// TestPlanHeaders: a floor plan is served as the picture it is, with a
// sandboxing policy and no sniffing, even an SVG that carries a script;
// pages show it only through <img>.
func TestPlanHeaders(t *testing.T) {
	storetest.Each(t, placesMods, func(t *testing.T, db *store.DB) {
		e := newPlacesEnv(t, db)
		kim := e.browser("Kim")
		r := kim.PostForm("/buildings/new", url.Values{"name": {"Sessions House"}})
		bid := location(t, r.Header, buildingLink)
		evil := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><script>fetch("/api/v1/buildings")</script><rect width="100" height="50"/></svg>`)
		r = postPlan(t, kim, "/floors/new", url.Values{"building_id": {bid}, "name": {"Ground floor"}, "level": {"0"}}, "plan.png", evil)
		pwant(t, r, 303)
		fid := location(t, r.Header, floorLink)
		plan := e.browser("Sid").Get("/floors/" + fid + "/plan")
		pwant(t, plan, 200, "<script>")
		for h, want := range map[string]string{
			"Content-Type":            "image/svg+xml",
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
			"X-Content-Type-Options":  "nosniff",
		} {
			if got := plan.Header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		page := e.browser("Sid").Get("/floors/" + fid)
		pwant(t, page, 200, `src="/floors/`+fid+`/plan"`)
		if strings.Contains(page.Body, "fetch(") {
			t.Fatal("the plan's content is inlined in the page")
		}
		// The API serves it the same way.
		api := e.srv.API(e.token("Sid", platform.ScopeRead), "GET", "/api/v1/floors/"+fid+"/plan", "")
		if api.Status != 200 || api.Header.Get("Content-Security-Policy") != workplace.PlanCSP || api.Header.Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("API plan: %d %v", api.Status, api.Header)
		}
	})
}
