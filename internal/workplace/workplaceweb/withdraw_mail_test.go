package workplaceweb

import (
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// Each booker of a withdrawn desk is told through the module's own path:
// the cancellation is published in the withdrawal's write and emailed as
// an iCalendar CANCEL that says why.
func TestWithdrawalEmailsTheBooker(t *testing.T) {
	storetest.Each(t, calMods, func(t *testing.T, db *store.DB) {
		e := newCalEnv(t, db, nil, true)
		res, err := e.m.ws.Book(e.ctx, e.subject("Jo"), workplace.BookInput{ResourceID: e.desk.ID, Date: "2026-06-02"})
		calNoErr(t, err)
		e.runJobs()
		if ms := e.smtp.Messages(); len(ms) != 1 || readInvite(t, ms[0].Data).method != "REQUEST" {
			t.Fatalf("before: %d messages", len(ms))
		}
		kim := e.browser("Kim")
		if r := kim.PostForm("/resources/"+e.desk.ID+"/withdraw", url.Values{"confirm": {"yes"}}); r.Status != 303 {
			t.Fatalf("withdraw: %d\n%s", r.Status, r.Body)
		}
		e.runJobs()
		ms := e.smtp.Messages()
		if len(ms) != 2 || ms[1].To[0] != "jo@northshire.example" {
			t.Fatalf("after: %+v", ms)
		}
		inv := readInvite(t, ms[1].Data)
		ev := eventOf(t, inv.calendar)
		if inv.method != "CANCEL" || !strings.HasPrefix(inv.subject, "Booking cancelled: Desk 2.14") ||
			!strings.Contains(inv.text, "This booking was cancelled: Desk 2.14 was withdrawn.") ||
			!strings.Contains(propText(t, ev, "DESCRIPTION"), "Desk 2.14 was withdrawn") || propText(t, ev, "UID") != res.Bookings[0].ID+"@dbtp.northshire.example" {
			t.Fatalf("cancellation %s %q:\n%s", inv.method, inv.subject, inv.text)
		}
	})
}
