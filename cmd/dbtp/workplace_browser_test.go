package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"dbtp/internal/browsertest"
	"dbtp/internal/store"

	"github.com/chromedp/chromedp"
)

// offsetClock is the system clock moved to another moment, so the demo
// can be used as on a working morning whenever the test runs.
type offsetClock struct{ d time.Duration }

func (c offsetClock) Now() time.Time { return time.Now().Add(c.d) }

// workingMorning is 09:10 in London on the next Tuesday at least two days
// away that is not a bank holiday: offices open, desks bookable.
func workingMorning(t *testing.T) time.Time {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	holiday := bankHoliday(&app{})
	d := time.Now().In(london).AddDate(0, 0, 2)
	for d.Weekday() != time.Tuesday || func() bool { _, h := holiday(d); return h }() {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 9, 10, 0, 0, london)
}

// TestBrowserWorkplace walks the desk booking journey on the demo in
// Chromium, with JavaScript on and off, as it happens on a Tuesday
// morning at Sessions House: Jo Baker (Finance) books a desk from the
// first floor's plan, checks in at it, books another for Thursday from the
// list and finds both in her bookings; Kim Adeyemi, the workplace manager,
// sees the day's booked and used desks rise by one on the utilisation
// page. Signed out, the pages send you to sign in. Every page is
// axe-clean (with scripts on) and fits a 320 px screen.
func TestBrowserWorkplace(t *testing.T) {
	morning := workingMorning(t)
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "DBTP_WORKPLACE_MQTT_ADDR" {
					return "off" // several demos may run at once: no broker port to fight over
				}
				return ""
			}
			r := startDemoConfig(t, t.TempDir(), getenv, func(c *serveConfig) { c.clock = offsetClock{time.Until(morning)} })
			j := &journey{t: t, r: r, js: js}
			j.bookDesks(t, morning)
		})
	}
}

// deskFixture is what the journey books, found as the demo made it.
type deskFixture struct {
	building, floor string
	plan, list      string // names of two free first-floor desks for anyone, without sensors
}

func findDesks(t *testing.T, r *running, day time.Time) deskFixture {
	t.Helper()
	ctx := context.Background()
	org, err := r.app.identity.OrgBySlug(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	var f deskFixture
	err = r.app.db.QueryRow(ctx, `SELECT b.id, f.id FROM workplace_buildings b JOIN workplace_floors f ON f.building_id = b.id
		WHERE b.org_id = ? AND b.name = 'Sessions House' AND f.name = 'First floor'`, org.ID).Scan(&f.building, &f.floor)
	if err != nil {
		t.Fatalf("Sessions House's first floor: %v", err)
	}
	from, to := store.Millis(day.Truncate(time.Hour).Add(-9*time.Hour)), store.Millis(day.AddDate(0, 0, 3))
	rows, err := r.app.db.Query(ctx, `SELECT r.name FROM workplace_resources r LEFT JOIN workplace_zones z ON z.id = r.zone_id
		WHERE r.org_id = ? AND r.floor_id = ? AND r.kind = 'desk' AND r.active = 1 AND r.x >= 0 AND COALESCE(z.unit_id, '') = ''
		AND NOT EXISTS (SELECT 1 FROM workplace_sensors s WHERE s.target_id = r.id AND s.revoked_at = 0)
		AND NOT EXISTS (SELECT 1 FROM workplace_bookings k WHERE k.resource_id = r.id AND k.start_at < ? AND k.end_at > ?)
		ORDER BY r.name LIMIT 2`, org.ID, f.floor, to, from)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if len(names) < 2 {
		t.Fatalf("the demo's first floor has %d free desks for anyone without a sensor, want 2", len(names))
	}
	f.plan, f.list = names[0], names[1]
	return f
}

// dayFigures reads the booked and used desks of one day from the
// utilisation page's daily table.
func dayFigures(t *testing.T, ctx context.Context, day time.Time) (booked, used int) {
	t.Helper()
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`(() => {
		const row = Array.from(document.querySelectorAll("#daily-heading ~ * table tr, section[aria-labelledby=daily-heading] table tr"))
			.find(tr => tr.cells[0] && tr.cells[0].textContent.trim() === %q);
		return row ? Array.from(row.cells).map(c => c.textContent.trim()) : [];
	})()`, day.Format("Mon 2 Jan"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) < 3 {
		t.Fatalf("the utilisation page has no row for %s: %q", day.Format("Mon 2 Jan"), text(t, ctx, "main"))
	}
	if booked, err = strconv.Atoi(cells[1]); err == nil {
		used, err = strconv.Atoi(cells[2])
	}
	if err != nil {
		t.Fatalf("the row for %s reads %q", day.Format("Mon 2 Jan"), cells)
	}
	return booked, used
}

func (j *journey) bookDesks(t *testing.T, morning time.Time) {
	r := j.r
	f := findDesks(t, r, morning)
	// Thursday: the demo gave Jo a desk for Wednesday already, and one
	// person holds one desk at a time.
	today, thursday := morning.Format("2006-01-02"), morning.AddDate(0, 0, 2).Format("2006-01-02")

	// Signed out, a booking page asks you to sign in.
	anon := browsertest.New(t, j.js)
	open(t, anon, r.url+"/bookings")
	if u := location(t, anon); !strings.Contains(u, "/sign-in") {
		t.Fatalf("signed out, /bookings went to %s", u)
	}

	kim := j.as(t, "stores@kent.example")
	figures := fmt.Sprintf("%s/utilisation?building=%s&from=%s&to=%s", r.url, f.building, today, today)
	open(t, kim, figures)
	booked0, used0 := dayFigures(t, kim, morning)

	jo := j.as(t, "staff@kent.example")
	open(t, jo, r.url+"/workplace")
	if h := text(t, jo, "main h1"); h != "Workplace" {
		t.Fatalf("workplace home: %q", h)
	}
	j.check(t, jo, "workplace home")
	do(t, jo, "book a desk", chromedp.Click(chromedp.CSS(`main a[href="/resources?kind=desk"]`)), chromedp.WaitVisible(chromedp.CSS(`main form[action="/resources"]`)))
	j.check(t, jo, "find a desk")

	// From the floor plan: the desk's marker is a link named for the desk
	// and its state.
	open(t, jo, r.url+"/floors/"+f.floor+"/book?date="+today)
	marker := fmt.Sprintf(`main a.wp-marker[aria-label=%q]`, f.plan+", free")
	if n := countOf(t, jo, marker); n != 1 {
		t.Fatalf("the plan has %d markers %q; it reads:\n%s", n, f.plan+", free", text(t, jo, "main"))
	}
	j.check(t, jo, "first floor plan")
	do(t, jo, "choose "+f.plan+" on the plan", chromedp.Click(chromedp.CSS(marker)), chromedp.WaitVisible(chromedp.CSS(`main form[action="/bookings"]`)))
	if h := text(t, jo, "main h1"); h != "Book "+f.plan {
		t.Fatalf("booking form heading %q", h)
	}
	if v := value(t, jo, "#date"); v != today {
		t.Fatalf("the booking form's date is %q, want %s", v, today)
	}
	j.check(t, jo, "book a desk")
	submitAndWait(t, jo, `main form[action="/bookings"]`, "main h1")
	if h, page := text(t, jo, "main h1"), text(t, jo, "main"); h != f.plan || !strings.Contains(page, "Booked") {
		t.Fatalf("after booking, the page reads %q:\n%s", h, page)
	}
	j.check(t, jo, "desk booked")

	// Checking in on arrival.
	submitAndWait(t, jo, `main form[action$="/check-in"]`, "main h1")
	if page := text(t, jo, "main"); !strings.Contains(page, "Checked in") || !strings.Contains(page, "09:") {
		t.Fatalf("after checking in, the page reads:\n%s", page)
	}

	// From the list, for Thursday: the same desks as a table, each with
	// its own Book button.
	open(t, jo, fmt.Sprintf("%s/resources?go=1&kind=desk&date=%s&building=%s&floor=%s", r.url, thursday, f.building, f.floor))
	j.check(t, jo, "desks free on Thursday")
	book := fmt.Sprintf(`(Array.from(document.querySelectorAll("main table tr")).find(tr => tr.cells[0] && tr.cells[0].textContent.trim() === %q) || {querySelector: () => null}).querySelector("a.govuk-button")?.getAttribute("href") || ""`, f.list)
	href, err := chromedp.Run(jo, chromedp.Evaluate[string](book))
	if err != nil || href == "" {
		t.Fatalf("no Book button beside %s (%v):\n%s", f.list, err, text(t, jo, "main"))
	}
	open(t, jo, r.url+href)
	if v := value(t, jo, "#date"); v != thursday {
		t.Fatalf("the booking form's date is %q, want %s", v, thursday)
	}
	submitAndWait(t, jo, `main form[action="/bookings"]`, "main h1")
	if h := text(t, jo, "main h1"); h != f.list {
		t.Fatalf("after booking from the list, the page reads %q", h)
	}
	thursdayBooking := location(t, jo)

	// Both in her bookings.
	open(t, jo, r.url+"/bookings")
	if page := text(t, jo, "main"); !strings.Contains(page, f.plan) || !strings.Contains(page, f.list) {
		t.Fatalf("her bookings read:\n%s", page)
	}
	j.check(t, jo, "your bookings")

	// Cancelling asks first: the booking's button leads to a page saying
	// what goes, whose form cancels it (or "No, go back").
	open(t, jo, thursdayBooking)
	do(t, jo, "cancel the Thursday booking", chromedp.Click(chromedp.CSS(`main a[href$="/cancel"]`)), chromedp.WaitVisible(chromedp.CSS(`main form[action$="/cancel"] button`)))
	if h, page := text(t, jo, "main h1"), text(t, jo, "main"); h != "Cancel your booking?" || !strings.Contains(page, f.list) || !strings.Contains(page, "No, go back") {
		t.Fatalf("the cancel page reads %q:\n%s", h, page)
	}
	j.check(t, jo, "cancel a booking")
	submitAndWait(t, jo, `main form[action$="/cancel"] button`, "main h1")
	if page := text(t, jo, "main"); !strings.Contains(page, "Booking cancelled") {
		t.Fatalf("after cancelling, the page reads:\n%s", page)
	}

	// The workplace manager sees the morning's booking and check-in.
	open(t, kim, figures)
	booked1, used1 := dayFigures(t, kim, morning)
	if booked1 != booked0+1 || used1 != used0+1 {
		t.Fatalf("%s: booked %d -> %d, used %d -> %d; want each one more", today, booked0, booked1, used0, used1)
	}
	j.check(t, kim, "utilisation")

	// Withdrawing a desk asks first too, saying which bookings go.
	var deskID string
	if err := r.app.db.QueryRow(context.Background(), `SELECT id FROM workplace_resources WHERE floor_id = ? AND name = ?`, f.floor, f.list).Scan(&deskID); err != nil {
		t.Fatal(err)
	}
	open(t, kim, r.url+"/resources/"+deskID+"/edit")
	do(t, kim, "withdraw "+f.list, chromedp.Click(chromedp.CSS(`main a[href$="/withdraw"]`)), chromedp.WaitVisible(chromedp.CSS(`main form[action$="/withdraw"] button`)))
	if h := text(t, kim, "main h1"); h != "Withdraw "+f.list+"?" {
		t.Fatalf("the withdraw page reads %q", h)
	}
	j.check(t, kim, "withdraw a desk")

	// The floor's page lists the bookings that would go (the demo's, on
	// later days; Jo, checked in, keeps hers) in a captioned table with
	// column headers, scrolling in its own labelled box, and still fits
	// 320 px. It is only asked, not done.
	open(t, kim, r.url+"/floors/"+f.floor+"/withdraw")
	const wrapped = "main .dbtp-table-wrap[role=region][aria-label] table caption"
	if countOf(t, kim, wrapped) != 1 {
		t.Fatalf("the floor's withdraw page has no captioned table in a labelled region:\n%s", text(t, kim, "main"))
	}
	// The region is a Tab stop without scripts; with them (table-wrap.js)
	// only while it scrolls, which at 1280 px it does not.
	stops := countOf(t, kim, "main .dbtp-table-wrap[tabindex='0']")
	if none := countOf(t, kim, "main .dbtp-table-wrap:not([tabindex])"); j.js && (stops != 0 || none != 1) || !j.js && stops != 1 {
		t.Fatalf("the withdraw page's table region: %d Tab stops, %d without (scripts %v)", stops, none, j.js)
	}
	caption := text(t, kim, wrapped)
	if cols := countOf(t, kim, "main table th[scope=col]"); caption != "Bookings to be cancelled" || cols != 3 || countOf(t, kim, "main table tbody tr") == 0 {
		t.Fatalf("the floor's withdraw page has a table captioned %q with %d column headers:\n%s", caption, cols, text(t, kim, "main"))
	}
	j.check(t, kim, "withdraw a floor")
}
