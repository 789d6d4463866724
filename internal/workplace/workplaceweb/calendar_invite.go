package workplaceweb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/ical"
)

// sendInvitation emails the booker the booking's invitation, or its
// cancellation, as the booking now stands.
func (p *calendarPart) sendInvitation(ctx context.Context, j jobs.Job) error {
	b, stale, err := p.loadForJob(ctx, j)
	if err != nil || stale {
		return err
	}
	method := invitationMethod(b)
	if method == "" {
		return nil
	}
	person, err := p.m.d.Directory.Person(ctx, platform.System(b.OrgID), b.PersonID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil // the person has gone: nobody to tell
	}
	if err != nil {
		return err
	}
	if person.Disabled || person.Email == "" {
		return nil
	}
	now := p.m.d.Clock.Now()
	if b.End.Before(now) {
		return nil // over before it could be sent (the relay was down): no use now
	}
	msg := p.invitation(b, person, method, now)
	if err := p.m.d.Mail.Send(ctx, msg); err != nil {
		if errors.Is(err, mail.ErrInvalidMessage) {
			return jobs.Permanent(err)
		}
		return err
	}
	return nil
}

// event is the booking as an iCalendar event: in an invitation (with its
// organizer and attendee) or in a feed (without: the feed is the person's
// own diary).
func (p *calendarPart) event(b workplace.CalendarEntry, attendee *platform.Person, stamp time.Time) ical.Event {
	ev := ical.Event{
		UID: b.ID + "@" + p.host, Sequence: b.Sequence, Stamp: stamp, Start: b.Start, End: b.End,
		Summary: summary(b), Location: b.Place(), Description: p.description(b),
		Created: b.CreatedAt, LastModified: b.UpdatedAt, URL: p.bookingURL(b.ID), TeamsURL: b.JoinURL,
	}
	switch invitationMethod(b) {
	case ical.MethodCancel:
		ev.Status = ical.StatusCancelled
	default:
		ev.Status = ical.StatusConfirmed
		if b.Status == workplace.StatusRequested {
			ev.Status = ical.StatusTentative
		}
	}
	if attendee != nil {
		ev.Organizer = p.organizer
		ev.Attendees = []ical.Person{{Name: attendee.Name, Email: attendee.Email}}
	}
	return ev
}

func (p *calendarPart) bookingURL(id string) string { return p.base + "/bookings/" + id }

// summary is the event's title: the meeting's subject and room, or the
// desk's name.
func summary(b workplace.CalendarEntry) string {
	what := b.ResourceName
	if b.ResourceKind == workplace.KindDesk {
		what = "Desk " + strings.TrimPrefix(b.ResourceName, "Desk ")
	}
	if t := strings.TrimSpace(b.Title); t != "" {
		return t + " (" + what + ")"
	}
	return what
}

func (p *calendarPart) description(b workplace.CalendarEntry) string {
	var d strings.Builder
	switch b.Status {
	case workplace.StatusRequested:
		d.WriteString("Waiting for a manager's approval.\n")
	case workplace.StatusCancelled:
		if b.CancelReason != "" {
			d.WriteString("This booking was cancelled: " + b.CancelReason + ".\n")
		} else {
			d.WriteString("This booking was cancelled.\n")
		}
	case workplace.StatusReleased:
		d.WriteString("This booking was released: nobody checked in.\n")
	case workplace.StatusRejected:
		d.WriteString("This booking was not approved.\n")
	}
	fmt.Fprintf(&d, "%s booked by %s.\n", b.Place(), b.PersonName)
	if b.Address != "" {
		fmt.Fprintf(&d, "Address: %s\n", b.Address)
	}
	if b.JoinURL != "" {
		fmt.Fprintf(&d, "\nJoin the Microsoft Teams meeting: %s\n", b.JoinURL)
	}
	if b.Video() && b.JoinURL == "" && invitationMethod(b) == ical.MethodRequest && b.Status != workplace.StatusRequested {
		d.WriteString("\nThe room has video conferencing; no Teams meeting link is made for it on this system.\n")
	}
	fmt.Fprintf(&d, "\nSee, change or cancel the booking: %s\n", p.bookingURL(b.ID))
	return d.String()
}

// invitation is the email: plain text, the same as text/calendar (which
// Outlook and Gmail show as an invitation with its buttons), and as an
// invite.ics attachment for mail programs that only offer a file.
func (p *calendarPart) invitation(b workplace.CalendarEntry, person platform.Person, method string, now time.Time) mail.Message {
	cal := ical.Calendar{ProdID: p.prodID, Method: method, Events: []ical.Event{p.event(b, &person, now)}}
	ics := cal.Bytes()
	loc := p.m.ws.Location()
	when := b.Start.In(loc).Format("Mon 2 Jan 2006, 15:04") + " to " + b.End.In(loc).Format("15:04")
	if b.End.In(loc).YearDay() != b.Start.In(loc).YearDay() {
		when = b.Start.In(loc).Format("Mon 2 Jan 2006, 15:04") + " to " + b.End.In(loc).Format("Mon 2 Jan 2006, 15:04")
	}
	heading := map[string]string{
		workplace.StatusRequested: "Booking requested", workplace.StatusConfirmed: "Booking confirmed", workplace.StatusCheckedIn: "Booking confirmed",
		workplace.StatusCancelled: "Booking cancelled", workplace.StatusReleased: "Booking released", workplace.StatusRejected: "Booking not approved",
	}[b.Status]
	subject := heading + ": " + summary(b) + ", " + when
	text := fmt.Sprintf("%s\n\n%s\n%s\n\n%s", heading+".", summary(b), when+" (UK time)", p.description(b))
	if method == ical.MethodRequest {
		text += "\nThe attached invitation adds it to your calendar. To see all your bookings in Outlook or Google Calendar, subscribe to your private calendar feed: " + p.base + "/bookings/calendar\n"
	}
	ctype := "text/calendar; charset=UTF-8; method=" + method
	return mail.Message{
		To: person.Email, Subject: strings.NewReplacer("\r", " ", "\n", " ").Replace(subject), Text: text,
		Alternatives: []mail.Part{{ContentType: ctype, Content: ics}},
		Attachments:  []mail.Part{{ContentType: "application/ics", Filename: "invite.ics", Content: ics}},
	}
}
