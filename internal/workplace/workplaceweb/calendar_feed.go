package workplaceweb

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/ical"
)

// feedRefresh is how often subscribed calendars are asked to fetch the
// feed again (Outlook and Google decide for themselves in the end).
const feedRefresh = time.Hour

type calendarPage struct {
	*web.Form
	Feed       workplace.CalendarFeed
	HasFeed    bool
	FeedURL    string // shown only just after the feed is made
	WebcalURL  string
	MeetingsOn bool
}

// page is /bookings/calendar: the person's feed and how to subscribe.
func (p *calendarPart) page(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	f, ok, err := p.m.ws.CalendarFeedOf(r.Context(), sub)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/calendar_feed", calendarPage{Form: web.NewForm(nil), Feed: f, HasFeed: ok, MeetingsOn: p.MeetingsOn()})
}

// newFeed makes the person a new feed (revoking the old) and shows its
// address, this once: only a hash of its secret is kept.
func (p *calendarPart) newFeed(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	token, f, err := p.m.ws.NewCalendarFeed(r.Context(), sub)
	if err != nil {
		return err
	}
	u := p.base + "/calendar/" + token + ".ics"
	webcal := "webcal://" + strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return web.Render(w, r, http.StatusOK, "workplace/calendar_feed", calendarPage{Form: web.NewForm(nil), Feed: f, HasFeed: true,
		FeedURL: u, WebcalURL: webcal, MeetingsOn: p.MeetingsOn()})
}

// stopFeed revokes the person's feed.
func (p *calendarPart) stopFeed(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if err := p.m.ws.StopCalendarFeed(r.Context(), sub); err != nil {
		return err
	}
	web.SetFlash(w, r, "Your calendar feed is stopped. Calendars subscribed to it will no longer be updated.")
	http.Redirect(w, r, "/bookings/calendar", http.StatusSeeOther)
	return nil
}

// feed is GET /calendar/{token}.ics: the person's bookings from 30 days
// ago to a year ahead, for Outlook, Google Calendar and the like. No
// session is needed; an unknown or revoked token is a plain 404.
func (p *calendarPart) feed(w http.ResponseWriter, r *http.Request) error {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		return platform.NotFound("calendar feed")
	}
	f, entries, err := p.m.ws.FeedByToken(r.Context(), token)
	if err != nil {
		return err
	}
	// Someone who has left (their account disabled or removed) has no
	// feed any more, though it was never revoked.
	person, err := p.m.d.Directory.Person(r.Context(), platform.System(f.OrgID), f.PersonID)
	if platform.CodeOf(err) == platform.CodeNotFound || err == nil && person.Disabled {
		return platform.NotFound("calendar feed")
	}
	if err != nil {
		return err
	}
	cal := ical.Calendar{ProdID: p.prodID, Name: "Workplace bookings", RefreshEvery: feedRefresh}
	for _, b := range entries {
		// In a feed DTSTAMP is when the event last changed, which also
		// keeps the body, and so its ETag, the same until something does.
		cal.Events = append(cal.Events, p.event(b, nil, b.UpdatedAt))
	}
	body := cal.Bytes()
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="bookings.ics"`)
	// Private: the feed is one person's; a short max-age spares the
	// database when a calendar polls eagerly, and the ETag lets a poll
	// that finds nothing new cost no body.
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("ETag", etag)
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}
