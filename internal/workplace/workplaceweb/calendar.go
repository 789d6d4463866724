package workplaceweb

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/events"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/ical"
	"dbtp/internal/workplace/msgraph"
)

// calendarPart is the module's calendar part: an iCalendar invitation
// emailed for every booking, each person's private calendar feed, and a
// Teams meeting for each booking of a room with video conferencing.
//
// It hears of bookings only through workplace.booking events, and reads
// them with the engine's calendar functions, so it does not depend on how
// the bookings part makes them.
type calendarPart struct {
	m *Module
	// graph makes Teams meetings; nil when DBTP_WORKPLACE_GRAPH_* is unset
	// or names no organizer.
	graph     *msgraph.Client
	base      string // public address, for links in invitations and the feed URL
	host      string // the UIDs' right-hand side
	organizer ical.Person
	// defaultOrganizer: organizer.Email is noreply@ the host, made here.
	defaultOrganizer bool
	prodID           string
}

// Job kinds of the calendar part.
const (
	kindInvitation = "workplace.invitation"
	kindMeeting    = "workplace.meeting"
)

// EnvCalendarOrganizer is the address invitations name as their
// organizer (default: the Graph organizer, else noreply@ the site's host).
const EnvCalendarOrganizer = "DBTP_WORKPLACE_CALENDAR_ORGANIZER"

func (p *calendarPart) init(ctx context.Context, m *Module) error {
	p.m = m
	d := m.d
	getenv := d.Config.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cfg, on, err := msgraph.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	if on && cfg.Organizer != "" {
		if p.graph, err = msgraph.New(cfg); err != nil {
			return err
		}
		d.Log.Info("Teams meetings for video rooms on", "graph", cfg.BaseURL, "organizer", cfg.Organizer)
	} else {
		d.Log.Info("Teams meetings for video rooms off: " + msgraph.EnvTenant + ", _CLIENT_ID, _CLIENT_SECRET and _ORGANIZER are not all set")
	}
	name := strings.TrimSpace(d.Config.CouncilName + " workplace")
	p.prodID = "-//" + strings.TrimSpace(d.Config.CouncilName+" dbtp") + "//workplace bookings//EN"
	email := strings.TrimSpace(getenv(EnvCalendarOrganizer))
	if email == "" && strings.Contains(cfg.Organizer, "@") {
		email = cfg.Organizer
	}
	p.organizer = ical.Person{Name: name, Email: email}
	p.setBase(d.Config.BaseURL)

	if d.Jobs != nil {
		// As with the services' email: every node may queue invitations,
		// only nodes with a relay send them, so a node without one never
		// swallows an invitation another node could send.
		invite := jobs.Kind{Label: "Email a booking's calendar invitation", MaxAttempts: 8}
		if d.Mail != nil {
			invite.Handler = p.sendInvitation
		} else {
			d.Log.Info("booking invitations wait on this node: no mail relay (--smtp-addr)")
		}
		if err := d.Jobs.Handle(kindInvitation, invite); err != nil {
			return err
		}
		if err := d.Jobs.Handle(kindMeeting, jobs.Kind{Label: "Make, change or delete a booking's Teams meeting", Handler: p.syncMeeting,
			MaxAttempts: 10, Timeout: 3 * time.Minute}); err != nil {
			return err
		}
	}
	if d.Events != nil && d.Jobs != nil {
		return d.Events.Subscribe("workplace.calendar", []string{workplace.EventBooking}, p.onBooking)
	}
	return nil
}

// setBase sets the public address links are made from.
func (p *calendarPart) setBase(base string) {
	p.base = strings.TrimRight(base, "/")
	p.host = "localhost"
	if u, err := url.Parse(p.base); err == nil && u.Hostname() != "" {
		p.host = u.Hostname()
	}
	if p.organizer.Email == "" || p.defaultOrganizer {
		p.organizer.Email, p.defaultOrganizer = "noreply@"+p.host, true
	}
}

func (p *calendarPart) web(srv *web.Server, m *Module) error {
	if p.base == "" {
		p.setBase(srv.Config().BaseURL)
	}
	rt := srv.Router()
	rt.Handle("GET /bookings/calendar", web.RequireSignedInFunc(p.page))
	rt.Handle("POST /bookings/calendar", web.RequireSignedInFunc(p.newFeed))
	rt.Handle("POST /bookings/calendar/stop", web.RequireSignedInFunc(p.stopFeed))
	// The feed is fetched by calendar services without a session: the
	// token in its address is the credential.
	rt.HandleFunc("GET /calendar/{file}", p.feed)
	return nil
}

func (p *calendarPart) start(ctx context.Context, m *Module) error { return nil }

func (p *calendarPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}

// MeetingsOn reports whether bookings of video rooms get Teams meetings,
// for pages that say so.
func (p *calendarPart) MeetingsOn() bool { return p.graph != nil }

// changes that call for an invitation (or a cancellation).
var invitationChanges = map[string]bool{"created": true, "changed": true, "approved": true, "cancelled": true, "released": true, "rejected": true}

// onBooking hears of a booking's change and queues its invitation, after
// its Teams meeting is made, changed or deleted when it has one. It runs
// as an event delivery job: retried, and safe to run twice (the jobs are
// keyed by the booking's state).
func (p *calendarPart) onBooking(ctx context.Context, e events.Event) error {
	var be workplace.BookingEvent
	if err := json.Unmarshal(e.Data, &be); err != nil {
		return jobs.Permanent(err)
	}
	if !invitationChanges[be.Change] {
		return nil
	}
	b, err := p.m.ws.CalendarBooking(ctx, e.OrgID, be.BookingID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return p.m.ws.DB().Write(ctx, func(tx *store.Tx) error {
		if p.graph != nil && b.Video() {
			_, err := p.m.d.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: kindMeeting, OrgID: b.OrgID,
				Args: bookingArgs{BookingID: b.ID, Sequence: b.Sequence, Status: b.Status}, Key: stateKey(b)})
			return err
		}
		return p.enqueueInvitation(ctx, tx, b)
	})
}

// bookingArgs name a booking in the state a job was queued for.
type bookingArgs struct {
	BookingID string `json:"booking_id"`
	Sequence  int    `json:"sequence"`
	Status    string `json:"status"`
}

// stateKey keys a job by the booking's state: one job per state, however
// often the event that led to it is delivered.
func stateKey(b workplace.CalendarEntry) string {
	return b.ID + "/" + strconv.Itoa(b.Sequence) + "/" + b.Status
}

func (p *calendarPart) enqueueInvitation(ctx context.Context, tx *store.Tx, b workplace.CalendarEntry) error {
	if invitationMethod(b) == "" {
		return nil
	}
	_, err := p.m.d.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: kindInvitation, OrgID: b.OrgID,
		Args: bookingArgs{BookingID: b.ID, Sequence: b.Sequence, Status: b.Status}, Key: stateKey(b)})
	return err
}

// invitationMethod is what the booking's state calls for: a request while
// it holds its time, a cancellation once it does not, nothing while it
// waits on a room's waiting list.
func invitationMethod(b workplace.CalendarEntry) string {
	switch b.Status {
	case workplace.StatusRequested, workplace.StatusConfirmed, workplace.StatusCheckedIn:
		return ical.MethodRequest
	case workplace.StatusCancelled, workplace.StatusReleased, workplace.StatusRejected:
		return ical.MethodCancel
	}
	return ""
}

// loadForJob reads the booking a job was queued for; stale is true when
// the booking has moved on (a later job carries its newer state), or is
// gone.
func (p *calendarPart) loadForJob(ctx context.Context, j jobs.Job) (b workplace.CalendarEntry, stale bool, err error) {
	var a bookingArgs
	if err := j.Decode(&a); err != nil {
		return b, false, err
	}
	b, err = p.m.ws.CalendarBooking(ctx, j.OrgID, a.BookingID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return b, true, nil
	}
	if err != nil {
		return b, false, err
	}
	return b, b.Sequence > a.Sequence || invitationMethod(b) != invitationMethod(workplace.CalendarEntry{Booking: workplace.Booking{Status: a.Status}}), nil
}

// syncMeeting makes the Teams meeting of a confirmed booking of a video
// room, moves it with the booking, deletes it when the booking is called
// off, and then queues the invitation (which carries the link).
//
// Making is idempotent: the meeting is asked for with createOrGet under
// an external ID recorded before Graph is called (MeetingIntent), so a
// retry after Graph made the meeting but before dbtp saved it (a lost
// answer, a node killed) gets the same meeting back, never a second.
func (p *calendarPart) syncMeeting(ctx context.Context, j jobs.Job) error {
	b, stale, err := p.loadForJob(ctx, j)
	if err != nil || stale {
		return err
	}
	if p.graph == nil {
		return p.m.ws.DB().Write(ctx, func(tx *store.Tx) error { return p.enqueueInvitation(ctx, tx, b) })
	}
	m, had, err := p.m.ws.MeetingFor(ctx, b.OrgID, b.ID)
	if err != nil {
		return err
	}
	live := had && !m.Deleted && m.MeetingID != ""
	asked := had && !m.Deleted && m.MeetingID == "" // Graph may have made it
	want := b.Video() && (b.Status == workplace.StatusConfirmed || b.Status == workplace.StatusCheckedIn)
	in := msgraph.MeetingInput{Subject: meetingSubject(b), Start: b.Start, End: b.End}
	then := func(tx *store.Tx) error { return p.enqueueInvitation(ctx, tx, b) }
	organizer := p.graph.Config().Organizer
	switch {
	case want && !live:
		om, ext, err := p.createOrGet(ctx, b, in, true)
		if err != nil {
			return err
		}
		return p.m.ws.SaveMeeting(ctx, workplace.Meeting{BookingID: b.ID, OrgID: b.OrgID, MeetingID: om.ID, ExternalID: ext, JoinURL: om.JoinWebURL,
			Organizer: organizer, Subject: in.Subject, Start: in.Start, End: in.End}, then)
	case want && (m.Subject != in.Subject || !m.Start.Equal(in.Start) || !m.End.Equal(in.End)):
		if _, err := p.graph.UpdateMeeting(ctx, m.MeetingID, in); err != nil {
			return meetingErr(err)
		}
		m.Subject, m.Start, m.End = in.Subject, in.Start, in.End
		return p.m.ws.SaveMeeting(ctx, m, then)
	case !want && asked:
		// Asked for, never saved: an earlier try may have made it. Asking
		// again under its external ID finds it (or makes it), and then it
		// is deleted, so no meeting is left behind for a booking called off.
		om, ext, err := p.createOrGet(ctx, b, in, false)
		if err != nil {
			return err
		}
		if err := p.graph.DeleteMeeting(ctx, om.ID); err != nil {
			return meetingErr(err)
		}
		return p.m.ws.SaveMeeting(ctx, workplace.Meeting{BookingID: b.ID, OrgID: b.OrgID, MeetingID: om.ID, ExternalID: ext, JoinURL: om.JoinWebURL,
			Organizer: organizer, Subject: om.Subject, Start: om.StartDateTime, End: om.EndDateTime, Deleted: true}, then)
	case !want && live:
		if err := p.graph.DeleteMeeting(ctx, m.MeetingID); err != nil {
			return meetingErr(err)
		}
		m.Deleted = true
		return p.m.ws.SaveMeeting(ctx, m, then)
	}
	return p.m.ws.DB().Write(ctx, then)
}

// createOrGet records the intent to make b's meeting (or finds the one
// recorded) and asks Graph for the meeting under its external ID. A
// meeting found from an earlier try may carry the booking's subject and
// times as they were then: with update, it is brought up to date.
func (p *calendarPart) createOrGet(ctx context.Context, b workplace.CalendarEntry, in msgraph.MeetingInput, update bool) (msgraph.OnlineMeeting, string, error) {
	ext, err := p.m.ws.MeetingIntent(ctx, b.OrgID, b.ID, p.graph.Config().Organizer)
	if err != nil {
		return msgraph.OnlineMeeting{}, "", err
	}
	om, err := p.graph.CreateOrGetMeeting(ctx, ext, in)
	if err != nil {
		return om, ext, meetingErr(err)
	}
	if update && (om.Subject != in.Subject || !om.StartDateTime.Equal(in.Start) || !om.EndDateTime.Equal(in.End)) {
		up, err := p.graph.UpdateMeeting(ctx, om.ID, in)
		if err != nil {
			return om, ext, meetingErr(err)
		}
		if up.JoinWebURL == "" {
			up.JoinWebURL = om.JoinWebURL
		}
		if up.ID == "" {
			up.ID = om.ID
		}
		om = up
	}
	return om, ext, nil
}

// meetingErr fails the job at once when retrying cannot help (Graph
// refused the set-up or the request); otherwise it is retried.
func meetingErr(err error) error {
	switch {
	case errors.Is(err, msgraph.ErrSetup), errors.Is(err, msgraph.ErrAccessDenied), errors.Is(err, msgraph.ErrNotConfigured),
		platform.CodeOf(err) == platform.CodeInvalid:
		return jobs.Permanent(err)
	}
	return err
}

// meetingSubject is the Teams meeting's subject: the booking's title, or
// the room's name.
func meetingSubject(b workplace.CalendarEntry) string {
	if t := strings.TrimSpace(b.Title); t != "" {
		return t
	}
	return b.ResourceName + " booking"
}
