package workplaceweb

import (
	"errors"
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

type minePage struct {
	Rows      []bookingRow
	Past      bool
	Next      string
	Approvals bool
}

// mine is /bookings: the person's upcoming or past bookings, a page at a time.
func (p *bookingsPart) mine(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	after, err := web.DecodeCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	pg := minePage{Past: r.URL.Query().Get("show") == "past", Approvals: workplace.CanKeep(sub) || sub.HasRole(platform.RoleManager)}
	items, next, err := p.ws.MyBookings(r.Context(), sub, workplace.BookingList{Past: pg.Past, After: after, Limit: 20})
	if err != nil {
		return err
	}
	pg.Rows = p.rows(items)
	if next != nil {
		pg.Next = web.CursorURL(r, web.EncodeCursor(next...))
	}
	return web.Render(w, r, http.StatusOK, "workplace/bookings_list", pg)
}

type newPage struct {
	*web.Form
	Resource  workplace.Resource
	Rules     workplace.Rules
	Place     string
	Parts     []web.Option
	Repeats   []web.Option
	Weekdays  []web.Option
	Recurring bool
	Room      bool
	Slot      bool
	HalfDay   bool
	// Video: a room with video conferencing, whose booking gets a Teams
	// meeting when MeetingsOn.
	Video      bool
	MeetingsOn bool
	Opens      string
	Closes     string
	// A room's bookings on the chosen day, as "14:00 to 15:00".
	Taken    []string
	DayName  string
	DayKnown bool
	// Held is the person's own desk at the time asked for, when that
	// is why the booking was refused.
	Held *workplace.DeskHeld
}

// newForm is /bookings/new?resource_id=...: the booking form for one desk
// or room, with the fields its rules ask for.
func (p *bookingsPart) newForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("date") == "" {
		q.Set("date", p.today())
	}
	return p.renderNew(w, r, sub, http.StatusOK, q.Get("resource_id"), web.NewForm(q), nil)
}

func (p *bookingsPart) renderNew(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, id string, f *web.Form, held *workplace.DeskHeld) error {
	res, err := p.ws.Resource(r.Context(), sub, id)
	if err != nil {
		return err
	}
	rules, err := p.ws.RulesFor(r.Context(), sub, res.Kind)
	if err != nil {
		return err
	}
	rules = rules.ForResource(res)
	_, labels, err := p.floorOptions(r, sub)
	if err != nil {
		return err
	}
	pg := newPage{Form: f, Resource: res, Rules: rules, Place: labels[res.FloorID], Room: res.Kind == workplace.KindRoom,
		Slot: rules.Granularity == workplace.BySlot, HalfDay: rules.Granularity == workplace.ByHalfDay, Recurring: rules.AllowRecurring,
		Video: res.Kind == workplace.KindRoom && res.Has(workplace.FeatureVideo), MeetingsOn: p.meetingsOn(), Held: held,
		Opens: fmt.Sprintf("%02d:%02d", rules.OpensMinute/60, rules.OpensMinute%60), Closes: fmt.Sprintf("%02d:%02d", rules.ClosesMinute/60, rules.ClosesMinute%60)}
	pg.Parts = []web.Option{{Value: workplace.PartDay, Text: "The whole day"}, {Value: workplace.PartMorning, Text: "The morning", Hint: pg.Opens + " to 13:00"},
		{Value: workplace.PartAfternoon, Text: "The afternoon", Hint: "13:00 to " + pg.Closes}}
	pg.Repeats = []web.Option{{Value: "", Text: "Just this once"}, {Value: workplace.RepeatDaily, Text: "Every weekday", Hint: "Monday to Friday"},
		{Value: workplace.RepeatWeekly, Text: "Every week, on the days chosen below"}}
	for d := time.Monday; d <= time.Friday; d++ {
		pg.Weekdays = append(pg.Weekdays, web.Option{Value: strconv.Itoa(int(d)), Text: d.String()})
	}
	if pg.Slot {
		// The room's day, so that a person picks a free time instead of
		// guessing until one is not refused.
		day, err := p.ws.ResourceDay(r.Context(), sub, res.ID, f.Value("date"))
		if err != nil && platform.CodeOf(err) != platform.CodeInvalid {
			return err
		}
		if err == nil {
			pg.DayName = localDay(f.Value("date"), p.ws.Location())
			pg.DayKnown = true
			loc := p.ws.Location()
			for _, b := range day {
				if b.Status == workplace.StatusWaiting {
					continue
				}
				pg.Taken = append(pg.Taken, b.Start.In(loc).Format("15:04")+" to "+b.End.In(loc).Format("15:04"))
			}
		}
	}
	if f.Value("part") == "" {
		f.Input.Set("part", workplace.PartDay)
	}
	if _, ok := f.Input["repeat"]; !ok {
		f.Input.Set("repeat", "")
	}
	return web.Render(w, r, status, "workplace/bookings_new", pg)
}

// bookInput reads the booking form.
func bookInput(v url.Values) workplace.BookInput {
	in := workplace.BookInput{ResourceID: v.Get("resource_id"), Date: v.Get("date"), Part: v.Get("part"), From: v.Get("from"), To: v.Get("to"),
		Title: v.Get("title"), Attendees: atoi(v.Get("attendees")), SkipClashes: v.Get("skip_clashes") == "yes", Wait: v.Get("wait") == "yes",
		Repeat: workplace.Repeat{Every: v.Get("repeat"), Until: v.Get("until")}}
	for _, d := range v["weekdays"] {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 && n <= 6 {
			in.Repeat.Weekdays = append(in.Repeat.Weekdays, time.Weekday(n))
		}
	}
	return in
}

// create books from the booking form.
func (p *bookingsPart) create(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	res, err := p.ws.Book(r.Context(), sub, bookInput(r.PostForm))
	if refusal(err) {
		var held *workplace.DeskHeld
		errors.As(err, &held)
		return p.renderNew(w, r, sub, formStatus(err), r.PostFormValue("resource_id"), web.FormErrors(r, err), held)
	}
	if err != nil {
		return err
	}
	b := p.row(res.Bookings[0])
	msg := b.ResourceName + " booked for " + b.When
	switch {
	case b.Status == workplace.StatusWaiting:
		msg = "You are on the waiting list for " + b.ResourceName + ", " + b.When + ": if it frees, it is yours"
	case b.Status == workplace.StatusRequested:
		msg = b.ResourceName + " requested for " + b.When + ": a manager will approve it"
	case len(res.Bookings) > 1:
		msg = fmt.Sprintf("%s booked on %d dates from %s", b.ResourceName, len(res.Bookings), b.When)
	}
	if len(res.Skipped) > 0 {
		var days []string
		for _, s := range res.Skipped {
			days = append(days, s.Day.Format("Monday 2 January")+" ("+s.Reason+")")
		}
		msg += ". Not booked: " + strings.Join(days, ", ")
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, "/bookings/"+url.PathEscape(b.ID), http.StatusSeeOther)
	return nil
}

type showPage struct {
	*web.Form
	bookingRow
	Place       string
	Mine        bool
	Decide      bool
	Waiting     []bookingRow
	Position    int // on the waiting list, 1 first
	CanCheckIn  bool
	CanChange   bool
	CanCancel   bool
	Desk        bool
	CheckInPath string
	// Video, MeetingsOn and JoinURL say what the booking of a video room
	// has for an online meeting.
	Video      bool
	MeetingsOn bool
	JoinURL    string
}

// show is /bookings/{id}: the booking, what can be done with it, and its
// waiting list.
func (p *bookingsPart) show(w http.ResponseWriter, r *http.Request) error {
	return p.renderShow(w, r, http.StatusOK, web.NewForm(nil))
}

func (p *bookingsPart) renderShow(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.Booking(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	_, labels, err := p.floorOptions(r, sub)
	if err != nil {
		return err
	}
	now := p.now()
	pg := showPage{Form: f, bookingRow: p.row(b), Place: labels[b.FloorID], Mine: b.PersonID == sub.UserID,
		Decide: b.Status == workplace.StatusRequested && workplace.MayApprove(sub, b), Desk: b.ResourceKind == workplace.KindDesk,
		CheckInPath: "/resources/" + b.ResourceID + "/check-in"}
	ongoing := b.End.After(now)
	pg.CanCheckIn = pg.Mine && ongoing && b.Status == workplace.StatusConfirmed && !now.Before(b.Start.Add(-workplace.CheckInEarly))
	pg.CanChange = ongoing && (b.Status == workplace.StatusConfirmed || b.Status == workplace.StatusRequested)
	pg.CanCancel = ongoing && (b.Active() || b.Status == workplace.StatusWaiting)
	waiting, err := p.ws.WaitingFor(r.Context(), sub, b)
	if err != nil {
		return err
	}
	for i, wb := range waiting {
		if wb.ID == b.ID {
			pg.Position = i + 1
		}
	}
	if b.Status != workplace.StatusWaiting {
		pg.Waiting = p.rows(waiting)
	}
	if err := p.meeting(r, sub, b, &pg); err != nil {
		return err
	}
	return web.Render(w, r, status, "workplace/bookings_booking", pg)
}

// act runs one action on a booking from its page: done, a message and
// back to the page; refused, the page again with the reason.
func (p *bookingsPart) act(w http.ResponseWriter, r *http.Request, do func(sub *platform.Subject, id string) (string, error)) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	msg, err := do(sub, r.PathValue("id"))
	if refusal(err) {
		return p.renderShow(w, r, formStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, msg)
	next := "/bookings/" + url.PathEscape(r.PathValue("id"))
	if r.PostFormValue("back") == "approvals" {
		// Deciding from the list returns to it, for the next one.
		next = "/bookings/approvals"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// cancel cancels one booking from its confirmation page; a GET, or a
// POST that is not the page's own, shows the page (web.Confirm).
func (p *bookingsPart) cancel(w http.ResponseWriter, r *http.Request) error {
	if !web.Confirmed(r) {
		return p.confirmCancel(w, r)
	}
	return p.act(w, r, func(sub *platform.Subject, id string) (string, error) {
		b, err := p.ws.Cancel(r.Context(), sub, id)
		if b.Status == workplace.StatusCheckedIn {
			return "Booking ended: " + b.ResourceName + " is free again from " + b.End.In(p.ws.Location()).Format("15:04"), err
		}
		return "Booking cancelled", err
	})
}

// confirmCancel asks before one booking is cancelled, ended early, or
// taken off a waiting list.
func (p *bookingsPart) confirmCancel(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.Booking(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !b.End.After(p.now()) || (!b.Active() && b.Status != workplace.StatusWaiting) {
		state := "over"
		if b.End.After(p.now()) {
			state = p.row(b).State
		}
		return p.renderShow(w, r, http.StatusConflict, web.FormErrors(r, platform.Errorf(platform.CodeConflict,
			"This booking is %s: there is nothing to cancel", strings.ToLower(state))))
	}
	row := p.row(b)
	whose := "your"
	if b.PersonID != sub.UserID {
		whose = b.PersonName + "'s"
	}
	pg := web.Confirm{Caption: b.ResourceName, Title: "Cancel " + whose + " booking?", Action: "/bookings/" + b.ID + "/cancel",
		Back: "/bookings/" + b.ID, Button: "Yes, cancel the booking",
		Warning: "This cancels the booking of " + b.ResourceName + " on " + row.When + ". It cannot be undone: book again if you change your mind."}
	switch b.Status {
	case workplace.StatusCheckedIn:
		pg.Title, pg.Button = "End "+whose+" booking now?", "Yes, end the booking now"
		pg.Warning = "The booking of " + b.ResourceName + " ends at the next quarter hour, and it is free for others from then."
	case workplace.StatusWaiting:
		pg.Title, pg.Button = "Leave the waiting list?", "Yes, leave the waiting list"
		pg.Warning = "This takes " + whose + " place off the waiting list for " + b.ResourceName + ", " + row.When + "."
	default:
		if waiting, err := p.ws.WaitingFor(r.Context(), sub, b); err == nil && len(waiting) > 0 {
			pg.After = append(pg.After, plural(len(waiting), "person is", "people are")+" waiting for this time: the first of them gets it.")
		}
	}
	if b.SeriesID != "" && b.Status != workplace.StatusCheckedIn {
		pg.After = append(pg.After, "Only this date is cancelled; the rest of the series stays.")
	}
	return web.RenderConfirm(w, r, pg)
}

// cancelSeries cancels the rest of a series from its confirmation page.
func (p *bookingsPart) cancelSeries(w http.ResponseWriter, r *http.Request) error {
	if !web.Confirmed(r) {
		return p.confirmSeries(w, r)
	}
	return p.act(w, r, func(sub *platform.Subject, id string) (string, error) {
		bs, err := p.ws.CancelSeries(r.Context(), sub, id)
		return fmt.Sprintf("%s of the series cancelled", plural(len(bs), "booking", "bookings")), err
	})
}

// confirmSeries lists the dates of a series that would be cancelled.
func (p *bookingsPart) confirmSeries(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	list, err := p.ws.SeriesToCancel(r.Context(), sub, id)
	if refusal(err) {
		return p.renderShow(w, r, formStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	n := plural(len(list), "booking", "bookings")
	pg := web.Confirm{Caption: list[0].ResourceName, Title: "Cancel the rest of the series?", Action: "/bookings/" + id + "/cancel-series",
		Back: "/bookings/" + id, Button: "Yes, cancel " + n,
		Warning: n + " of " + list[0].ResourceName + " will be cancelled, from " + p.row(list[0]).When + ". It cannot be undone."}
	pg.Table, pg.More = bookingsTable(p.ws.Location(), list, "Bookings to be cancelled", list[0].PersonID != sub.UserID)
	return web.RenderConfirm(w, r, pg)
}

func (p *bookingsPart) checkIn(w http.ResponseWriter, r *http.Request) error {
	return p.act(w, r, func(sub *platform.Subject, id string) (string, error) {
		b, err := p.ws.CheckIn(r.Context(), sub, id)
		return "Checked in to " + b.ResourceName, err
	})
}

func (p *bookingsPart) approve(w http.ResponseWriter, r *http.Request) error {
	return p.act(w, r, func(sub *platform.Subject, id string) (string, error) {
		b, err := p.ws.Approve(r.Context(), sub, id, r.PostFormValue("note"))
		return "Booking approved for " + b.PersonName, err
	})
}

func (p *bookingsPart) reject(w http.ResponseWriter, r *http.Request) error {
	return p.act(w, r, func(sub *platform.Subject, id string) (string, error) {
		b, err := p.ws.Reject(r.Context(), sub, id, r.PostFormValue("note"))
		return "Booking not approved for " + b.PersonName, err
	})
}

type changePage struct {
	*web.Form
	bookingRow
	Resources []web.Option
	Parts     []web.Option
	Slot      bool
	HalfDay   bool
}

// changeForm is /bookings/{id}/change: another day, time or desk/room.
func (p *bookingsPart) changeForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.Booking(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	loc := p.ws.Location()
	part := workplace.PartDay
	if b.Start.In(loc).Hour() >= 13 {
		part = workplace.PartAfternoon
	} else if b.End.In(loc).Hour() <= 13 && b.End.In(loc).Hour() > 0 {
		part = workplace.PartMorning
	}
	v := url.Values{"resource_id": {b.ResourceID}, "date": {b.Start.In(loc).Format("2006-01-02")}, "part": {part},
		"from": {b.Start.In(loc).Format("15:04")}, "to": {b.End.In(loc).Format("15:04")}, "title": {b.Title}, "attendees": {strconv.Itoa(b.Attendees)}}
	return p.renderChange(w, r, sub, b, http.StatusOK, web.NewForm(v))
}

func (p *bookingsPart) renderChange(w http.ResponseWriter, r *http.Request, sub *platform.Subject, b workplace.Booking, status int, f *web.Form) error {
	rules, err := p.ws.RulesFor(r.Context(), sub, b.ResourceKind)
	if err != nil {
		return err
	}
	same, err := p.ws.Resources(r.Context(), sub, workplace.ResourceFilter{Kind: b.ResourceKind, FloorID: b.FloorID})
	if err != nil {
		return err
	}
	pg := changePage{Form: f, bookingRow: p.row(b), Slot: rules.Granularity == workplace.BySlot, HalfDay: rules.Granularity == workplace.ByHalfDay,
		Parts: []web.Option{{Value: workplace.PartDay, Text: "The whole day"}, {Value: workplace.PartMorning, Text: "The morning"}, {Value: workplace.PartAfternoon, Text: "The afternoon"}}}
	for _, res := range same {
		pg.Resources = append(pg.Resources, web.Option{Value: res.ID, Text: res.Name})
	}
	return web.Render(w, r, status, "workplace/bookings_change", pg)
}

func (p *bookingsPart) change(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	v := r.PostForm
	b, err := p.ws.Change(r.Context(), sub, r.PathValue("id"), workplace.ChangeInput{ResourceID: v.Get("resource_id"), Date: v.Get("date"),
		Part: v.Get("part"), From: v.Get("from"), To: v.Get("to"), Title: v.Get("title"), Attendees: atoi(v.Get("attendees"))})
	if refusal(err) {
		old, gerr := p.ws.Booking(r.Context(), sub, r.PathValue("id"))
		if gerr != nil {
			return gerr
		}
		return p.renderChange(w, r, sub, old, formStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Booking changed: "+b.ResourceName+", "+p.row(b).When)
	http.Redirect(w, r, "/bookings/"+url.PathEscape(b.ID), http.StatusSeeOther)
	return nil
}

type rangePage struct {
	*web.Form
	Nothing string // no bookings on the dates asked for
}

// rangeForm is /bookings/cancel: cancel one's bookings between two dates
// (a holiday, say). ?from= and ?to= fill it in (coming back from the
// confirmation page).
func (p *bookingsPart) rangeForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := staff(r); err != nil {
		return err
	}
	v := url.Values{"from": {p.today()}, "to": {p.today()}}
	for _, k := range []string{"from", "to"} {
		if q := r.URL.Query().Get(k); q != "" {
			v.Set(k, q)
		}
	}
	return web.Render(w, r, http.StatusOK, "workplace/bookings_range", rangePage{Form: web.NewForm(v)})
}

// cancelRange shows the bookings between the dates and asks to confirm
// (the range form's POST), or cancels them (the confirmation's).
func (p *bookingsPart) cancelRange(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	from, to := r.PostFormValue("from"), r.PostFormValue("to")
	if !web.Confirmed(r) {
		list, err := p.ws.RangeToCancel(r.Context(), sub, from, to)
		if refusal(err) {
			return web.Render(w, r, formStatus(err), "workplace/bookings_range", rangePage{Form: web.FormErrors(r, err)})
		}
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return web.Render(w, r, http.StatusOK, "workplace/bookings_range", rangePage{Form: web.NewForm(r.PostForm),
				Nothing: "You have no bookings to cancel from " + localDay(from, p.ws.Location()) + " to " + localDay(to, p.ws.Location()) + "."})
		}
		n := plural(len(list), "booking", "bookings")
		pg := web.Confirm{Title: "Cancel " + n + "?", Action: "/bookings/cancel", Button: "Yes, cancel " + n,
			Back:    "/bookings/cancel?" + url.Values{"from": {from}, "to": {to}}.Encode(),
			Hidden:  []web.Hidden{{Name: "from", Value: from}, {Name: "to", Value: to}},
			Warning: "Your " + n + " from " + localDay(from, p.ws.Location()) + " to " + localDay(to, p.ws.Location()) + " will be cancelled, so others can book them. It cannot be undone."}
		pg.Table, pg.More = bookingsTable(p.ws.Location(), list, "Bookings to be cancelled", false)
		return web.RenderConfirm(w, r, pg)
	}
	gone, err := p.ws.CancelRange(r.Context(), sub, from, to)
	if refusal(err) {
		return web.Render(w, r, formStatus(err), "workplace/bookings_range", rangePage{Form: web.FormErrors(r, err)})
	}
	if err != nil {
		return err
	}
	if len(gone) == 0 {
		web.SetNotice(w, r, "You had no bookings to cancel on those dates")
	} else {
		web.SetFlash(w, r, plural(len(gone), "booking", "bookings")+" cancelled")
	}
	http.Redirect(w, r, "/bookings", http.StatusSeeOther)
	return nil
}

type approvalsPage struct{ Rows []bookingRow }

// approvals is /bookings/approvals: bookings waiting for the manager.
func (p *bookingsPart) approvals(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	list, err := p.ws.Approvals(r.Context(), sub)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/bookings_approvals", approvalsPage{Rows: p.rows(list)})
}

// meeting fills in the online meeting of a booking of a room with video
// conferencing: its Teams join link once made, or why there is none.
func (p *bookingsPart) meeting(r *http.Request, sub *platform.Subject, b workplace.Booking, pg *showPage) error {
	if b.ResourceKind != workplace.KindRoom {
		return nil
	}
	res, err := p.ws.Resource(r.Context(), sub, b.ResourceID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil // withdrawn since: its features no longer matter
	}
	if err != nil {
		return err
	}
	pg.Video, pg.MeetingsOn = res.Has(workplace.FeatureVideo), p.meetingsOn()
	if !pg.Video || !pg.MeetingsOn {
		return nil
	}
	m, ok, err := p.ws.MeetingFor(r.Context(), sub.OrgID, b.ID)
	if err != nil {
		return err
	}
	if ok && !m.Deleted && b.Active() {
		pg.JoinURL = m.JoinURL
	}
	return nil
}
