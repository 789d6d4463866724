package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"dbtp/internal/workplace/ical"
)

var london, _ = time.LoadLocation("Europe/London")

// sample is an invitation to a meeting in June (British Summer Time).
func sample() *ical.Calendar {
	start := time.Date(2026, 6, 15, 9, 0, 0, 0, london)
	return &ical.Calendar{
		ProdID: "-//Kent County Council//dbtp workplace//EN",
		Method: ical.MethodRequest,
		Events: []ical.Event{{
			UID: "bkg_01jq3z4x5y6w7v8t9s0r1q2p3n@dbtp.kent.example", Sequence: 2,
			Stamp: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), Start: start, End: start.Add(90 * time.Minute),
			Summary:     "Budget review, Q1; with \"Finance\" \\ Property",
			Location:    "Medway Room, First floor, Sessions House",
			Description: "Booked by Jo Baker.\nJoin: https://teams.example/l/meetup-join/19%3ameeting_x",
			Status:      ical.StatusConfirmed,
			Organizer:   ical.Person{Name: "Kent County Council, Workplace", Email: "workplace@kent.example"},
			Attendees:   []ical.Person{{Name: "Jo Baker", Email: "staff@kent.example"}},
			URL:         "https://dbtp.kent.example/bookings/bkg_01jq3z4x5y6w7v8t9s0r1q2p3n",
			TeamsURL:    "https://teams.example/l/meetup-join/19%3ameeting_x",
		}},
	}
}

func parse(t testing.TB, raw []byte) *goical.Calendar {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the output: %v\n%s", err, raw)
	}
	return cal
}

func propText(t testing.TB, ev goical.Event, name string) string {
	t.Helper()
	p := ev.Props.Get(name)
	if p == nil {
		t.Fatalf("no %s", name)
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestInvitationRoundTrips(t *testing.T) {
	c := sample()
	raw := c.Bytes()
	cal := parse(t, raw)
	if got := cal.Props.Get("METHOD").Value; got != "REQUEST" {
		t.Errorf("METHOD %q", got)
	}
	if got := cal.Props.Get("VERSION").Value; got != "2.0" {
		t.Errorf("VERSION %q", got)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev, want := evs[0], c.Events[0]
	for name, v := range map[string]string{"UID": want.UID, "SUMMARY": want.Summary, "LOCATION": want.Location,
		"DESCRIPTION": want.Description, "X-MICROSOFT-SKYPETEAMSMEETINGURL": want.TeamsURL} {
		if got := propText(t, ev, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if seq, err := ev.Props.Get("SEQUENCE").Int(); err != nil || seq != 2 {
		t.Errorf("SEQUENCE %d %v", seq, err)
	}
	if st, err := ev.Status(); err != nil || st != goical.EventConfirmed {
		t.Errorf("STATUS %v %v", st, err)
	}
	start, err := ev.DateTimeStart(nil)
	if err != nil || !start.Equal(want.Start) {
		t.Errorf("DTSTART %v %v, want %v", start, err, want.Start)
	}
	// 09:00 in London in June is 08:00 UTC, written with Z so no client
	// can take it for local time.
	if got := ev.Props.Get("DTSTART").Value; got != "20260615T080000Z" {
		t.Errorf("DTSTART written %q", got)
	}
	if end, err := ev.DateTimeEnd(nil); err != nil || !end.Equal(want.End) {
		t.Errorf("DTEND %v %v", end, err)
	}
	if stamp, err := ev.Props.Get("DTSTAMP").DateTime(nil); err != nil || !stamp.Equal(want.Stamp) {
		t.Errorf("DTSTAMP %v %v", stamp, err)
	}
	org := ev.Props.Get("ORGANIZER")
	if org.Value != "mailto:workplace@kent.example" || org.Params.Get("CN") != "Kent County Council, Workplace" {
		t.Errorf("ORGANIZER %+v", org)
	}
	att := ev.Props.Get("ATTENDEE")
	if att.Value != "mailto:staff@kent.example" || att.Params.Get("CN") != "Jo Baker" || att.Params.Get("PARTSTAT") != "ACCEPTED" {
		t.Errorf("ATTENDEE %+v", att)
	}
	if u, err := ev.Props.Get("URL").URI(); err != nil || u.String() != want.URL {
		t.Errorf("URL %v %v", u, err)
	}
	checkLines(t, raw)
}

func TestCancelAndFeed(t *testing.T) {
	c := sample()
	c.Method = ical.MethodCancel
	c.Events[0].Status = ical.StatusCancelled
	cal := parse(t, c.Bytes())
	ev := cal.Events()[0]
	if cal.Props.Get("METHOD").Value != "CANCEL" || ev.Props.Get("STATUS").Value != "CANCELLED" || ev.Props.Get("ATTENDEE").Params.Get("PARTSTAT") != "DECLINED" {
		t.Errorf("cancellation: %+v", ev.Props)
	}

	feed := &ical.Calendar{ProdID: "-//x//y//EN", Name: "Bookings; Jo Baker", RefreshEvery: 90 * time.Minute, Events: sample().Events}
	feed.Events = append(feed.Events, feed.Events[0])
	feed.Events[1].UID = "other@host"
	cal = parse(t, feed.Bytes())
	if cal.Props.Get("METHOD") != nil {
		t.Error("a feed carries no METHOD")
	}
	if got := cal.Props.Get("REFRESH-INTERVAL"); got == nil || got.Value != "PT1H30M" {
		t.Errorf("REFRESH-INTERVAL %+v", got)
	}
	if name, _ := cal.Props.Get("X-WR-CALNAME").Text(); name != "Bookings; Jo Baker" {
		t.Errorf("name %q", name)
	}
	if len(cal.Events()) != 2 {
		t.Errorf("%d events", len(cal.Events()))
	}
}

// awkward texts that every writer gets wrong at least once.
var awkward = []string{
	"",
	"comma, semicolon; colon: backslash \\ quote \" end\\",
	"line one\nline two\r\nline three\rfour",
	"\\n is not a newline, \\, not a comma",
	"emoji 🎉🏢🪑 and accents: café, Zürich, Łódź, 東京",
	strings.Repeat("Sessions House meeting room booking ", 6)[:200],
	strings.Repeat("é", 200),
	strings.Repeat("🎉", 60),
	"control\x00char\x07s\x1b[31m and a tab\t",
	"invalid utf-8: \xff\xfe end",
	strings.Repeat("x", 74) + "🎉" + strings.Repeat(";", 80),
}

// want is what a text reads back as: the writer keeps every character
// but controls (tab and newline kept, CR as newline) and replaces invalid
// UTF-8.
func want(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

func TestAwkwardText(t *testing.T) {
	for _, s := range awkward {
		roundTrip(t, s)
	}
}

func roundTrip(t *testing.T, s string) {
	t.Helper()
	c := sample()
	ev := &c.Events[0]
	ev.Summary, ev.Description, ev.Location, ev.UID = s, s+"\n"+s, s, "uid-"+s
	ev.Attendees[0].Name = s
	raw := c.Bytes()
	checkLines(t, raw)
	cal := parse(t, raw)
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%q: %d events", s, len(evs))
	}
	for name, v := range map[string]string{"SUMMARY": s, "DESCRIPTION": s + "\n" + s, "UID": "uid-" + s} {
		if got := propText(t, evs[0], name); got != want(v) {
			t.Fatalf("%s of %q read back as %q", name, s, got)
		}
	}
	if s != "" {
		if got := propText(t, evs[0], "LOCATION"); got != want(s) {
			t.Fatalf("LOCATION of %q read back as %q", s, got)
		}
	}
	if att := evs[0].Props.Get("ATTENDEE"); att == nil || att.Value != "mailto:staff@kent.example" {
		t.Fatalf("attendee with name %q: %+v", s, att)
	}
}

// checkLines checks every line ends in CRLF, is at most 75 octets and is
// valid UTF-8 on its own (so no fold split a character).
func checkLines(t testing.TB, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Fatal("does not end with CRLF")
	}
	for i, line := range bytes.Split(raw[:len(raw)-2], []byte("\r\n")) {
		if len(line) > 75 {
			t.Fatalf("line %d has %d octets: %q", i, len(line), line)
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i, line)
		}
		if !utf8.Valid(line) {
			t.Fatalf("line %d splits a character: %q", i, line)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		roundTrip(t, s)
	})
}
