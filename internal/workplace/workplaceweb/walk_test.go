package workplaceweb

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// These tests hold what walking the module's journeys in a browser, as
// each kind of person, found wanting.

// The workplace's front page leads to everything a person looks for
// there: reserving equipment (not the desk finder; in the words the page
// it leads to is headed with), their loans, devices and calendar feed;
// managers to approvals and utilisation; workplace managers to stores'
// lists, devices and sensors. Each floor's page offers to book on it.
func TestWalkWorkplaceHomeLeadsEverywhere(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		home := e.browser("Jo").Get("/workplace")
		want(t, home, 200)
		for text, to := range map[string]string{"Reserve equipment": "/loans/new", "Your equipment loans": "/loans", "Your devices": "/devices",
			"Your bookings in your calendar": "/bookings/calendar", "Book a desk": "/resources?kind=desk"} {
			if got := href(t, home, text); got != to {
				t.Errorf("%q leads to %s, want %s", text, got, to)
			}
		}
		// The link says what the page it leads to is headed.
		want(t, e.browser("Jo").Get("/loans/new"), 200, `<h1 class="govuk-heading-l">Reserve equipment</h1>`)
		if strings.Contains(home.Body, "Borrow equipment") {
			t.Error("the front page offers to borrow equipment, on a page headed Reserve equipment")
		}
		for _, not := range []string{`href="/utilisation"`, `href="/sensors"`, `href="/bookings/approvals"`} {
			if strings.Contains(home.Body, not) {
				t.Errorf("staff are offered %s", not)
			}
		}
		want(t, e.browser("Priya").Get("/workplace"), 200, `href="/bookings/approvals"`, `href="/utilisation"`)
		kim := e.browser("Kim").Get("/workplace")
		want(t, kim, 200, `href="/sensors"`, `href="/loans?view=overdue"`, `href="/loans?view=due"`, `href="/devices/import"`, `href="/utilisation"`)

		want(t, e.browser("Jo").Get("/bookings"), 200, `href="/bookings/calendar"`)

		floor := e.browser("Jo").Get("/floors/" + e.floor.ID)
		if got := href(t, floor, "Book a desk or room on this floor"); got != "/floors/"+e.floor.ID+"/book" {
			t.Errorf("the floor's booking link is %s", got)
		}
	})
}

// On a narrow screen a desk's marker shows its number alone; its
// accessible name stays whole; the plan scrolls within its own box.
func TestWalkFloorPlanMarkers(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		floor := e.browser("Jo").Get("/floors/" + e.floor.ID + "/book?date=2026-03-03")
		want(t, floor, 200, `aria-label="Desk 2.15, free"><span class="wp-word">Desk </span>2.15</a>`,
			`aria-label="Medway Room, free">Medway Room</a>`, `class="wp-plan-scroll"`)
	})
}

// Loans read their days as people in the UK write them, not 2026-03-04.
func TestWalkLoanDaysInUKFormat(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		laptop, err := e.m.Store().CreateResource(e.ctx, e.subject("Kim"), workplace.ResourceInput{Kind: workplace.KindEquipment, Name: "Laptop 7",
			Category: "laptop", AssetTag: "KCC-LT-0007"})
		noErr(t, err)
		jo := e.browser("Jo")
		r := jo.PostForm("/loans/new", url.Values{"resource_id": {laptop.ID}, "from": {"2026-03-04"}, "to": {"2026-03-06"}})
		if r.Status != 303 {
			t.Fatalf("reserve: %d\n%s", r.Status, r.Body)
		}
		loan := jo.Get(r.Header.Get("Location"))
		want(t, loan, 200, "Laptop 7 reserved from Wed 4 March 2026 to Fri 6 March 2026", "Wed 4 March 2026")
		list := jo.Get("/loans")
		want(t, list, 200, "Wed 4 March 2026", "Fri 6 March 2026")
		if strings.Contains(list.Body, "2026-03-04") {
			t.Errorf("the loans list still shows 2026-03-04:\n%s", list.Body)
		}
	})
}

// Stores staff open /loans on everyone's loans, not on their own empty
// list; a tab chosen in the address still wins, and the front page's
// "Your equipment loans" still leads to theirs. Anyone else opens on
// their own.
func TestWalkStoresOpenOnAllLoans(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		laptop, err := e.m.Store().CreateResource(e.ctx, e.subject("Kim"), workplace.ResourceInput{Kind: workplace.KindEquipment, Name: "Laptop 7",
			Category: "laptop", AssetTag: "KCC-LT-0007"})
		noErr(t, err)
		jo, kim := e.browser("Jo"), e.browser("Kim")
		want(t, jo.PostForm("/loans/new", url.Values{"resource_id": {laptop.ID}, "from": {"2026-03-04"}, "to": {"2026-03-06"}}), 303)

		want(t, kim.Get("/loans"), 200, `<strong aria-current="page">All loans</strong>`, "Laptop 7", "Jo Baker")
		want(t, kim.Get("/loans?view=mine"), 200, `<strong aria-current="page">My loans</strong>`, "There are no loans here")
		if got := href(t, kim.Get("/workplace"), "Your equipment loans"); got != "/loans?view=mine" {
			t.Errorf("Kim's \"Your equipment loans\" leads to %s", got)
		}
		want(t, jo.Get("/loans"), 200, "Laptop 7")
		want(t, jo.Get("/loans?view=all"), 400)
	})
}

// Someone who is not a workplace manager is told so in words, not "you
// do not have permission to update this workplace".
func TestWalkKeepingRefusedInWords(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		jo := e.browser("Jo")
		want(t, jo.Get("/sensors"), 403, "Only workplace managers see the sensors")
		for _, path := range []string{"/buildings/new", "/devices/import", "/sensors"} {
			r := jo.PostForm(path, url.Values{"name": {"Invicta House"}})
			want(t, r, 403, "Only workplace managers")
			if strings.Contains(r.Body, "do not have permission") {
				t.Errorf("%s: refused in the access layer's words:\n%s", path, r.Body)
			}
		}
	})
}

// Scanning a desk's code before one's booking of it may be checked in
// says when it may, instead of "you have no booking".
func TestWalkCheckInTooEarly(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		e.clock.Set(time.Date(2026, 3, 2, 6, 45, 0, 0, time.UTC)) // 06:45 in London (GMT)
		jo := e.browser("Jo")
		bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk2.ID}, "date": {"2026-03-02"}}))
		page := jo.Get("/resources/" + e.desk2.ID + "/check-in")
		want(t, page, 200, "Your booking of Desk 2.15 is Monday 2 March 2026, 08:00 to 18:00", "You can check in from 07:30")
		if strings.Contains(page.Body, "You have no booking") {
			t.Errorf("told there is no booking:\n%s", page.Body)
		}
		// A booking on a later day (its page offers "Check in from this
		// device") says the day too, and not "scan the code again" to
		// someone who came by that link.
		bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.desk1.ID}, "date": {"2026-03-03"}}))
		want(t, jo.Get("/resources/"+e.desk1.ID+"/check-in"), 200, "Your booking of "+e.desk1.Name+" is Tuesday 3 March 2026, 08:00 to 18:00",
			"You can check in from 07:30 on Tuesday 3 March", "then scan "+e.desk1.Name+"'s code, or come back to this page")
		// A booking still waiting for a manager's approval says so: it
		// cannot be checked in to until it is approved.
		want(t, e.srv.API(e.token("Kim", platform.ScopeRead, platform.ScopeWrite), "PUT", "/api/v1/resources/"+e.room.ID,
			`{"name":"Medway Room","floor_id":"`+e.floor.ID+`","x":700,"y":500,"capacity":8,"features":["video"],"needs_approval":true}`), 200)
		bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"10:00"}, "to": {"11:00"}}))
		want(t, jo.Get("/resources/"+e.room.ID+"/check-in"), 200, "Your booking of Medway Room, Tuesday 3 March 2026, 10:00 to 11:00, is waiting for a manager's approval",
			"Once it is approved, you can check in from 09:30 on Tuesday 3 March")
		e.clock.Set(time.Date(2026, 3, 2, 7, 40, 0, 0, time.UTC))
		want(t, jo.Get("/resources/"+e.desk2.ID+"/check-in"), 200, "Check in at Desk 2.15</button>")
	})
}

// Someone at the limit of loans is told, as "you", what the limit is.
func TestWalkLoanLimitSaysTheLimit(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		ws, kim := e.m.Store(), e.subject("Kim")
		rules := workplace.DefaultRules(workplace.KindEquipment)
		rules.MaxActive = 1
		noErr(t, ws.SaveRules(e.ctx, kim, rules))
		var ids []string
		for _, name := range []string{"Laptop 1", "Laptop 2"} {
			r, err := ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindEquipment, Name: name, Category: "laptop"})
			noErr(t, err)
			ids = append(ids, r.ID)
		}
		jo := e.browser("Jo")
		if r := jo.PostForm("/loans/new", url.Values{"resource_id": {ids[0]}, "from": {"2026-03-04"}, "to": {"2026-03-04"}}); r.Status != 303 {
			t.Fatalf("first reservation: %d\n%s", r.Status, r.Body)
		}
		r := jo.PostForm("/loans/new", url.Values{"resource_id": {ids[1]}, "from": {"2026-03-05"}, "to": {"2026-03-05"}})
		want(t, r, 422, "You already have 1 item reserved or out, and one person may have 1 at once")
	})
}

// A room that needs approval says so before it is booked; the manager
// deciding from the list of approvals comes back to the list.
func TestWalkApprovalSaidAndListKept(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		rules := workplace.DefaultRules(workplace.KindRoom)
		rules.NeedsApproval = true
		noErr(t, e.m.Store().SaveRules(e.ctx, e.subject("Kim"), rules))
		jo := e.browser("Jo")
		want(t, jo.Get("/bookings/new?resource_id="+e.room.ID+"&date=2026-03-03"), 200, "A manager of your team approves each booking of a meeting room")
		want(t, jo.Get("/bookings/new?resource_id="+e.desk2.ID+"&date=2026-03-03"), 200)
		id := bookingID(t, jo.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"10:00"}, "to": {"11:00"}}))
		priya := e.browser("Priya")
		want(t, priya.Get("/bookings/approvals"), 200, `name="back" value="approvals"`)
		r := priya.PostForm("/bookings/"+id+"/approve", url.Values{"back": {"approvals"}})
		if r.Status != 303 || r.Header.Get("Location") != "/bookings/approvals" {
			t.Fatalf("approving from the list: %d to %s", r.Status, r.Header.Get("Location"))
		}
	})
}

// Placing a desk shows the floor's other desks and rooms, so that it is
// not put on top of one.
func TestWalkPlacingShowsTheOthers(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		ws, kim := e.m.Store(), e.subject("Kim")
		_, err := ws.SetFloorPlan(e.ctx, kim, e.floor.ID, bytes.NewReader(testPNG(t, 400, 300)))
		noErr(t, err)
		desk, err := ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindDesk, Name: "Desk 2.16", FloorID: e.floor.ID, X: -1, Y: -1})
		noErr(t, err)
		page := e.browser("Kim").Get("/resources/" + desk.ID + "/place")
		want(t, page, 200, `title="Desk 2.14">2.14</span>`, `title="Desk 2.15">2.15</span>`, `title="Medway Room">Medway Room</span>`,
			".dbtp-plan__o0{left:20.0%;top:30.0%}")
	})
}

// A loan recorded as already out was handed over on its first day, not
// when it was recorded: one that ended last week read "Handed over today".
func TestWalkLoanAlreadyOutHandedOverOnItsFirstDay(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		kim := e.subject("Kim")
		headset, err := e.m.Store().CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindEquipment, Name: "Headset 1", Category: "headset"})
		noErr(t, err)
		l, err := e.m.assets.a.Reserve(e.ctx, kim, workplace.LoanInput{ResourceID: headset.ID, PersonID: e.users["Jo"].ID,
			From: "2026-02-23", To: "2026-02-27", AlreadyOut: true})
		noErr(t, err)
		want(t, e.browser("Kim").Get("/loans/"+l.ID), 200, "Handed over", "23 February 2026 08:00 by Kim Adeyemi", "Overdue")
	})
}

// A loan made for an equipment request shows the request's reference
// in the list under a word that says what it is: bare under the
// borrower's name, "EQP-2026-000001" read as part of the person.
func TestWalkLoanListNamesTheRequest(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		kim := e.subject("Kim")
		headset, err := e.m.Store().CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindEquipment, Name: "Headset 1", Category: "headset"})
		noErr(t, err)
		_, err = e.m.assets.a.Reserve(e.ctx, kim, workplace.LoanInput{ResourceID: headset.ID, PersonID: e.users["Jo"].ID,
			From: "2026-03-02", To: "2026-03-06", CaseID: "cas_1", CaseRef: "EQP-2026-000001"})
		noErr(t, err)
		want(t, e.browser("Kim").Get("/loans?view=all"), 200, "Jo Baker<br><span class=\"govuk-body-s\">Request EQP-2026-000001</span>")
	})
}

// With dozens of sensors the registration form and the dead letters were
// thousands of pixels down; the page now leads to them from its top.
func TestWalkSensorsPageLeadsToItsParts(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		page := e.browser("Kim").Get("/sensors")
		want(t, page, 200, `href="#register"`, `id="register"`, `href="#dead-letters"`, `id="dead-letters"`, "Dead letters</a> (0)", "Registered sensors (0)")
	})
}

// Closing a day says the day in words.
func TestWalkClosureConfirmedInWords(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		kim := e.browser("Kim")
		r := kim.PostForm("/closures", url.Values{"day": {"2026-03-10"}, "kind": {""}, "building_id": {""}, "reason": {"Heating works"}})
		if r.Status != 303 {
			t.Fatalf("close a day: %d\n%s", r.Status, r.Body)
		}
		want(t, kim.Get("/closures"), 200, "Closed on Tuesday 10 March 2026: Heating works")
	})
}

// A room's booking form says when the room is already booked that day,
// instead of leaving people to guess times until one is not refused.
func TestWalkRoomFormShowsTheDay(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		ann := e.browser("Ann")
		want(t, ann.Get("/bookings/new?resource_id="+e.room.ID+"&date=2026-03-03"), 200, "Free all day on Tuesday 3 March 2026.")
		bookingID(t, e.browser("Jo").PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"09:00"}, "to": {"10:00"}}))
		want(t, ann.Get("/bookings/new?resource_id="+e.room.ID+"&date=2026-03-03"), 200, "Already booked on Tuesday 3 March 2026: 09:00 to 10:00.")
		r := ann.PostForm("/bookings", url.Values{"resource_id": {e.room.ID}, "date": {"2026-03-03"}, "from": {"09:30"}, "to": {"10:30"}})
		want(t, r, 409, "Already booked on Tuesday 3 March 2026: 09:00 to 10:00.", `value="09:30"`)
	})
}

// On a phone the desks and rooms list, the loans list and the sensors
// list stack, each row a block with its cells labelled, so a desk's Book
// button, a loan's status and a sensor's place, last sighting and
// buttons are seen at 320 px without scrolling sideways.
func TestWalkListsStackOnAPhone(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		jo := e.browser("Jo")
		want(t, jo.Get("/resources?go=1&kind=desk&date=2026-03-03"), 200, `<table class="govuk-table dbtp-table-stack">`,
			`data-label="Desk or room">Desk 2.15`, `data-label="Now">`)
		laptop, err := e.m.Store().CreateResource(e.ctx, e.subject("Kim"), workplace.ResourceInput{Kind: workplace.KindEquipment, Name: "Laptop 7",
			Category: "laptop", AssetTag: "KCC-LT-0007"})
		noErr(t, err)
		want(t, jo.PostForm("/loans/new", url.Values{"resource_id": {laptop.ID}, "from": {"2026-03-04"}, "to": {"2026-03-06"}}), 303)
		want(t, jo.Get("/loans"), 200, `<table class="govuk-table dbtp-table-stack">`, `data-label="To">Fri 6 March 2026`, `data-label="Status">`)
		_, _, err = e.m.Store().CreateSensor(e.ctx, e.subject("Kim"), workplace.SensorInput{Name: "Desk 2.15 sensor", Kind: workplace.SensorOccupancy,
			TargetKind: workplace.TargetResource, TargetID: e.desk2.ID})
		noErr(t, err)
		want(t, e.browser("Kim").Get("/sensors"), 200, `<table class="govuk-table dbtp-table-stack">`, `data-label="Sensor">Desk 2.15 sensor`,
			`data-label="Where">Desk 2.15`, `data-label="Last seen">Never`)
	})
}

// Each of the utilisation page's tables is one scrolling region, as the
// table component makes it: wrapped in another, it had a second Tab stop
// that never scrolls (without JavaScript, every region is a Tab stop).
func TestWalkUtilisationTablesScrollOnce(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		page := e.browser("Kim").Get("/utilisation")
		want(t, page, 200, "Working days from", "By building, floor and zone")
		regions, tables := strings.Count(page.Body, `class="dbtp-table-wrap"`), strings.Count(page.Body, "<table")
		if tables == 0 || regions != tables {
			t.Errorf("the utilisation page has %d scrolling regions for %d tables", regions, tables)
		}
	})
}
