package workplace

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// insertBooking writes a booking row as the bookings engine would (the
// calendar reads bookings; it does not make them).
func (e *env) insertBooking(org, resourceID string, who *platform.Subject, start time.Time, d time.Duration, status, title string) string {
	e.t.Helper()
	id := platform.NewID("bkg")
	now := store.Millis(e.clock.Now())
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, `INSERT INTO workplace_bookings (id, org_id, resource_id, person_id, person_name, start_at, end_at, status, title, sequence, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, org, resourceID, who.UserID, who.Name, store.Millis(start), store.Millis(start.Add(d)), status, title, 1, now, now)
		return err
	}))
	return id
}

func (e *env) auditCount(action string) int {
	e.t.Helper()
	var n int
	noErr(e.t, e.db.QueryRow(e.ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = ?`, action).Scan(&n))
	return n
}

func ids(es []CalendarEntry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.ID)
	}
	return strings.Join(s, " ")
}

func TestCalendarFeed(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		day := 24 * time.Hour
		mine := e.insertBooking(e.org.ID, s.desk1.ID, e.sid, start.Add(day), 8*time.Hour, StatusConfirmed, "")
		room := e.insertBooking(e.org.ID, s.room.ID, e.sid, start.Add(2*day), time.Hour, StatusRequested, "Budget review")
		past := e.insertBooking(e.org.ID, s.desk2.ID, e.sid, start.Add(-20*day), 8*time.Hour, StatusCheckedIn, "")
		e.insertBooking(e.org.ID, s.desk2.ID, e.sid, start.Add(-40*day), 8*time.Hour, StatusCheckedIn, "") // too long ago
		e.insertBooking(e.org.ID, s.desk2.ID, e.sid, start.Add(400*day), 8*time.Hour, StatusConfirmed, "") // too far ahead
		e.insertBooking(e.org.ID, s.desk2.ID, e.sid, start.Add(3*day), 8*time.Hour, StatusCancelled, "")
		e.insertBooking(e.org.ID, s.desk2.ID, e.ann, start.Add(day), 8*time.Hour, StatusConfirmed, "") // someone else's

		_, ok, err := e.ws.CalendarFeedOf(e.ctx, e.sid)
		noErr(t, err)
		if ok {
			t.Fatal("a feed before one was made")
		}
		token, feed, err := e.ws.NewCalendarFeed(e.ctx, e.sid)
		noErr(t, err)
		got, entries, err := e.ws.FeedByToken(e.ctx, token)
		noErr(t, err)
		if got.ID != feed.ID || got.PersonID != e.sid.UserID {
			t.Fatalf("feed %+v", got)
		}
		if want := past + " " + mine + " " + room; ids(entries) != want {
			t.Fatalf("feed holds %s, want %s", ids(entries), want)
		}
		r := entries[2]
		if r.Place() != "Medway Room, First floor, County Hall" || !r.Video() || r.Title != "Budget review" || r.Status != StatusRequested || r.Sequence != 1 {
			t.Fatalf("room entry %+v", r)
		}
		if entries[1].Video() || entries[1].Address != "County Road, Northshire" {
			t.Fatalf("desk entry %+v", entries[1])
		}
		if f, ok, err := e.ws.CalendarFeedOf(e.ctx, e.sid); err != nil || !ok || f.ID != feed.ID {
			t.Fatalf("feed of sid: %+v %v %v", f, ok, err)
		}

		// A wrong, malformed or revoked token opens nothing, alike.
		id, secret, _ := strings.Cut(token, ".")
		flipped := []byte(secret)
		flipped[0] ^= 1
		for _, bad := range []string{"", "nonsense", id, id + ".", id + "." + string(flipped), "wcf_00000000000000000000000000." + secret, token + "x"} {
			_, _, err := e.ws.FeedByToken(e.ctx, bad)
			wantCode(t, err, platform.CodeNotFound)
		}
		token2, feed2, err := e.ws.NewCalendarFeed(e.ctx, e.sid)
		noErr(t, err)
		_, _, err = e.ws.FeedByToken(e.ctx, token)
		wantCode(t, err, platform.CodeNotFound)
		if _, entries, err := e.ws.FeedByToken(e.ctx, token2); err != nil || len(entries) != 3 {
			t.Fatalf("new feed: %d %v", len(entries), err)
		}
		if e.auditCount("workplace.calendar_feed_create") != 1 || e.auditCount("workplace.calendar_feed_regenerate") != 1 {
			t.Fatal("feed creation and regeneration not audited")
		}
		var hash string
		noErr(t, db.QueryRow(e.ctx, `SELECT secret_hash FROM workplace_calendar_feeds WHERE id = ?`, feed2.ID).Scan(&hash))
		if strings.Contains(token2, hash) || strings.Contains(hash, strings.SplitN(token2, ".", 2)[1]) {
			t.Fatal("the secret is stored")
		}
		noErr(t, e.ws.StopCalendarFeed(e.ctx, e.sid))
		_, _, err = e.ws.FeedByToken(e.ctx, token2)
		wantCode(t, err, platform.CodeNotFound)

		// Another organisation's person sees their own bookings only, even
		// a row of this council's that names them.
		otherOrg := e.other.OrgID
		boss := &platform.Subject{Kind: platform.SubjectUser, UserID: e.other.UserID, Name: e.other.Name, OrgID: otherOrg, Roles: e.other.Roles}
		e.insertBooking(e.org.ID, s.desk1.ID, boss, start.Add(day), time.Hour, StatusConfirmed, "")
		tokB, _, err := e.ws.NewCalendarFeed(e.ctx, boss)
		noErr(t, err)
		if _, entries, err := e.ws.FeedByToken(e.ctx, tokB); err != nil || len(entries) != 0 {
			t.Fatalf("another organisation's feed holds %s %v", ids(entries), err)
		}
		_, err = e.ws.CalendarBooking(e.ctx, otherOrg, mine)
		wantCode(t, err, platform.CodeNotFound)

		// Residents have no workplace feed.
		_, _, err = e.ws.NewCalendarFeed(e.ctx, e.rita)
		wantCode(t, err, platform.CodeForbidden)
	})
}

func TestMeetings(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		id := e.insertBooking(e.org.ID, s.room.ID, e.sid, start.Add(time.Hour), time.Hour, StatusConfirmed, "Stand-up")
		if _, ok, err := e.ws.MeetingFor(e.ctx, e.org.ID, id); err != nil || ok {
			t.Fatalf("meeting before one was made: %v %v", ok, err)
		}
		m := Meeting{BookingID: id, OrgID: e.org.ID, MeetingID: "MSo123", JoinURL: "https://teams.example/join/1", Organizer: "rooms@x",
			Subject: "Stand-up", Start: start.Add(time.Hour), End: start.Add(2 * time.Hour)}
		noErr(t, e.ws.SaveMeeting(e.ctx, m, nil))
		b, err := e.ws.CalendarBooking(e.ctx, e.org.ID, id)
		noErr(t, err)
		if b.JoinURL != m.JoinURL {
			t.Fatalf("entry %+v", b)
		}
		m.Deleted = true
		noErr(t, e.ws.SaveMeeting(e.ctx, m, nil))
		got, ok, err := e.ws.MeetingFor(e.ctx, e.org.ID, id)
		if err != nil || !ok || !got.Deleted || got.MeetingID != "MSo123" || !got.Start.Equal(m.Start) {
			t.Fatalf("%+v %v %v", got, ok, err)
		}
		if b, _ := e.ws.CalendarBooking(e.ctx, e.org.ID, id); b.JoinURL != "" {
			t.Fatal("a deleted meeting's link is still shown")
		}
		if e.auditCount("workplace.meeting_create") != 1 || e.auditCount("workplace.meeting_delete") != 1 {
			t.Fatal("meetings not audited")
		}
	})
}

// A meeting is asked for under an external ID recorded first: asking
// again finds the same one until the meeting is saved, and after it is
// deleted a new meeting gets a new ID.
func TestMeetingIntent(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		id := e.insertBooking(e.org.ID, s.room.ID, e.sid, start.Add(time.Hour), time.Hour, StatusConfirmed, "Stand-up")
		ext, err := e.ws.MeetingIntent(e.ctx, e.org.ID, id, "rooms@x")
		noErr(t, err)
		if again, err := e.ws.MeetingIntent(e.ctx, e.org.ID, id, "rooms@x"); err != nil || again != ext || ext == "" {
			t.Fatalf("intent %q then %q %v", ext, again, err)
		}
		m, ok, err := e.ws.MeetingFor(e.ctx, e.org.ID, id)
		if err != nil || !ok || m.Deleted || m.MeetingID != "" || m.ExternalID != ext {
			t.Fatalf("an intent reads %+v %v %v", m, ok, err)
		}
		if b, _ := e.ws.CalendarBooking(e.ctx, e.org.ID, id); b.JoinURL != "" {
			t.Fatal("an intent has a join link")
		}
		m = Meeting{BookingID: id, OrgID: e.org.ID, MeetingID: "MSo123", ExternalID: ext, JoinURL: "https://teams.example/join/1", Organizer: "rooms@x",
			Subject: "Stand-up", Start: start.Add(time.Hour), End: start.Add(2 * time.Hour)}
		noErr(t, e.ws.SaveMeeting(e.ctx, m, nil))
		if e.auditCount("workplace.meeting_create") != 1 || e.auditCount("workplace.meeting_update") != 0 {
			t.Fatal("saving the meeting asked for is its making")
		}
		_, err = e.ws.MeetingIntent(e.ctx, e.org.ID, id, "rooms@x")
		noErr(t, err) // the live meeting's own ID, not a new one
		if got, _, _ := e.ws.MeetingFor(e.ctx, e.org.ID, id); got.MeetingID != "MSo123" || got.ExternalID != ext {
			t.Fatalf("asking again over a saved meeting changed it: %+v", got)
		}
		m.Deleted = true
		noErr(t, e.ws.SaveMeeting(e.ctx, m, nil))
		next, err := e.ws.MeetingIntent(e.ctx, e.org.ID, id, "rooms@x")
		noErr(t, err)
		if got, _, _ := e.ws.MeetingFor(e.ctx, e.org.ID, id); next == ext || got.Deleted || got.MeetingID != "" || got.ExternalID != next {
			t.Fatalf("after deletion: %q, %+v", next, got)
		}
	})
}
