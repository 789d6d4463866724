package workplaceweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// bookingRow is a booking as pages show it, in local time.
type bookingRow struct {
	workplace.Booking
	When   string // Tuesday 3 March 2026, 08:00 to 18:00
	State  string // the status in words
	Tag    string // the tag's colour
	Series bool
	// CheckedIn is when the person checked in, local time; "" if not.
	CheckedIn string
}

// whenOf says when a booking is: Tuesday 3 March 2026, 08:00 to 18:00.
func whenOf(loc *time.Location, b workplace.Booking) string {
	a, z := b.Start.In(loc), b.End.In(loc)
	return a.Format("Monday 2 January 2006") + ", " + a.Format("15:04") + " to " + z.Format("15:04")
}

func (p *bookingsPart) row(b workplace.Booking) bookingRow {
	loc := p.ws.Location()
	r := bookingRow{Booking: b, When: whenOf(loc, b), Series: b.SeriesID != ""}
	if !b.CheckedInAt.IsZero() {
		r.CheckedIn = b.CheckedInAt.In(loc).Format("15:04 on Monday 2 January")
	}
	switch b.Status {
	case workplace.StatusConfirmed:
		r.State, r.Tag = "Booked", "govuk-tag--green"
	case workplace.StatusCheckedIn:
		r.State, r.Tag = "Checked in", "govuk-tag--blue"
	case workplace.StatusRequested:
		r.State, r.Tag = "Waiting for approval", "govuk-tag--yellow"
	case workplace.StatusWaiting:
		r.State, r.Tag = "On the waiting list", "govuk-tag--purple"
	case workplace.StatusReleased:
		r.State, r.Tag = "Released: nobody checked in", "govuk-tag--grey"
	case workplace.StatusCancelled:
		r.State, r.Tag = "Cancelled", "govuk-tag--grey"
	case workplace.StatusRejected:
		r.State, r.Tag = "Not approved", "govuk-tag--red"
	}
	return r
}

func (p *bookingsPart) rows(bs []workplace.Booking) []bookingRow {
	out := make([]bookingRow, len(bs))
	for i, b := range bs {
		out[i] = p.row(b)
	}
	return out
}

// today is the local date, as forms take it.
func (p *bookingsPart) today() string { return p.now().In(p.ws.Location()).Format("2006-01-02") }

// openDay is the day a search for kind starts on when none is asked: today
// while its bookings are still open (before the rules' closing time),
// otherwise tomorrow, so an evening's search does not show every desk as
// "that time has passed".
func (p *bookingsPart) openDay(r *http.Request, sub *platform.Subject, kind string) string {
	now := p.now().In(p.ws.Location())
	rules, err := p.ws.RulesFor(r.Context(), sub, kind)
	if err == nil && now.Hour()*60+now.Minute() >= rules.ClosesMinute {
		now = now.AddDate(0, 0, 1)
	}
	return now.Format("2006-01-02")
}

// queryForm is a GET form's state: what was asked and what to correct.
func queryForm(r *http.Request, err error) *web.Form {
	f := &web.Form{Input: r.URL.Query()}
	if err != nil {
		e := platform.AsError(err)
		f.Errors = e.Fields
		if len(f.Errors) == 0 {
			f.Message = e.Message
		}
	}
	return f
}

// bookLink is the address of the booking form for a spot.
func bookLink(resourceID string, q url.Values) string {
	v := url.Values{"resource_id": {resourceID}}
	for _, k := range []string{"date", "part", "from", "to", "attendees"} {
		if q.Get(k) != "" {
			v.Set(k, q.Get(k))
		}
	}
	return "/bookings/new?" + v.Encode()
}

// spotView is a desk or room in a list or on a plan.
type spotView struct {
	workplace.Spot
	Href       string // to book it, or to one's booking; "" when neither
	Label      string // "Desk 2.14, free"
	Class      string // the marker's class
	Features   string
	Left, Top  float64 // per cent of the plan
	FloorLabel string
}

// MarkerWord and MarkerRest split "Desk 1.05" into "Desk" and "1.05",
// so that the plan can show the number alone (a row of "Desk 1.05"s
// overlapped); names of another shape ("Medway Room") are all rest.
func (v spotView) MarkerWord() string {
	if w, _, ok := strings.Cut(v.Name, " "); ok && w == "Desk" {
		return w
	}
	return ""
}

func (v spotView) MarkerRest() string {
	if w := v.MarkerWord(); w != "" {
		return strings.TrimSpace(strings.TrimPrefix(v.Name, w))
	}
	return v.Name
}

func (p *bookingsPart) spots(spots []workplace.Spot, q url.Values, floors map[string]string) []spotView {
	out := make([]spotView, len(spots))
	for i, s := range spots {
		v := spotView{Spot: s, Label: s.Name + ", " + s.State, Class: "wp-" + strconv.Itoa(i), FloorLabel: floors[s.FloorID],
			Left: float64(s.X) / 10, Top: float64(s.Y) / 10}
		if s.Reason != "" {
			v.Label += ": " + s.Reason
		}
		switch s.State {
		case workplace.SpotFree, workplace.SpotPartly:
			v.Href = bookLink(s.ID, q)
		case workplace.SpotYours:
			v.Href = "/bookings/" + s.BookingID
		}
		for j, f := range s.Features {
			if j > 0 {
				v.Features += ", "
			}
			v.Features += featureWords[f]
		}
		out[i] = v
	}
	return out
}

var featureWords = map[string]string{
	workplace.FeatureDocking: "docking station", workplace.FeatureMonitors: "monitors", workplace.FeatureStanding: "standing desk",
	workplace.FeatureAccessible: "accessible", workplace.FeatureVideo: "video conferencing",
}

// formStatus is the status a refused form is shown again with.
func formStatus(err error) int {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid:
		return http.StatusUnprocessableEntity
	case platform.CodeConflict:
		return http.StatusConflict
	case platform.CodeForbidden:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// refusal reports whether err is one a form shows beside its fields
// rather than on an error page.
func refusal(err error) bool {
	c := platform.CodeOf(err)
	return c == platform.CodeInvalid || c == platform.CodeConflict
}

// localDay formats a day for headings.
func localDay(d string, loc *time.Location) string {
	t, err := time.ParseInLocation("2006-01-02", d, loc)
	if err != nil {
		return d
	}
	return t.Format("Monday 2 January 2006")
}

// dayAfter is the date n days after d (both YYYY-MM-DD).
func dayAfter(d string, n int) (string, error) {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return "", err
	}
	return t.AddDate(0, 0, n).Format("2006-01-02"), nil
}

// atoi reads a whole number, 0 when there is none.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// Changes that cannot be taken back (cancelling bookings, withdrawing a
// desk with its bookings, revoking a sensor) ask first, on the platform's
// question page (web.Confirm): what will happen and to how many, with the
// bookings listed, whose form does it, with "No, go back" beside it. A
// POST of the change without confirm=yes (a page from before, a form of
// another site's making) is answered with the same page: nothing is
// changed in one click.

// confirmRows bounds the table of a confirmation page.
const confirmRows = 50

// plural is "1 booking" or "3 bookings".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// bookingsTable lists bookings for a confirmation page: when, what and,
// when withWho, whose; and how many were left out.
func bookingsTable(loc *time.Location, bs []workplace.Booking, caption string, withWho bool) (web.Table, int) {
	t := web.Table{Caption: caption, Head: []web.Cell{{Text: "When"}, {Text: "Desk or room"}}}
	if withWho {
		t.Head = append(t.Head, web.Cell{Text: "Booked by"})
	}
	for i, b := range bs {
		if i == confirmRows {
			return t, len(bs) - confirmRows
		}
		row := []web.Cell{{Text: whenOf(loc, b)}, {Text: b.ResourceName}}
		if withWho {
			row = append(row, web.Cell{Text: b.PersonName})
		}
		t.Rows = append(t.Rows, row)
	}
	return t, 0
}
