// Package ical writes iCalendar (RFC 5545) objects: the invitation emailed
// with each booking (METHOD:REQUEST, or CANCEL when it is called off) and
// the private feed each person's calendar subscribes to (no METHOD).
//
// It writes only; nothing in dbtp reads iCalendar. Times are written in
// UTC ("20260302T080000Z"), not with a TZID and a VTIMEZONE: a booking is
// one occurrence (a recurring series is a set of bookings, each with its
// own UID), so the one thing a TZID adds, recurrence that keeps its local
// time across a clock change, is never needed; a UTC time cannot be
// misread, and Outlook, Google Calendar and Apple Calendar all show it in
// the viewer's own zone, so a 09:00 booking in June shows at 09:00 in
// London. A hand-written VTIMEZONE, by contrast, is one more thing to keep
// true (Outlook trusts it over its own zone data).
package ical

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Methods (RFC 5546, iTIP) an invitation carries.
const (
	MethodRequest = "REQUEST" // a new or changed booking
	MethodCancel  = "CANCEL"  // a booking that will not happen
)

// Event statuses (RFC 5545 3.8.1.11).
const (
	StatusTentative = "TENTATIVE"
	StatusConfirmed = "CONFIRMED"
	StatusCancelled = "CANCELLED"
)

// Calendar is one iCalendar object.
type Calendar struct {
	ProdID string // e.g. "-//Kent County Council//dbtp workplace//EN"
	Method string // MethodRequest, MethodCancel, or "" for a feed
	// Name and RefreshEvery describe a feed to the calendars that subscribe
	// (X-WR-CALNAME, REFRESH-INTERVAL and Outlook's X-PUBLISHED-TTL).
	Name         string
	RefreshEvery time.Duration
	Events       []Event
}

// Person is an organizer or attendee.
type Person struct {
	Name  string
	Email string
}

// Event is one VEVENT.
type Event struct {
	UID      string // stable for the life of the booking: <booking id>@<host>
	Sequence int    // bumped on every change, so clients take the newest
	Stamp    time.Time
	Start    time.Time
	End      time.Time
	Summary  string
	Location string
	// Description is plain text; newlines are kept.
	Description  string
	Status       string
	Organizer    Person
	Attendees    []Person
	URL          string // the booking's page
	Created      time.Time
	LastModified time.Time
	// TeamsURL is the online meeting's join link; Outlook shows its "Join"
	// button for X-MICROSOFT-SKYPETEAMSMEETINGURL.
	TeamsURL string
}

// Bytes is the calendar as iCalendar text.
func (c *Calendar) Bytes() []byte {
	var b bytes.Buffer
	c.WriteTo(&b)
	return b.Bytes()
}

// WriteTo writes the calendar to w.
func (c *Calendar) WriteTo(w io.Writer) (int64, error) {
	l := &lines{}
	l.prop("BEGIN", "VCALENDAR")
	l.prop("VERSION", "2.0")
	l.prop("PRODID", text(c.ProdID))
	l.prop("CALSCALE", "GREGORIAN")
	if c.Method != "" {
		l.prop("METHOD", c.Method)
	}
	if c.Name != "" {
		l.prop("X-WR-CALNAME", text(c.Name))
	}
	if c.RefreshEvery > 0 {
		d := duration(c.RefreshEvery)
		l.prop("REFRESH-INTERVAL;VALUE=DURATION", d)
		l.prop("X-PUBLISHED-TTL", d)
	}
	for i := range c.Events {
		c.Events[i].write(l, c.Method)
	}
	l.prop("END", "VCALENDAR")
	n, err := w.Write(l.b.Bytes())
	return int64(n), err
}

func (e *Event) write(l *lines, method string) {
	l.prop("BEGIN", "VEVENT")
	l.prop("UID", text(e.UID))
	l.prop("SEQUENCE", strconv.Itoa(max(e.Sequence, 0)))
	l.prop("DTSTAMP", utc(e.Stamp))
	l.prop("DTSTART", utc(e.Start))
	l.prop("DTEND", utc(e.End))
	if !e.Created.IsZero() {
		l.prop("CREATED", utc(e.Created))
	}
	if !e.LastModified.IsZero() {
		l.prop("LAST-MODIFIED", utc(e.LastModified))
	}
	l.prop("SUMMARY", text(e.Summary))
	if e.Location != "" {
		l.prop("LOCATION", text(e.Location))
	}
	if e.Description != "" {
		l.prop("DESCRIPTION", text(e.Description))
	}
	if e.Status != "" {
		l.prop("STATUS", e.Status)
	}
	// A busy time blocks the diary; a cancelled one frees it.
	if e.Status == StatusCancelled {
		l.prop("TRANSP", "TRANSPARENT")
	} else {
		l.prop("TRANSP", "OPAQUE")
	}
	if e.Organizer.Email != "" {
		l.prop("ORGANIZER"+cn(e.Organizer.Name), mailto(e.Organizer.Email))
	}
	for _, a := range e.Attendees {
		if a.Email == "" {
			continue
		}
		// The person booked it themselves: accepted, and no reply asked for.
		partstat := "ACCEPTED"
		if method == MethodCancel || e.Status == StatusCancelled {
			partstat = "DECLINED"
		}
		l.prop("ATTENDEE"+cn(a.Name)+";ROLE=REQ-PARTICIPANT;PARTSTAT="+partstat+";RSVP=FALSE", mailto(a.Email))
	}
	if e.URL != "" {
		l.prop("URL", uri(e.URL))
	}
	if e.TeamsURL != "" {
		l.prop("X-MICROSOFT-SKYPETEAMSMEETINGURL", text(e.TeamsURL))
	}
	l.prop("END", "VEVENT")
}

// lines collects content lines, folded and ended with CRLF.
type lines struct{ b bytes.Buffer }

// prop writes "NAME:value" folded at 75 octets (RFC 5545 3.1): each
// continuation line starts with one space, which counts toward its 75,
// and a fold never splits a UTF-8 character.
func (l *lines) prop(name, value string) {
	line := name + ":" + value
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		l.b.WriteString(line[:cut])
		l.b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74
	}
	l.b.WriteString(line)
	l.b.WriteString("\r\n")
}

// clean makes s valid UTF-8 without control characters (RFC 5545 allows
// none in TEXT but the tab), keeping newlines as newlines.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// text escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon,
// comma and newline.
func text(s string) string {
	s = clean(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cn is a ";CN=..." parameter. A parameter value is quoted and may hold
// anything but a double quote and control characters (RFC 5545 3.2), so
// those become a single quote and a space.
func cn(name string) string {
	name = strings.TrimSpace(clean(name))
	if name == "" {
		return ""
	}
	name = strings.NewReplacer(`"`, "'", "\n", " ", "\t", " ").Replace(name)
	return `;CN="` + name + `"`
}

// mailto is a CAL-ADDRESS. Addresses come from the directory; anything a
// URI cannot hold is dropped rather than trusted.
func mailto(email string) string {
	return "mailto:" + uri(email)
}

// uri keeps a URI's printable ASCII only: a URI value is not escaped, so
// a space, a control character or non-ASCII text must not reach it.
func uri(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f {
			return -1
		}
		return r
	}, s)
}

func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// duration writes d as an RFC 5545 DURATION of hours, minutes and seconds.
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	s := "PT"
	if h := d / time.Hour; h > 0 {
		s += strconv.Itoa(int(h)) + "H"
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		s += strconv.Itoa(int(m)) + "M"
		d -= m * time.Minute
	}
	if d > 0 || s == "PT" {
		s += strconv.Itoa(int(d/time.Second)) + "S"
	}
	return s
}
