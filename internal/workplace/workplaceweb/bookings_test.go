package workplaceweb

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

func TestBookFromTheListAndTheFloor(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		jo, ann := e.browser("Jo"), e.browser("Ann")

		// From the list: find desks for Tuesday, follow Book, book.
		list := jo.Get("/resources?kind=desk&date=2026-03-03&go=1")
		want(t, list, 200, "Desks on Tuesday 3 March 2026", "Desk 2.14", "Desk 2.15", "docking station")
		form := jo.Get(href(t, list, "Book Desk 2.15"))
		want(t, form, 200, "Book Desk 2.15", `value="2026-03-03"`)
		id := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-03"}}))
		want(t, jo.Get("/bookings/"+id), 200, "Desk 2.15 booked for Tuesday 3 March 2026, 08:00 to 18:00", "Booked", "QR code for checking in at Desk 2.15")
		// Looking for a desk that day again says she has one already, and
		// where to change it, before she picks another only to be refused.
		list = jo.Get("/resources?kind=desk&date=2026-03-03&go=1")
		want(t, list, 200, "You already have Desk 2.15 on Tuesday 3 March 2026", `<a class="govuk-link" href="/bookings/`+id+`">change your booking of Desk 2.15</a>`)
		if strings.Contains(jo.Get("/resources?kind=desk&date=2026-03-04&go=1").Body, "You already have") {
			t.Fatal("the notice shows on a day she has no desk")
		}
		// Booking a second desk anyway is refused, and the refusal links to
		// the booking she has, to change or cancel it.
		r := jo.PostForm("/bookings", url.Values{"resource_id": {e.desk1.ID}, "date": {"2026-03-03"}})
		want(t, r, 422, "You already have Desk 2.15 from 08:00 to 18:00 on Tuesday 3 March", `id="your-desk"`,
			`<a class="govuk-link" href="/bookings/`+id+`">change your booking of Desk 2.15</a>`, "To sit at Desk 2.14 instead")
		if strings.Contains(jo.PostForm("/bookings", url.Values{"resource_id": {e.desk1.ID}, "date": {"2026-03-03x"}}).Body, `id="your-desk"`) {
			t.Fatal("a refusal for another reason links to a booking")
		}

		// Someone else asking for it is told it is taken, with what they typed kept.
		r = ann.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-03"}})
		want(t, r, 409, "Desk 2.15 is already booked from 08:00 to 18:00 on Tuesday 3 March", `value="2026-03-03"`, "Error:")
		r = ann.PostForm("/bookings", url.Values{"resource_id": {e.desk1.ID}, "date": {"2026-03-03"}})
		want(t, r, 422, "kept for its team")

		// The floor: markers named and coloured by what each is to the person.
		floor := jo.Get("/floors/" + e.floor.ID + "/book?date=2026-03-03")
		want(t, floor, 200, `aria-label="Desk 2.15, yours"`, `aria-label="Desk 2.14, free"`, `aria-label="Medway Room, free"`, "wp-yours", "Desks and rooms on this floor")
		want(t, ann.Get("/floors/"+e.floor.ID+"/book?date=2026-03-03"), 200,
			`aria-label="Desk 2.14, not bookable: kept for the Finance neighbourhood's team"`, `aria-label="Desk 2.15, taken"`)
		// Book the room from its marker.
		form = jo.Get(href(t, floor, "Medway Room"))
		want(t, form, 200, "Book Medway Room", "People coming", "waiting list")
		r = jo.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"09:15"}, "to": {"10:00"}, "title": {"Budget"}})
		want(t, r, 422, "steps of 30 minutes", `value="09:15"`, `value="Budget"`)
		roomID := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"09:00"}, "to": {"10:00"},
			"title": {"Budget"}, "attendees": {"4"}}))
		// Ann asks for the same time and waits.
		waitID := bookingID(t, ann.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"09:00"}, "to": {"10:00"}, "wait": {"yes"}}))
		want(t, ann.Get("/bookings/"+waitID), 200, "On the waiting list", "number 1 on the waiting list")
		want(t, jo.Get("/bookings/"+roomID), 200, "1 person is waiting")
		want(t, jo.PostForm("/bookings/"+roomID+"/cancel", url.Values{"confirm": {"yes"}}), 303)
		want(t, ann.Get("/bookings/"+waitID), 200, "Booked")

		// A series with a clash lists the dates; skipping them books the rest.
		r = jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-02"}, "repeat": {"daily"}, "until": {"2026-03-06"}})
		want(t, r, 409, "Desk 2.15 is already booked from 08:00 to 18:00 on Tuesday 3 March", `value="2026-03-06"`)
		id = bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-02"}, "repeat": {"daily"}, "until": {"2026-03-06"},
			"skip_clashes": {"yes"}}))
		want(t, jo.Get("/bookings/"+id), 200, "booked on 4 dates", "Not booked: Tuesday 3 March (already booked)", "Cancel this and the rest of the series")

		// Residents have no business here.
		rita := e.browser("Rita")
		want(t, rita.Get("/resources"), 403)
	})
}

func TestCancelCheckInApproveAndRelease(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		jo, ann, priya := e.browser("Jo"), e.browser("Ann"), e.browser("Priya")
		want(t, jo.Get("/bookings"), 200, "You have no bookings coming up")

		// Jo books today's desk and checks in from the booking page.
		today := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk1.ID}, "date": {"2026-03-02"}}))
		want(t, jo.Get("/bookings/"+today), 200, "Check in")
		want(t, jo.PostForm("/bookings/"+today+"/check-in", nil), 303)
		want(t, jo.Get("/bookings/"+today), 200, "Checked in to Desk 2.14", "Leave now")
		qr := jo.Get("/resources/" + e.desk1.ID + "/qr")
		if qr.Status != 200 || qr.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(qr.Body, "\x89PNG") {
			t.Fatalf("QR code: %d %s", qr.Status, qr.Header.Get("Content-Type"))
		}

		// Ann checks in by the desk's QR code address.
		anns := bookingID(t, ann.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-02"}}))
		want(t, ann.Get("/resources/"+e.desk1.ID+"/check-in"), 200, "You have no booking of Desk 2.14 now")
		want(t, ann.Get("/resources/"+e.desk2.ID+"/check-in"), 200, "Check in at Desk 2.15")
		if got := bookingID(t, ann.PostForm("/resources/"+e.desk2.ID+"/check-in", nil)); got != anns {
			t.Fatalf("checked in to %s, not %s", got, anns)
		}
		want(t, ann.Get("/bookings/"+anns), 200, "Checked in")

		// Nobody comes to Priya's 09:00 room: the job releases it at 09:15.
		room := bookingID(t, priya.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-02"}, "from": {"09:00"}, "to": {"10:00"}}))
		e.clock.Set(time.Date(2026, 3, 2, 9, 20, 0, 0, time.UTC))
		e.runJobs()
		want(t, priya.Get("/bookings/"+room), 200, "Released: nobody checked in")
		want(t, jo.Get("/bookings/"+today), 200, "Checked in")

		// Cancelling one booking, and a date range.
		tomorrow := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk1.ID}, "date": {"2026-03-03"}}))
		want(t, jo.PostForm("/bookings/"+tomorrow+"/cancel", url.Values{"confirm": {"yes"}}), 303)
		want(t, jo.Get("/bookings/"+tomorrow), 200, "Booking cancelled", "Cancelled")
		for _, d := range []string{"2026-03-04", "2026-03-05"} {
			bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk1.ID}, "date": {d}}))
		}
		want(t, jo.PostForm("/bookings/cancel", url.Values{"from": {"2026-03-05"}, "to": {"2026-03-04"}}), 422, "on or after the first")
		want(t, jo.PostForm("/bookings/cancel", url.Values{"from": {"2026-03-04"}, "to": {"2026-03-06"}}), 200, "Cancel 2 bookings?")
		want(t, jo.PostForm("/bookings/cancel", url.Values{"from": {"2026-03-04"}, "to": {"2026-03-06"}, "confirm": {"yes"}}), 303)
		want(t, jo.Get("/bookings"), 200, "2 bookings cancelled", "Desk 2.14")
		want(t, jo.Get("/bookings?show=past"), 200, "Cancelled", "Wednesday 4 March 2026")

		// Rooms needing approval: Priya, Jo's manager, approves.
		rules := workplace.DefaultRules(workplace.KindRoom)
		rules.NeedsApproval = true
		noErr(t, e.m.Store().SaveRules(e.ctx, e.subject("Kim"), rules))
		asked := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-04"}, "from": {"14:00"}, "to": {"15:00"}}))
		want(t, jo.Get("/bookings/"+asked), 200, "Waiting for approval")
		want(t, ann.Get("/bookings/"+asked), 403)
		want(t, priya.Get("/bookings/approvals"), 200, "Jo Baker", "Medway Room")
		want(t, jo.PostForm("/bookings/"+asked+"/approve", nil), 403)
		want(t, priya.PostForm("/bookings/"+asked+"/approve", url.Values{"note": {"Fine"}}), 303)
		want(t, jo.Get("/bookings/"+asked), 200, "Booked", "Priya Shah: Fine")
		want(t, priya.Get("/bookings/approvals"), 200, "No bookings are waiting for your approval")
	})
}

func TestBookingsAPI(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		tok, readOnly := e.token("Jo", "read", "write"), e.token("Jo", "read")
		r := e.srv.API(tok, "POST", "/api/v1/bookings", `{"resource_id":"`+e.room.ID+`","date":"2026-03-03","from":"10:00","to":"11:00","title":"Planning","attendees":3}`)
		want(t, r, 201, `"status":"confirmed"`, `"title":"Planning"`)
		var made BookResponse
		noErr(t, json.Unmarshal([]byte(r.Body), &made))
		id := made.Items[0].ID
		if r.Header.Get("Location") != "/api/v1/bookings/"+id || !made.Items[0].Start.Equal(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)) {
			t.Fatalf("made %+v at %s", made, r.Header.Get("Location"))
		}
		want(t, e.srv.API(readOnly, "POST", "/api/v1/bookings", `{"resource_id":"`+e.desk2.ID+`","date":"2026-03-03"}`), 403)
		want(t, e.srv.API(e.token("Ann", "read", "write"), "POST", "/api/v1/bookings", `{"resource_id":"`+e.room.ID+`","date":"2026-03-03","from":"10:30","to":"11:00"}`),
			409, `"code": "conflict"`, "Medway Room is already booked from 10:30 to 11:00 on Tuesday 3 March")
		want(t, e.srv.API(tok, "POST", "/api/v1/bookings", `{"resource_id":"`+e.room.ID+`","date":"2026-03-03","from":"10:00","to":"11:00","colour":"red"}`), 422)
		want(t, e.srv.API(tok, "POST", "/api/v1/bookings", `{"resource_id":"`+e.desk2.ID+`","date":"2026-03-03","repeat":{"every":"weekly","weekdays":["tuesday","friday"],"until":"2026-03-13"}}`),
			201, `"skipped":[]`, `"series_id":"ser_`)

		want(t, e.srv.API(readOnly, "GET", "/api/v1/bookings/"+id, ""), 200, `"resource_name":"Medway Room"`)
		want(t, e.srv.API(e.token("Ann", "read"), "GET", "/api/v1/bookings/"+id, ""), 403)
		list := e.srv.API(readOnly, "GET", "/api/v1/bookings?limit=2", "")
		want(t, list, 200, `"next_cursor"`)
		var page web.List[BookingJSON]
		noErr(t, json.Unmarshal([]byte(list.Body), &page))
		want(t, e.srv.API(readOnly, "GET", "/api/v1/bookings?limit=2&cursor="+page.NextCursor, ""), 200, `"items":[{`)

		r = e.srv.API(tok, "PATCH", "/api/v1/bookings/"+id, `{"date":"2026-03-03","from":"15:00","to":"16:00"}`)
		want(t, r, 200, `"sequence":1`, `"id":"`+id+`"`, `"start":"2026-03-03T15:00:00Z"`)
		want(t, e.srv.API(tok, "POST", "/api/v1/bookings/"+id+"/check-in", ""), 409, "half an hour before")
		want(t, e.srv.API(readOnly, "GET", "/api/v1/resources/"+e.room.ID+"/availability?date=2026-03-03", ""), 200,
			`"start":"2026-03-03T15:00:00Z"`, `"yours":true`)
		want(t, e.srv.API(readOnly, "GET", "/api/v1/resources/"+e.room.ID+"/availability?date=tuesday", ""), 400, "real date")
		want(t, e.srv.API(tok, "POST", "/api/v1/bookings/"+id+"/cancel", ""), 200, `"status":"cancelled"`)
		want(t, e.srv.API(tok, "POST", "/api/v1/bookings/"+id+"/cancel", ""), 409)

		undocumented, _ := web.CheckAPIDocumented(e.web.Router(), e.web.API().Document())
		for _, u := range undocumented {
			if strings.Contains(u, "bookings") || strings.Contains(u, "resources") {
				t.Fatalf("undocumented API route %s", u)
			}
		}
	})
}

// The demo gives Jo Baker a desk tomorrow and a room, Priya Shah a week
// of desks and Kim Adeyemi a room, at Sessions House.
func TestBookingsDemo(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		people := map[string]string{"staff@kent.example": "Jo", "manager@kent.example": "Priya", "stores@kent.example": "Kim"}
		env := &module.DemoEnv{
			Org: func(context.Context, string) (platform.Org, error) { return e.org, nil },
			Person: func(_ context.Context, _ platform.Org, email string) (*platform.Subject, error) {
				return e.subject(people[email]), nil
			},
		}
		noErr(t, e.m.bookings.demo(e.ctx, e.m, env, e.org))
		mine, _, err := e.m.Store().MyBookings(e.ctx, e.subject("Jo"), workplace.BookingList{})
		noErr(t, err)
		if len(mine) != 2 || mine[0].ResourceKind != workplace.KindDesk || mine[0].Start.Format("2006-01-02") != "2026-03-03" || mine[1].Title == "" {
			t.Fatalf("Jo's demo bookings %+v", mine)
		}
		priyas, _, err := e.m.Store().MyBookings(e.ctx, e.subject("Priya"), workplace.BookingList{})
		noErr(t, err)
		if len(priyas) != 5 {
			t.Fatalf("Priya has %d desk bookings in the demo week", len(priyas))
		}
	})
}

// TestFindLinksEachFloorsPlan: the floors' plans are listed apart, not
// run together as one line of names.
func TestFindLinksEachFloorsPlan(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		third, err := e.m.Store().CreateFloor(e.ctx, e.subject("Kim"), workplace.FloorInput{BuildingID: e.building.ID, Name: "Third floor", Level: 3})
		noErr(t, err)
		page := e.browser("Jo").Get("/resources?kind=desk&date=2026-03-03&go=1")
		want(t, page, 200, `">Sessions House, Second floor</a> · <a class="govuk-link" href="/floors/`+third.ID+`/book?date=2026-03-03">Sessions House, Third floor</a></p>`)
	})
}

// With no day asked, the search and the floor's plan start on a day still
// open: today in the morning, tomorrow once today's bookings have closed
// (18:00 for desks by default), where before an evening's search showed
// every desk as "that time has passed".
func TestSearchStartsOnADayStillOpen(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		jo := e.browser("Jo")
		want(t, jo.Get("/resources?kind=desk"), 200, `value="2026-03-02"`)
		e.clock.Set(time.Date(2026, 3, 2, 18, 5, 0, 0, time.UTC))
		want(t, jo.Get("/resources?kind=desk"), 200, `value="2026-03-03"`)
		want(t, jo.Get("/floors/"+e.floor.ID+"/book"), 200, `2026-03-03`)
		want(t, jo.Get("/resources?kind=desk&date=2026-03-02"), 200, `value="2026-03-02"`)
	})
}
