package workplaceweb

import (
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A workplace manager sets approval on one room from its page, and on one
// desk through the API, whatever their kinds' rules say; the booking form
// says so and bookings of them wait for a manager.
func TestApprovalPerResourcePagesAndAPI(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		kim, jo := e.browser("Kim"), e.browser("Jo")
		edit := "/resources/" + e.room.ID + "/edit"
		want(t, kim.Get(edit), 200, "Approval (desks and rooms)", `name="approval" type="radio" value="" checked`)
		room := url.Values{"name": {"Medway Room"}, "floor_id": {e.floor.ID}, "capacity": {"8"}, "features": {"video"}, "x": {"700"}, "y": {"500"}}
		bad := url.Values{"approval": {"maybe"}}
		for k, v := range room {
			bad[k] = v
		}
		want(t, kim.PostForm(edit, bad), 422, "Choose whether its bookings need approval")
		room.Set("approval", "yes")
		want(t, kim.PostForm(edit, room), 303)
		want(t, kim.Get(edit), 200, `value="yes" checked`)
		want(t, jo.Get("/bookings/new?resource_id="+e.room.ID+"&date=2026-03-03"), 200, "A manager of your team approves each booking of Medway Room")
		id := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"10:00"}, "to": {"11:00"}}))
		want(t, jo.Get("/bookings/"+id), 200, "Waiting for approval")
		// Desks do not need approval; Desk 2.14 (no override) still does not.
		want(t, jo.Get("/bookings/new?resource_id="+e.desk1.ID+"&date=2026-03-03"), 200)
		if s := jo.Get("/bookings/new?resource_id=" + e.desk1.ID + "&date=2026-03-03").Body; strings.Contains(s, "approves each booking") {
			t.Fatal("Desk 2.14 says it needs approval")
		}

		// Through the API, on Desk 2.15.
		kt, jt := e.token("Kim", platform.ScopeRead, platform.ScopeWrite), e.token("Jo", platform.ScopeRead, platform.ScopeWrite)
		if r := e.srv.API(kt, "GET", "/api/v1/resources/"+e.desk2.ID, ""); r.Status != 200 || strings.Contains(r.Body, "needs_approval") {
			t.Fatalf("a desk under its kind's rules: %d %s", r.Status, r.Body)
		}
		want(t, e.srv.API(kt, "PUT", "/api/v1/resources/"+e.desk2.ID, `{"name":"Desk 2.15","floor_id":"`+e.floor.ID+`","x":260,"y":300,"needs_approval":true}`),
			200, `"needs_approval":true`)
		want(t, e.srv.API(jt, "POST", "/api/v1/bookings", `{"resource_id":"`+e.desk2.ID+`","date":"2026-03-04"}`), 201, `"status":"requested"`)
		if r := e.srv.API(kt, "PUT", "/api/v1/resources/"+e.desk2.ID, `{"name":"Desk 2.15","floor_id":"`+e.floor.ID+`","x":260,"y":300}`); r.Status != 200 ||
			strings.Contains(r.Body, "needs_approval") {
			t.Fatalf("cleared: %d %s", r.Status, r.Body)
		}
		want(t, e.srv.API(kt, "GET", "/api/v1/openapi.json", ""), 200, `"needs_approval"`)
	})
}
