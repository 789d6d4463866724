package workplaceweb

import (
	"fmt"
	"net/http"
	"time"

	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// Changes that cannot be taken back (cancelling bookings, withdrawing a
// desk with its bookings, revoking a sensor) ask first: the button that
// would do it leads to a page saying what will happen and to how many,
// whose form does it, with "No, go back" beside it. The page is a GET and
// a form, so it works without JavaScript, and its form carries the CSRF
// token as every form does. A POST of the change without confirm=yes (a
// page from before, a form of another site's making) is answered with
// the same page: nothing is changed in one click.

// confirmPage is the data of workplace/confirm.
type confirmPage struct {
	Caption string
	Heading string
	Lead    []string // paragraphs before the warning
	Warning string   // what will happen, and to how many
	Table   web.Table
	More    int      // rows left out of the table
	After   []string // paragraphs after the table
	Action  string   // where the form posts
	Hidden  []hidden
	Button  string
	Back    string // "No, go back"
}

type hidden struct{ Name, Value string }

// confirmRows bounds the table of a confirmation page.
const confirmRows = 50

// confirmed reports whether a POST is the confirmation page's own.
func confirmed(r *http.Request) bool { return r.PostFormValue("confirm") == "yes" }

func renderConfirm(w http.ResponseWriter, r *http.Request, pg confirmPage) error {
	return web.Render(w, r, http.StatusOK, "workplace/confirm", pg)
}

// plural is "1 booking" or "3 bookings".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// bookingsTable lists bookings for a confirmation page: when, what and,
// when withWho, whose.
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
