package workplaceweb

import (
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// BookingJSON is a booking in the API.
type BookingJSON struct {
	ID           string     `json:"id"`
	ResourceID   string     `json:"resource_id"`
	ResourceName string     `json:"resource_name"`
	ResourceKind string     `json:"resource_kind"`
	FloorID      string     `json:"floor_id"`
	PersonID     string     `json:"person_id,omitempty"`
	PersonName   string     `json:"person_name,omitempty"`
	Start        time.Time  `json:"start"`
	End          time.Time  `json:"end"`
	Status       string     `json:"status"`
	SeriesID     string     `json:"series_id,omitempty"`
	Title        string     `json:"title,omitempty"`
	Attendees    int        `json:"attendees"`
	Sequence     int        `json:"sequence"`
	CheckedInAt  *time.Time `json:"checked_in_at,omitempty"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	Note         string     `json:"note,omitempty"`
	// CancelReason says why it was cancelled when its booker did not
	// cancel it (its desk or room was withdrawn).
	CancelReason string    `json:"cancel_reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func bookingJSON(b workplace.Booking) BookingJSON {
	out := BookingJSON{ID: b.ID, ResourceID: b.ResourceID, ResourceName: b.ResourceName, ResourceKind: b.ResourceKind, FloorID: b.FloorID,
		PersonID: b.PersonID, PersonName: b.PersonName, Start: b.Start, End: b.End, Status: b.Status, SeriesID: b.SeriesID, Title: b.Title,
		Attendees: b.Attendees, Sequence: b.Sequence, DecidedBy: b.DecidedBy, Note: b.Note, CancelReason: b.CancelReason,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	if !b.CheckedInAt.IsZero() {
		t := b.CheckedInAt
		out.CheckedInAt = &t
	}
	return out
}

// BookRequest makes a booking. Dates and times are the council's local time.
type BookRequest struct {
	ResourceID  string      `json:"resource_id"`
	Date        string      `json:"date"`
	Part        string      `json:"part,omitempty"`
	From        string      `json:"from,omitempty"`
	To          string      `json:"to,omitempty"`
	Title       string      `json:"title,omitempty"`
	Attendees   int         `json:"attendees,omitempty"`
	Repeat      *RepeatJSON `json:"repeat,omitempty"`
	SkipClashes bool        `json:"skip_clashes,omitempty"`
	Wait        bool        `json:"wait,omitempty"`
}

// RepeatJSON makes a booking a series of up to 26 weeks.
type RepeatJSON struct {
	Every    string   `json:"every"`
	Weekdays []string `json:"weekdays,omitempty"`
	Until    string   `json:"until"`
}

// BookResponse is what a booking request made.
type BookResponse struct {
	Items   []BookingJSON `json:"items"`
	Skipped []SkippedJSON `json:"skipped"`
}

// SkippedJSON is a date of a series left out.
type SkippedJSON struct {
	Date   string `json:"date"`
	Reason string `json:"reason"`
}

// ChangeRequest moves a booking; an empty resource_id keeps the resource.
type ChangeRequest struct {
	ResourceID string `json:"resource_id,omitempty"`
	Date       string `json:"date"`
	Part       string `json:"part,omitempty"`
	From       string `json:"from,omitempty"`
	To         string `json:"to,omitempty"`
	Title      string `json:"title,omitempty"`
	Attendees  int    `json:"attendees,omitempty"`
}

// AvailabilityJSON is a desk's or room's day.
type AvailabilityJSON struct {
	ResourceID string      `json:"resource_id"`
	Date       string      `json:"date"`
	Taken      []TakenJSON `json:"taken"`
}

// TakenJSON is a time a desk or room is held; yours marks the caller's own.
type TakenJSON struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Status string    `json:"status"`
	Yours  bool      `json:"yours"`
}

func (p *bookingsPart) routeAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	tags := []string{"bookings"}
	id := web.Param{Name: "id", In: "path", Required: true, Description: "A booking ID (bkg_...)"}
	api.HandleFunc("GET /api/v1/bookings", web.Op{Summary: "List my bookings", OperationID: "listBookings", Tags: tags, Scopes: read,
		Description: "Your upcoming bookings (held, waiting for approval or on a waiting list), soonest first; past=true for ended, cancelled, released and rejected ones, newest first.",
		Params:      []web.Param{{Name: "past", In: "query", Description: "true: past bookings"}, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}},
		Responses:   map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[BookingJSON]{})}},
	}, p.apiList)
	api.HandleFunc("POST /api/v1/bookings", web.Op{Summary: "Book a desk or room", OperationID: "createBooking", Tags: tags, Scopes: write,
		Description: "Books once or as a series within the rules of the resource's kind. A taken time is 409 naming it (for a series, every taken date), unless skip_clashes or wait.",
		Request:     web.SchemaOf(BookRequest{}),
		Responses:   map[int]web.Response{201: {Description: "The bookings made, and the dates of a series left out.", Schema: web.SchemaOf(BookResponse{})}},
	}, p.apiCreate)
	api.HandleFunc("GET /api/v1/bookings/{id}", web.Op{Summary: "Get a booking", OperationID: "getBooking", Tags: tags, Scopes: read, Params: []web.Param{id},
		Responses: map[int]web.Response{200: {Description: "The booking.", Schema: web.SchemaOf(BookingJSON{})}},
	}, p.apiGet)
	api.HandleFunc("PATCH /api/v1/bookings/{id}", web.Op{Summary: "Change a booking", OperationID: "changeBooking", Tags: tags, Scopes: write, Params: []web.Param{id},
		Description: "Moves the booking to another date, time or resource within the rules. It keeps its ID; sequence goes up by one.",
		Request:     web.SchemaOf(ChangeRequest{}),
		Responses:   map[int]web.Response{200: {Description: "The changed booking.", Schema: web.SchemaOf(BookingJSON{})}},
	}, p.apiChange)
	api.HandleFunc("POST /api/v1/bookings/{id}/cancel", web.Op{Summary: "Cancel a booking", OperationID: "cancelBooking", Tags: tags, Scopes: write, Params: []web.Param{id},
		Description: "Cancels the booking or place on a waiting list; a booking already checked in ends at the next quarter hour instead. The freed time goes to the waiting list.",
		Responses:   map[int]web.Response{200: {Description: "The booking as it now is.", Schema: web.SchemaOf(BookingJSON{})}},
	}, p.apiCancel)
	api.HandleFunc("POST /api/v1/bookings/{id}/check-in", web.Op{Summary: "Check in to a booking", OperationID: "checkInBooking", Tags: tags, Scopes: write, Params: []web.Param{id},
		Description: "From half an hour before the start until the end, by the booker.",
		Responses:   map[int]web.Response{200: {Description: "The booking, checked in.", Schema: web.SchemaOf(BookingJSON{})}},
	}, p.apiCheckIn)
	api.HandleFunc("GET /api/v1/resources/{id}/availability", web.Op{Summary: "A desk's or room's day", OperationID: "resourceAvailability", Tags: tags, Scopes: read,
		Params:    []web.Param{{Name: "id", In: "path", Required: true, Description: "A resource ID (res_...)"}, {Name: "date", In: "query", Required: true, Description: "YYYY-MM-DD"}},
		Responses: map[int]web.Response{200: {Description: "The times it is held that day.", Schema: web.SchemaOf(AvailabilityJSON{})}},
	}, p.apiAvailability)
}

func (p *bookingsPart) apiList(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	pr, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	items, next, err := p.ws.MyBookings(r.Context(), sub, workplace.BookingList{Past: r.URL.Query().Get("past") == "true", After: pr.Cursor, Limit: pr.Limit})
	if err != nil {
		return err
	}
	out := web.List[BookingJSON]{Items: []BookingJSON{}}
	for _, b := range items {
		out.Items = append(out.Items, bookingJSON(b))
	}
	if next != nil {
		out.NextCursor = web.EncodeCursor(next...)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

func (p *bookingsPart) apiCreate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var req BookRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	in := workplace.BookInput{ResourceID: req.ResourceID, Date: req.Date, Part: req.Part, From: req.From, To: req.To, Title: req.Title,
		Attendees: req.Attendees, SkipClashes: req.SkipClashes, Wait: req.Wait}
	if req.Repeat != nil {
		in.Repeat = workplace.Repeat{Every: req.Repeat.Every, Until: req.Repeat.Until}
		for _, d := range req.Repeat.Weekdays {
			wd, ok := weekdays[strings.ToLower(d)]
			if !ok {
				return platform.Invalid("Check the series", platform.FieldError{Field: "repeat.weekdays", Message: "Name weekdays in English, like monday"})
			}
			in.Repeat.Weekdays = append(in.Repeat.Weekdays, wd)
		}
	}
	res, err := p.ws.Book(r.Context(), sub, in)
	if err != nil {
		return err
	}
	out := BookResponse{Items: []BookingJSON{}, Skipped: []SkippedJSON{}}
	for _, b := range res.Bookings {
		out.Items = append(out.Items, bookingJSON(b))
	}
	for _, s := range res.Skipped {
		out.Skipped = append(out.Skipped, SkippedJSON{Date: s.Day.Format("2006-01-02"), Reason: s.Reason})
	}
	w.Header().Set("Location", "/api/v1/bookings/"+res.Bookings[0].ID)
	return web.WriteJSON(w, http.StatusCreated, out)
}

func (p *bookingsPart) apiGet(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.Booking(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, bookingJSON(b))
}

func (p *bookingsPart) apiChange(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var req ChangeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	b, err := p.ws.Change(r.Context(), sub, r.PathValue("id"), workplace.ChangeInput{ResourceID: req.ResourceID, Date: req.Date, Part: req.Part,
		From: req.From, To: req.To, Title: req.Title, Attendees: req.Attendees})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, bookingJSON(b))
}

func (p *bookingsPart) apiCancel(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.Cancel(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, bookingJSON(b))
}

func (p *bookingsPart) apiCheckIn(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.CheckIn(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, bookingJSON(b))
}

func (p *bookingsPart) apiAvailability(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if _, err := p.ws.Resource(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	date := r.URL.Query().Get("date")
	day, err := p.ws.ResourceDay(r.Context(), sub, r.PathValue("id"), date)
	if err != nil {
		return err
	}
	out := AvailabilityJSON{ResourceID: r.PathValue("id"), Date: date, Taken: []TakenJSON{}}
	for _, b := range day {
		if b.Status != workplace.StatusWaiting {
			out.Taken = append(out.Taken, TakenJSON{Start: b.Start, End: b.End, Status: b.Status, Yours: b.PersonID == sub.UserID})
		}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
