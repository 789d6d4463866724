package workplaceweb

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

func decode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	pnoErr(t, json.Unmarshal([]byte(body), &v))
	return v
}

// TestPlacesAPI: the estate through the API, with the token's scope and
// the person's role both applying, a page at a time, filtered, and
// documented in the OpenAPI document.
func TestPlacesAPI(t *testing.T) {
	storetest.Each(t, placesMods, func(t *testing.T, db *store.DB) {
		e := newPlacesEnv(t, db)
		kim := e.token("Kim", platform.ScopeRead, platform.ScopeWrite)
		sid := e.token("Sid", platform.ScopeRead, platform.ScopeWrite)
		ro := e.token("Kim", platform.ScopeRead)
		otto := e.token("Otto", platform.ScopeRead, platform.ScopeWrite)
		api := e.srv.API

		r := api(kim, "POST", "/api/v1/buildings", `{"name":"Sessions House","uprn":"200003655411","address":"County Road, Maidstone ME14 1XQ"}`)
		pwant(t, r, 201, `"uprn":"200003655411"`)
		b := decode[workplace.Building](t, r.Body)
		if r.Header.Get("Location") != "/api/v1/buildings/"+b.ID {
			t.Fatalf("Location %q", r.Header.Get("Location"))
		}
		pwant(t, api(kim, "POST", "/api/v1/buildings", `{"name":"","uprn":"x"}`), 422, "uprn")
		pwant(t, api(kim, "POST", "/api/v1/buildings", `{"name":"A","colour":"red"}`), 422, "colour")
		pwant(t, api(sid, "POST", "/api/v1/buildings", `{"name":"Mine"}`), 403)
		pwant(t, api(ro, "POST", "/api/v1/buildings", `{"name":"Annexe"}`), 403)
		pwant(t, api(kim, "PUT", "/api/v1/buildings/"+b.ID, `{"name":"Sessions House","address":"Maidstone"}`), 200, `"address":"Maidstone"`)
		pwant(t, api(otto, "GET", "/api/v1/buildings/"+b.ID, ""), 404)

		r = api(kim, "POST", "/api/v1/floors", fmt.Sprintf(`{"building_id":%q,"name":"First floor","level":1}`, b.ID))
		pwant(t, r, 201)
		f := decode[workplace.Floor](t, r.Body)
		pwant(t, api(sid, "GET", "/api/v1/floors?building="+b.ID, ""), 200, f.ID)
		pwant(t, e.apiRaw(kim, "PUT", "/api/v1/floors/"+f.ID+"/plan", "image/jpeg", []byte("\xff\xd8\xff\xe0 not a plan")), 422, "SVG or PNG")
		pwant(t, e.apiRaw(kim, "PUT", "/api/v1/floors/"+f.ID+"/plan", "application/octet-stream", testPNG(t, 200, 100)), 200,
			`"plan_type":"image/png"`, `"plan_width":200`, `"plan_height":100`)
		pwant(t, e.apiRaw(sid, "PUT", "/api/v1/floors/"+f.ID+"/plan", "image/png", testPNG(t, 200, 100)), 403)
		big := append([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><!--`), make([]byte, workplace.MaxPlanBytes)...)
		pwant(t, e.apiRaw(kim, "PUT", "/api/v1/floors/"+f.ID+"/plan", "image/svg+xml", big), 413)

		r = api(kim, "POST", "/api/v1/zones", fmt.Sprintf(`{"floor_id":%q,"name":"Adults neighbourhood","business_unit_id":%q}`, f.ID, e.units["Adults"]))
		pwant(t, r, 201)
		z := decode[workplace.Zone](t, r.Body)
		pwant(t, api(kim, "POST", "/api/v1/zones", fmt.Sprintf(`{"floor_id":%q,"name":"Nowhere","business_unit_id":"unit_nope"}`, f.ID)), 422, "business_unit_id")
		pwant(t, api(kim, "PUT", "/api/v1/zones/"+z.ID, `{"name":"Adults and Finance"}`), 200, `"name":"Adults and Finance"`)

		// Five desks, one with monitors, and a room; listed two at a time.
		for i := 1; i <= 5; i++ {
			features := `["docking"]`
			if i == 3 {
				features = `["docking","monitors"]`
			}
			pwant(t, api(kim, "POST", "/api/v1/resources", fmt.Sprintf(`{"kind":"desk","name":"Desk 1.0%d","floor_id":%q,"zone_id":%q,"x":%d,"y":100,"features":%s}`,
				i, f.ID, z.ID, i*100, features)), 201)
		}
		r = api(kim, "POST", "/api/v1/resources", fmt.Sprintf(`{"kind":"room","name":"Medway Room","floor_id":%q,"capacity":12,"features":["video"]}`, f.ID))
		pwant(t, r, 201, `"x":-1`, `"capacity":12`)
		room := decode[workplace.Resource](t, r.Body)
		pwant(t, api(kim, "POST", "/api/v1/resources", fmt.Sprintf(`{"kind":"desk","name":"Desk 1.01","floor_id":%q}`, f.ID)), 422, "name")
		pwant(t, api(kim, "POST", "/api/v1/resources", `{"kind":"equipment","name":"Laptop 1","category":"laptop","asset_tag":"KCC-LT-0001"}`), 201)
		pwant(t, api(kim, "POST", "/api/v1/resources", `{"kind":"equipment","name":"Laptop 2","category":"laptop","asset_tag":"KCC-LT-0001"}`), 422, "asset_tag")

		var names []string
		next := ""
		for range 10 {
			r = api(sid, "GET", "/api/v1/resources?kind=desk&limit=2&cursor="+next, "")
			pwant(t, r, 200)
			page := decode[web.List[workplace.Resource]](t, r.Body)
			for _, res := range page.Items {
				names = append(names, res.Name)
			}
			if next = page.NextCursor; next == "" {
				break
			}
		}
		if strings.Join(names, ",") != "Desk 1.01,Desk 1.02,Desk 1.03,Desk 1.04,Desk 1.05" {
			t.Fatalf("paged desks: %v", names)
		}
		r = api(sid, "GET", "/api/v1/resources?feature=monitors&floor="+f.ID, "")
		if page := decode[web.List[workplace.Resource]](t, r.Body); len(page.Items) != 1 || page.Items[0].Name != "Desk 1.03" {
			t.Fatalf("desks with monitors: %s", r.Body)
		}
		pwant(t, api(sid, "GET", "/api/v1/resources?feature=sofa", ""), 400, "feature")
		pwant(t, api(sid, "GET", "/api/v1/resources?cursor=nonsense", ""), 400, "cursor")
		pwant(t, api(otto, "GET", "/api/v1/resources", ""), 200, `"items":[]`)

		pwant(t, api(kim, "PUT", "/api/v1/resources/"+room.ID, fmt.Sprintf(`{"name":"Medway Room","floor_id":%q,"capacity":14,"x":500,"y":600,"features":["video","accessible"]}`, f.ID)),
			200, `"capacity":14`, `"x":500`, `"features":["accessible","video"]`)
		pwant(t, api(sid, "POST", "/api/v1/resources/"+room.ID+"/withdraw", ""), 403)
		pwant(t, api(otto, "POST", "/api/v1/resources/"+room.ID+"/withdraw", ""), 404)
		pwant(t, api(kim, "POST", "/api/v1/resources/"+room.ID+"/withdraw", ""), 204)
		pwant(t, api(sid, "GET", "/api/v1/resources/"+room.ID, ""), 200, `"active":false`)
		pwant(t, api(kim, "PUT", "/api/v1/resources/"+room.ID, `{"name":"Medway Room"}`), 409, "reinstate")
		if strings.Contains(api(sid, "GET", "/api/v1/resources?kind=room", "").Body, room.ID) {
			t.Fatal("a withdrawn room is listed")
		}
		pwant(t, api(sid, "GET", "/api/v1/resources?kind=room&withdrawn=yes", ""), 200, room.ID)
		pwant(t, api(kim, "POST", "/api/v1/resources/"+room.ID+"/reinstate", ""), 204)

		// Rules and closures.
		pwant(t, api(sid, "GET", "/api/v1/booking-rules", ""), 200, `"kind":"desk"`, `"granularity":"slot"`)
		pwant(t, api(kim, "PUT", "/api/v1/booking-rules/room", `{"max_days_ahead":30,"max_active":4,"granularity":"slot","slot_minutes":30,"opens_minute":480,"closes_minute":1080,"needs_approval":true,"allow_recurring":true,"grace_minutes":15}`),
			200, `"needs_approval":true`, `"kind":"room"`)
		pwant(t, api(kim, "PUT", "/api/v1/booking-rules/room", `{"max_days_ahead":30,"max_active":4,"granularity":"slot","slot_minutes":7,"opens_minute":480,"closes_minute":1080,"grace_minutes":15}`), 422, "slot_minutes")
		pwant(t, api(kim, "PUT", "/api/v1/booking-rules/sofa", `{}`), 404)
		pwant(t, api(sid, "PUT", "/api/v1/booking-rules/desk", `{"max_days_ahead":30,"max_active":4,"granularity":"day","opens_minute":480,"closes_minute":1080}`), 403)
		r = api(kim, "POST", "/api/v1/closures", fmt.Sprintf(`{"day":"2099-06-01","kind":"room","building_id":%q,"reason":"Rewiring"}`, b.ID))
		pwant(t, r, 201, `"reason":"Rewiring"`)
		c := decode[workplace.Closure](t, r.Body)
		pwant(t, api(sid, "GET", "/api/v1/closures?from=2099-05-01&to=2099-12-31", ""), 200, c.ID, `"reason":"Christmas Day"`, `"bank_holiday":true`)
		pwant(t, api(sid, "GET", "/api/v1/closures?from=2099-05-01&to=2105-01-01", ""), 400, "two years")
		pwant(t, api(sid, "GET", "/api/v1/closures?from=tomorrow", ""), 400, "from")
		pwant(t, api(kim, "POST", "/api/v1/closures", `{"day":"2099-13-01","reason":"x"}`), 422, "day")
		pwant(t, api(otto, "DELETE", "/api/v1/closures/"+c.ID, ""), 404)
		pwant(t, api(kim, "DELETE", "/api/v1/closures/"+c.ID, ""), 204)

		// Withdrawing the floor, then the building.
		pwant(t, api(kim, "POST", "/api/v1/floors/"+f.ID+"/withdraw", ""), 204)
		pwant(t, api(sid, "GET", "/api/v1/resources", ""), 200, `"items":[{"id"`) // the laptop, on no floor
		pwant(t, api(kim, "POST", "/api/v1/buildings/"+b.ID+"/withdraw", ""), 204)
		pwant(t, api(sid, "GET", "/api/v1/buildings?withdrawn=yes", ""), 200, b.ID)

		// Every route is in the OpenAPI document.
		doc := api("", "GET", "/api/v1/openapi.json", "")
		pwant(t, doc, 200, "listResources", "putFloorPlan", "listClosures", "putBookingRules", "/api/v1/resources/{id}/withdraw")
	})
}

// TestPlacesAPIDocumented: no workplace route is left out of the OpenAPI
// document.
func TestPlacesAPIDocumented(t *testing.T) {
	storetest.Each(t, placesMods, func(t *testing.T, db *store.DB) {
		e := newPlacesEnv(t, db)
		undocumented, unrouted := web.CheckAPIDocumented(e.srv.Srv.Router(), e.srv.Srv.API().Document())
		if len(undocumented) > 0 || len(unrouted) > 0 {
			t.Fatalf("undocumented %v, unrouted %v", undocumented, unrouted)
		}
	})
}
