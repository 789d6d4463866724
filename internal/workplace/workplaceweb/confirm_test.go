package workplaceweb

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
	"dbtp/internal/workplace"
)

// confirmForm are the marks of a confirmation page's form: it posts
// confirm=yes with the CSRF token, and offers to go back.
func confirmForm(action, back string) []string {
	return []string{`action="` + action + `"`, `name="confirm" value="yes"`, `name="csrf_token"`, `href="` + back + `"`, "No, go back"}
}

// postNoToken posts a form without the CSRF token, as another site could.
func postNoToken(b *webtest.Browser, path string, v url.Values) *webtest.Response {
	return b.Do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

func (e *bookEnv) status(id string) string {
	e.t.Helper()
	b, err := e.m.Store().Booking(e.ctx, e.subject("Kim"), id)
	noErr(e.t, err)
	return b.Status
}

// Cancelling a booking, the rest of a series or a range of dates asks
// first, on a page that says what goes and how many; nothing is
// cancelled by the button alone, by a post that is not the page's own, or
// by one without the CSRF token.
func TestCancellingAsksFirst(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		jo := e.browser("Jo")
		one := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-03"}}))
		page := jo.Get("/bookings/" + one)
		want(t, page, 200, `href="/bookings/`+one+`/cancel"`, "Check-in code")
		if strings.Contains(page.Body, `action="/bookings/`+one+`/cancel"`) {
			t.Fatal("the booking page cancels in one click")
		}
		conf := jo.Get("/bookings/" + one + "/cancel")
		want(t, conf, 200, append(confirmForm("/bookings/"+one+"/cancel", "/bookings/"+one),
			"Cancel your booking?", "Desk 2.15 on Tuesday 3 March 2026, 08:00 to 18:00", "Yes, cancel the booking")...)
		want(t, jo.PostForm("/bookings/"+one+"/cancel", nil), 200, "Cancel your booking?")
		want(t, postNoToken(jo, "/bookings/"+one+"/cancel", url.Values{"confirm": {"yes"}}), 403)
		if s := e.status(one); s != workplace.StatusConfirmed {
			t.Fatalf("cancelled without confirming: %s", s)
		}
		want(t, e.browser("Ann").Get("/bookings/"+one+"/cancel"), 403)
		want(t, jo.PostForm("/bookings/"+one+"/cancel", url.Values{"confirm": {"yes"}}), 303)
		if s := e.status(one); s != workplace.StatusCancelled {
			t.Fatalf("confirmed, the booking is %s", s)
		}
		want(t, jo.Get("/bookings/"+one+"/cancel"), 409, "nothing to cancel")
		if page := jo.Get("/bookings/" + one); strings.Contains(page.Body, "Check-in code") {
			t.Fatal("a cancelled booking's page still offers its check-in code")
		}

		// The rest of a series: each date listed.
		first := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-09"}, "repeat": {"daily"}, "until": {"2026-03-11"}}))
		want(t, jo.Get("/bookings/"+first), 200, `href="/bookings/`+first+`/cancel-series"`)
		want(t, jo.Get("/bookings/"+first+"/cancel-series"), 200, append(confirmForm("/bookings/"+first+"/cancel-series", "/bookings/"+first),
			"Cancel the rest of the series?", "3 bookings of Desk 2.15 will be cancelled", "Monday 9 March 2026", "Wednesday 11 March 2026",
			"Yes, cancel 3 bookings")...)
		want(t, jo.PostForm("/bookings/"+first+"/cancel-series", nil), 200, "Cancel the rest of the series?")
		if s := e.status(first); s != workplace.StatusConfirmed {
			t.Fatalf("series cancelled without confirming: %s", s)
		}
		want(t, jo.PostForm("/bookings/"+first+"/cancel-series", url.Values{"confirm": {"yes"}}), 303)
		want(t, jo.Get("/bookings/"+first), 200, "3 bookings of the series cancelled")

		// A range of dates: the form leads to the list, which can go back
		// to the form with the dates kept.
		a := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-12"}}))
		b := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-13"}, "from": {"10:00"}, "to": {"11:00"}}))
		dates := url.Values{"from": {"2026-03-12"}, "to": {"2026-03-13"}}
		back := "/bookings/cancel?from=2026-03-12&amp;to=2026-03-13"
		conf = jo.PostForm("/bookings/cancel", dates)
		want(t, conf, 200, "Cancel 2 bookings?", "Thursday 12 March 2026, 08:00 to 18:00", "Friday 13 March 2026, 10:00 to 11:00", "Medway Room",
			`name="from" value="2026-03-12"`, `name="to" value="2026-03-13"`, `action="/bookings/cancel"`, `name="confirm" value="yes"`, "Yes, cancel 2 bookings")
		if !strings.Contains(conf.Body, `href="`+back+`"`) {
			t.Fatalf("no way back to the dates:\n%s", conf.Body)
		}
		want(t, jo.Get("/bookings/cancel?from=2026-03-12&to=2026-03-13"), 200, `value="2026-03-12"`, `value="2026-03-13"`)
		if e.status(a) != workplace.StatusConfirmed || e.status(b) != workplace.StatusConfirmed {
			t.Fatal("the range was cancelled before it was confirmed")
		}
		confirm := url.Values{"from": {"2026-03-12"}, "to": {"2026-03-13"}, "confirm": {"yes"}}
		want(t, postNoToken(jo, "/bookings/cancel", confirm), 403)
		want(t, jo.PostForm("/bookings/cancel", confirm), 303)
		if e.status(a) != workplace.StatusCancelled || e.status(b) != workplace.StatusCancelled {
			t.Fatal("the range was not cancelled")
		}
		want(t, jo.PostForm("/bookings/cancel", url.Values{"from": {"2026-03-16"}, "to": {"2026-03-20"}}), 200,
			"You have no bookings to cancel from Monday 16 March 2026 to Friday 20 March 2026")
	})
}

// Withdrawing a desk, floor or building asks first, saying how many
// bookings of whom will be cancelled; confirmed, they are, and the
// booking says why.
func TestWithdrawingAsksFirst(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		jo, ann, kim := e.browser("Jo"), e.browser("Ann"), e.browser("Kim")
		desk := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-03"}}))
		room := bookingID(t, ann.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"10:00"}, "to": {"11:00"}}))

		form := kim.Get("/resources/" + e.desk2.ID + "/edit")
		want(t, form, 200, `href="/resources/`+e.desk2.ID+`/withdraw"`)
		if strings.Contains(form.Body, `action="/resources/`+e.desk2.ID+`/withdraw"`) {
			t.Fatal("the desk's page withdraws it in one click")
		}
		want(t, kim.Get("/resources/"+e.desk2.ID+"/withdraw"), 200, append(confirmForm("/resources/"+e.desk2.ID+"/withdraw", "/resources/"+e.desk2.ID+"/edit"),
			"Withdraw Desk 2.15?", "1 booking by 1 person will be cancelled", "Jo Baker", "Tuesday 3 March 2026, 08:00 to 18:00",
			"Withdraw Desk 2.15 and cancel 1 booking")...)
		want(t, jo.Get("/resources/"+e.desk2.ID+"/withdraw"), 403)
		want(t, kim.PostForm("/resources/"+e.desk2.ID+"/withdraw", nil), 200, "Withdraw Desk 2.15?")
		want(t, postNoToken(kim, "/resources/"+e.desk2.ID+"/withdraw", url.Values{"confirm": {"yes"}}), 403)
		if res, _ := e.m.Store().Resource(e.ctx, e.subject("Kim"), e.desk2.ID); !res.Active || e.status(desk) != workplace.StatusConfirmed {
			t.Fatal("withdrawn without confirming")
		}
		r := kim.PostForm("/resources/"+e.desk2.ID+"/withdraw", url.Values{"confirm": {"yes"}})
		want(t, r, 303)
		want(t, kim.Get(r.Header.Get("Location")), 200, "Desk 2.15 withdrawn; 1 booking cancelled and each booker emailed")
		want(t, jo.Get("/bookings/"+desk), 200, "Cancelled", "Cancelled because", "Desk 2.15 was withdrawn")
		want(t, kim.Get("/resources/"+e.desk2.ID+"/withdraw"), 409, "already withdrawn")

		// The floor: what goes with it, and Ann's room booking.
		want(t, kim.Get("/floors/"+e.floor.ID), 200, `href="/floors/`+e.floor.ID+`/withdraw"`)
		want(t, kim.Get("/floors/"+e.floor.ID+"/withdraw"), 200, append(confirmForm("/floors/"+e.floor.ID+"/withdraw", "/floors/"+e.floor.ID),
			"Withdraw Second floor?", "It goes out of use with its zones and 2 desks, rooms and items", "1 booking by 1 person will be cancelled",
			"Ann Adams", "Medway Room")...)
		want(t, kim.Get("/buildings/"+e.building.ID+"/withdraw"), 200, append(confirmForm("/buildings/"+e.building.ID+"/withdraw", "/buildings/"+e.building.ID),
			"Withdraw Sessions House?", "Ann Adams")...)
		want(t, kim.PostForm("/floors/"+e.floor.ID+"/withdraw", url.Values{"confirm": {"yes"}}), 303)
		want(t, ann.Get("/bookings/"+room), 200, "Medway Room was withdrawn with its floor, Second floor")
		want(t, kim.Get("/buildings/"+e.building.ID+"/withdraw"), 200, "Nothing there is booked from now on", "Withdraw Sessions House")
	})
}

// Revoking a sensor asks first; the sensors page offers a link, not a
// button that revokes.
func TestRevokingASensorAsksFirst(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s, _, err := e.m.Store().CreateSensor(e.ctx, e.subject("Kim"), workplace.SensorInput{Name: "Desk 2.15 sensor", Kind: workplace.SensorOccupancy,
			TargetKind: workplace.TargetResource, TargetID: e.desk2.ID})
		noErr(t, err)
		kim := e.browser("Kim")
		list := kim.Get("/sensors")
		want(t, list, 200, `href="/sensors/`+s.ID+`/revoke"`)
		if strings.Contains(list.Body, `action="/sensors/`+s.ID+`/revoke"`) {
			t.Fatal("the sensors page revokes in one click")
		}
		want(t, kim.Get("/sensors/"+s.ID+"/revoke"), 200, append(confirmForm("/sensors/"+s.ID+"/revoke", "/sensors"),
			"Revoke Desk 2.15 sensor?", "Desk 2.15 sensor is on Desk 2.15. It connects with the MQTT username "+s.ID+".", "Its credential will be revoked", "cannot be undone")...)
		revoked := func() bool {
			got, err := e.m.Store().Sensor(e.ctx, e.subject("Kim"), s.ID)
			noErr(t, err)
			return got.Revoked()
		}
		want(t, kim.PostForm("/sensors/"+s.ID+"/revoke", nil), 200, "Revoke Desk 2.15 sensor?")
		want(t, postNoToken(kim, "/sensors/"+s.ID+"/revoke", url.Values{"confirm": {"yes"}}), 403)
		want(t, e.browser("Jo").Get("/sensors/"+s.ID+"/revoke"), 403)
		if revoked() {
			t.Fatal("revoked without confirming")
		}
		want(t, kim.PostForm("/sensors/"+s.ID+"/revoke", url.Values{"confirm": {"yes"}}), 303)
		if !revoked() {
			t.Fatal("not revoked")
		}
		want(t, kim.Get("/sensors/"+s.ID+"/revoke"), 409, "already revoked")
	})
}
