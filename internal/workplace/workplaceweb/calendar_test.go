package workplaceweb

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/msgraph/msgraphtest"
)

func TestInvitations(t *testing.T) {
	storetest.Each(t, calMods, func(t *testing.T, db *store.DB) {
		e := newCalEnv(t, db, nil, true)
		start := calStart.Add(24 * time.Hour) // Tuesday 2 June, 08:00 in London
		id := e.book(e.desk, "Jo", start, 9*time.Hour, workplace.StatusConfirmed, "")
		e.runJobs()
		ms := e.smtp.Messages()
		if len(ms) != 1 || ms[0].To[0] != "jo@northshire.example" {
			t.Fatalf("messages %+v", ms)
		}
		inv := readInvite(t, ms[0].Data)
		if inv.method != "REQUEST" || inv.calendar.Props.Get("METHOD").Value != "REQUEST" {
			t.Fatalf("method %q", inv.method)
		}
		if !strings.HasPrefix(inv.subject, "Booking confirmed: Desk 2.14, Tue 2 Jun 2026, 08:00 to 17:00") || !strings.Contains(inv.text, "(UK time)") {
			t.Errorf("subject %q text %q", inv.subject, inv.text)
		}
		if !bytes.Equal(inv.attachment, []byte(inv.calendar.Props.Get("PRODID").Value)) && !bytes.Contains(inv.attachment, []byte("UID:"+id+"@dbtp.northshire.example")) {
			t.Errorf("attachment %s", inv.attachment)
		}
		ev := eventOf(t, inv.calendar)
		if got := propText(t, ev, "UID"); got != id+"@dbtp.northshire.example" {
			t.Errorf("UID %q", got)
		}
		if s, _ := ev.DateTimeStart(nil); !s.Equal(start) {
			t.Errorf("DTSTART %v", s)
		}
		if end, _ := ev.DateTimeEnd(nil); !end.Equal(start.Add(9 * time.Hour)) {
			t.Errorf("DTEND %v", end)
		}
		if st, _ := ev.Status(); st != goical.EventConfirmed {
			t.Errorf("STATUS %v", st)
		}
		if got := propText(t, ev, "LOCATION"); got != "Desk 2.14, Second floor, Sessions House" {
			t.Errorf("LOCATION %q", got)
		}
		if got := propText(t, ev, "DESCRIPTION"); !strings.Contains(got, "County Road, Maidstone ME14 1XQ") || !strings.Contains(got, "https://dbtp.northshire.example/bookings/"+id) {
			t.Errorf("DESCRIPTION %q", got)
		}
		if a := ev.Props.Get("ATTENDEE"); a == nil || a.Value != "mailto:jo@northshire.example" || a.Params.Get("CN") != "Jo Baker" {
			t.Errorf("ATTENDEE %+v", a)
		}
		if o := ev.Props.Get("ORGANIZER"); o == nil || o.Value != "mailto:noreply@dbtp.northshire.example" {
			t.Errorf("ORGANIZER %+v", o)
		}
		if u := ev.Props.Get("URL"); u == nil || u.Value != "https://dbtp.northshire.example/bookings/"+id {
			t.Errorf("URL %+v", u)
		}

		// The same state told again sends nothing more.
		calNoErr(t, e.db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := e.bus.Publish(e.ctx, tx, e.org.ID, workplace.EventBooking, id, workplace.BookingEvent{BookingID: id, Change: "created"})
			return err
		}))
		e.runJobs()
		if n := len(e.smtp.Messages()); n != 1 {
			t.Fatalf("a repeated event sent %d messages", n)
		}

		// Moved: a new request with the next SEQUENCE and the same UID.
		e.change(id, "changed", workplace.StatusConfirmed, start.Add(24*time.Hour), 4*time.Hour)
		e.runJobs()
		ms = e.smtp.Messages()
		if len(ms) != 2 {
			t.Fatalf("%d messages", len(ms))
		}
		ev = eventOf(t, readInvite(t, ms[1].Data).calendar)
		if seq, _ := ev.Props.Get("SEQUENCE").Int(); seq != 1 || propText(t, ev, "UID") != id+"@dbtp.northshire.example" {
			t.Errorf("changed: %+v", ev.Props)
		}
		// Cancelled: a CANCEL of the same UID.
		e.change(id, "cancelled", workplace.StatusCancelled, start.Add(24*time.Hour), 4*time.Hour)
		e.runJobs()
		ms = e.smtp.Messages()
		if len(ms) != 3 {
			t.Fatalf("%d messages", len(ms))
		}
		inv = readInvite(t, ms[2].Data)
		ev = eventOf(t, inv.calendar)
		if seq, _ := ev.Props.Get("SEQUENCE").Int(); inv.method != "CANCEL" || seq != 2 || ev.Props.Get("STATUS").Value != "CANCELLED" ||
			!strings.HasPrefix(inv.subject, "Booking cancelled") {
			t.Errorf("cancelled: %s %+v", inv.method, ev.Props)
		}

		// A room waiting for approval is tentative, and without Graph the
		// invitation says no Teams link is made.
		room := e.book(e.room, "Jo", start, time.Hour, workplace.StatusRequested, "Budget review; Q1, 2026")
		// On a waiting list: nothing to put in a calendar yet.
		e.book(e.room, "Ann", start, time.Hour, workplace.StatusWaiting, "")
		e.runJobs()
		ms = e.smtp.Messages()
		if len(ms) != 4 {
			t.Fatalf("%d messages", len(ms))
		}
		inv = readInvite(t, ms[3].Data)
		ev = eventOf(t, inv.calendar)
		if st, _ := ev.Status(); st != goical.EventTentative || propText(t, ev, "SUMMARY") != "Budget review; Q1, 2026 (Medway Room)" ||
			!strings.HasPrefix(inv.subject, "Booking requested") {
			t.Errorf("requested room: %q %+v", inv.subject, ev.Props)
		}
		e.change(room, "approved", workplace.StatusConfirmed, start, time.Hour)
		e.runJobs()
		ms = e.smtp.Messages()
		ev = eventOf(t, readInvite(t, ms[len(ms)-1].Data).calendar)
		if len(ms) != 5 || !strings.Contains(propText(t, ev, "DESCRIPTION"), "no Teams meeting link") || ev.Props.Get("X-MICROSOFT-SKYPETEAMSMEETINGURL") != nil {
			t.Errorf("approved room without Graph: %d %q", len(ms), propText(t, ev, "DESCRIPTION"))
		}
	})
}

// Without a mail relay the invitation waits, queued, for a node with one
// (as the services' email does), and is sent by it.
func TestInvitationWithoutRelay(t *testing.T) {
	storetest.Each(t, calMods, func(t *testing.T, db *store.DB) {
		e := newCalEnv(t, db, nil, false)
		e.book(e.desk, "Jo", calStart.Add(24*time.Hour), time.Hour, workplace.StatusConfirmed, "")
		e.runJobs()
		var n int
		calNoErr(t, db.QueryRow(e.ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'workplace.invitation' AND state = 'available'`).Scan(&n))
		if n != 1 || len(e.smtp.Messages()) != 0 {
			t.Fatalf("waiting %d, sent %d", n, len(e.smtp.Messages()))
		}
		// A second node, with a relay, on the same database sends it.
		withRelay := newCalEnvOn(t, e, nil, true)
		withRelay.runJobs()
		if ms := e.smtp.Messages(); len(ms) != 0 || len(withRelay.smtp.Messages()) != 1 {
			t.Fatalf("sent %d and %d", len(ms), len(withRelay.smtp.Messages()))
		}
	})
}

func TestOnlineMeetings(t *testing.T) {
	storetest.Each(t, calMods, func(t *testing.T, db *store.DB) {
		g := msgraphtest.New(t)
		e := newCalEnv(t, db, g.Env(), true)
		if !e.m.calendar.MeetingsOn() {
			t.Fatal("meetings off with Graph configured")
		}
		start := calStart.Add(48 * time.Hour)
		id := e.book(e.room, "Jo", start, time.Hour, workplace.StatusConfirmed, "Budget review")
		e.book(e.desk, "Jo", start, time.Hour, workplace.StatusConfirmed, "") // a desk: no meeting
		e.runJobs()
		ms := g.Meetings()
		if len(ms) != 1 || ms[0].Subject != "Budget review" || !ms[0].Start.Equal(start) || !ms[0].End.Equal(start.Add(time.Hour)) {
			t.Fatalf("meetings %+v", ms)
		}
		join := ms[0].JoinWebURL
		var inv invite
		for _, m := range e.smtp.Messages() {
			if i := readInvite(t, m.Data); strings.Contains(i.subject, "Medway Room") {
				inv = i
			}
		}
		ev := eventOf(t, inv.calendar)
		if propText(t, ev, "X-MICROSOFT-SKYPETEAMSMEETINGURL") != join || !strings.Contains(propText(t, ev, "DESCRIPTION"), join) ||
			!strings.Contains(inv.text, join) {
			t.Fatalf("invitation without the join link %s: %+v", join, ev.Props)
		}

		// Moved: the meeting moves with it, keeping its link.
		e.change(id, "changed", workplace.StatusConfirmed, start.Add(2*time.Hour), 30*time.Minute)
		e.runJobs()
		ms = g.Meetings()
		if len(ms) != 1 || !ms[0].Start.Equal(start.Add(2*time.Hour)) || !ms[0].End.Equal(start.Add(150*time.Minute)) || g.Requests("PATCH meetings") != 1 {
			t.Fatalf("after the move %+v", ms)
		}
		last := e.smtp.Messages()
		ev = eventOf(t, readInvite(t, last[len(last)-1].Data).calendar)
		if seq, _ := ev.Props.Get("SEQUENCE").Int(); seq != 1 || propText(t, ev, "X-MICROSOFT-SKYPETEAMSMEETINGURL") != join {
			t.Fatalf("moved invitation %+v", ev.Props)
		}

		// The feed carries the link too.
		token, _, err := e.m.ws.NewCalendarFeed(e.ctx, e.subject("Jo"))
		calNoErr(t, err)
		r := e.srv.Browser().Get("/calendar/" + token + ".ics")
		cal, err := goical.NewDecoder(strings.NewReader(r.Body)).Decode()
		calNoErr(t, err)
		found := false
		for _, ev := range cal.Events() {
			if propText(t, ev, "UID") == id+"@dbtp.northshire.example" {
				found = propText(t, ev, "X-MICROSOFT-SKYPETEAMSMEETINGURL") == join
			}
		}
		if !found {
			t.Fatalf("feed without the link: %s", r.Body)
		}

		// Cancelled: the meeting is deleted and a cancellation sent.
		e.change(id, "cancelled", workplace.StatusCancelled, start.Add(2*time.Hour), 30*time.Minute)
		e.runJobs()
		if ms := g.Meetings(); !ms[0].Deleted || g.Requests("DELETE meetings") != 1 {
			t.Fatalf("after cancelling %+v", ms)
		}
		last = e.smtp.Messages()
		if inv := readInvite(t, last[len(last)-1].Data); inv.method != "CANCEL" {
			t.Fatalf("last message %s", inv.subject)
		}
		if g.Requests("POST createOrGet") != 1 || len(g.Meetings()) != 1 {
			t.Fatalf("%d meetings asked for, %d made", g.Requests("POST createOrGet"), len(g.Meetings()))
		}
		b := e.browser("Jo").Get("/bookings/calendar")
		if !strings.Contains(b.Body, "a Microsoft Teams meeting is made for it") {
			t.Error("the page does not say meetings are made")
		}
	})
}

var feedURL = regexp.MustCompile(`https://dbtp\.northshire\.example/calendar/([A-Za-z0-9_.-]+)\.ics`)

func TestFeedPages(t *testing.T) {
	storetest.Each(t, calMods, func(t *testing.T, db *store.DB) {
		e := newCalEnv(t, db, nil, false)
		jo := e.browser("Jo")
		r := jo.Get("/bookings/calendar")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "You have no calendar feed yet") || !strings.Contains(r.Body, "Teams meeting links are not made") {
			t.Fatalf("page %d %s", r.Status, r.Body)
		}
		r = jo.PostForm("/bookings/calendar", nil)
		m := feedURL.FindStringSubmatch(r.Body)
		if r.Status != http.StatusOK || m == nil {
			t.Fatalf("after making a feed %d: %s", r.Status, r.Body)
		}
		token := m[1]
		if r := jo.Get("/bookings/calendar"); !strings.Contains(r.Body, "You made a calendar feed on") || strings.Contains(r.Body, token) {
			t.Fatalf("the address is shown again: %s", r.Body)
		}
		mine := e.book(e.desk, "Jo", calStart.Add(24*time.Hour), 8*time.Hour, workplace.StatusConfirmed, "")
		room := e.book(e.room, "Jo", calStart.Add(48*time.Hour), time.Hour, workplace.StatusRequested, "Team, meeting; \"quarterly\"")
		e.book(e.desk, "Ann", calStart.Add(48*time.Hour), 8*time.Hour, workplace.StatusConfirmed, "")

		anon := e.srv.Browser()
		r = anon.Get("/calendar/" + token + ".ics")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" ||
			r.Header.Get("Cache-Control") != "private, max-age=300" || r.Header.Get("ETag") == "" {
			t.Fatalf("feed %d %v", r.Status, r.Header)
		}
		cal, err := goical.NewDecoder(strings.NewReader(r.Body)).Decode()
		calNoErr(t, err)
		if cal.Props.Get("METHOD") != nil {
			t.Error("a feed with a METHOD")
		}
		var uids []string
		for _, ev := range cal.Events() {
			uids = append(uids, propText(t, ev, "UID"))
			if ev.Props.Get("ATTENDEE") != nil {
				t.Error("a feed event names attendees")
			}
		}
		if strings.Join(uids, " ") != mine+"@dbtp.northshire.example "+room+"@dbtp.northshire.example" {
			t.Fatalf("feed holds %v", uids)
		}
		if got := propText(t, cal.Events()[1], "SUMMARY"); got != "Team, meeting; \"quarterly\" (Medway Room)" {
			t.Errorf("SUMMARY %q", got)
		}
		// Nothing changed: the poll costs no body.
		r2 := anon.Do("GET", "/calendar/"+token+".ics", nil, http.Header{"If-None-Match": {r.Header.Get("ETag")}})
		if r2.Status != http.StatusNotModified || r2.Body != "" {
			t.Fatalf("conditional poll %d", r2.Status)
		}

		// A new address revokes the old.
		r = jo.PostForm("/bookings/calendar", nil)
		m = feedURL.FindStringSubmatch(r.Body)
		if m == nil || m[1] == token {
			t.Fatalf("no new address: %s", r.Body)
		}
		if r := anon.Get("/calendar/" + token + ".ics"); r.Status != http.StatusNotFound {
			t.Fatalf("old address answers %d", r.Status)
		}
		if r := anon.Get("/calendar/" + m[1] + ".ics"); r.Status != http.StatusOK {
			t.Fatalf("new address answers %d", r.Status)
		}
		for _, bad := range []string{"/calendar/nonsense.ics", "/calendar/" + m[1], "/calendar/" + m[1] + "x.ics"} {
			if r := anon.Get(bad); r.Status != http.StatusNotFound {
				t.Errorf("%s answers %d", bad, r.Status)
			}
		}
		// Someone who leaves loses their feed with their account.
		calNoErr(t, e.id.DisableUser(e.ctx, platform.System(e.org.ID), e.users["Jo"].ID))
		if r := anon.Get("/calendar/" + m[1] + ".ics"); r.Status != http.StatusNotFound {
			t.Fatalf("a disabled person's feed answers %d", r.Status)
		}
		calNoErr(t, e.id.EnableUser(e.ctx, platform.System(e.org.ID), e.users["Jo"].ID))
		if r := anon.Get("/calendar/" + m[1] + ".ics"); r.Status != http.StatusOK {
			t.Fatalf("back again, the feed answers %d", r.Status)
		}
		jo = e.browser("Jo")
		// Stopped: the address answers 404.
		r = jo.PostForm("/bookings/calendar/stop", nil)
		if r.Status != http.StatusOK && r.Status != http.StatusSeeOther {
			t.Fatalf("stop %d", r.Status)
		}
		if r := anon.Get("/calendar/" + m[1] + ".ics"); r.Status != http.StatusNotFound {
			t.Fatalf("stopped address answers %d", r.Status)
		}
		// Residents have no workplace calendar; signed-out visitors sign in.
		if r := e.browser("Rita").Get("/bookings/calendar"); r.Status != http.StatusForbidden {
			t.Errorf("resident %d", r.Status)
		}
		if r := anon.PostForm("/bookings/calendar", nil); r.Status == http.StatusOK {
			t.Errorf("signed out: %d", r.Status)
		}
	})
}

// TestVideoRoomPagesSayTheMeeting: booking a room with video
// conferencing says whether a Teams meeting comes with it, and the
// booking's page gives its join link once made; without Graph both say
// none is made, so nobody waits for a link that never comes.
func TestVideoRoomPagesSayTheMeeting(t *testing.T) {
	storetest.Each(t, calMods, func(t *testing.T, db *store.DB) {
		g := msgraphtest.New(t)
		e := newCalEnv(t, db, g.Env(), false)
		jo := e.browser("Jo")
		form := jo.Get("/bookings/new?resource_id=" + e.room.ID)
		if !strings.Contains(form.Body, "a Microsoft Teams meeting is made for your booking") {
			t.Fatalf("the form does not say a meeting is made:\n%s", form.Body)
		}
		if desk := jo.Get("/bookings/new?resource_id=" + e.desk.ID); strings.Contains(desk.Body, "Teams") {
			t.Fatalf("a desk's form talks of Teams:\n%s", desk.Body)
		}
		id := e.book(e.room, "Jo", calStart.Add(48*time.Hour), time.Hour, workplace.StatusConfirmed, "Budget review")
		if page := jo.Get("/bookings/" + id); !strings.Contains(page.Body, "A Teams meeting is being made") {
			t.Fatalf("before the job, the page says:\n%s", page.Body)
		}
		e.runJobs()
		ms := g.Meetings()
		if len(ms) != 1 {
			t.Fatalf("meetings %+v", ms)
		}
		if page := jo.Get("/bookings/" + id); !strings.Contains(page.Body, `href="`+ms[0].JoinWebURL+`"`) {
			t.Fatalf("the page has no join link %s:\n%s", ms[0].JoinWebURL, page.Body)
		}

		off := newCalEnvOn(t, e, nil, false)
		jo = off.browser("Jo")
		if form := jo.Get("/bookings/new?resource_id=" + e.room.ID); !strings.Contains(form.Body, "Teams meetings are not made for bookings on this system") {
			t.Fatalf("without Graph the form says:\n%s", form.Body)
		}
		id = off.book(e.room, "Jo", calStart.Add(72*time.Hour), time.Hour, workplace.StatusConfirmed, "Planning")
		if page := jo.Get("/bookings/" + id); !strings.Contains(page.Body, "None: Teams meetings are not made on this system") {
			t.Fatalf("without Graph the booking says:\n%s", page.Body)
		}
	})
}
