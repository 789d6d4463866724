package workplaceweb

import (
	"net/http"
	"net/url"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

type findPage struct {
	*web.Form
	Kinds, Buildings, Floors, Features, Parts []web.Option
	Spots                                     []spotView
	Day                                       string
	Asked                                     bool
	// Yours is a desk the person already has on the day: a person sits
	// at one desk at a time, so every other Book would be refused.
	Yours *spotView
}

// find is /resources: choose a kind, a day (and for rooms a time), a
// building or floor and features, and get the list of what can be
// booked, each with a Book link. It is also the keyboard and screen
// reader way to book what the floor plans show.
func (p *bookingsPart) find(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("kind") != workplace.KindRoom {
		q.Set("kind", workplace.KindDesk)
	}
	if q.Get("date") == "" {
		q.Set("date", p.openDay(r, sub, q.Get("kind")))
	}
	r.URL.RawQuery = q.Encode()
	pg := findPage{Form: queryForm(r, nil), Asked: q.Has("go"), Day: localDay(q.Get("date"), p.ws.Location())}
	pg.Kinds = []web.Option{{Value: workplace.KindDesk, Text: "A desk"}, {Value: workplace.KindRoom, Text: "A meeting room"}}
	pg.Parts = []web.Option{{Value: "", Text: "The whole day"}, {Value: workplace.PartMorning, Text: "The morning"}, {Value: workplace.PartAfternoon, Text: "The afternoon"}}
	floors, labels, err := p.floorOptions(r, sub)
	if err != nil {
		return err
	}
	pg.Floors = append([]web.Option{{Value: "", Text: "Any floor"}}, floors...)
	bs, err := p.ws.Buildings(r.Context(), sub)
	if err != nil {
		return err
	}
	pg.Buildings = []web.Option{{Value: "", Text: "Any building"}}
	for _, b := range bs {
		pg.Buildings = append(pg.Buildings, web.Option{Value: b.ID, Text: b.Name})
	}
	pg.Features = []web.Option{{Value: "", Text: "Any"}}
	for _, f := range workplace.Features {
		pg.Features = append(pg.Features, web.Option{Value: f, Text: featureWords[f]})
	}
	aq := availability(q)
	if q.Get("kind") == workplace.KindDesk {
		aq.From, aq.To = "", ""
	}
	spots, err := p.ws.Availability(r.Context(), sub, aq)
	if refusal(err) {
		pg.Form = queryForm(r, err)
		return web.Render(w, r, http.StatusBadRequest, "workplace/bookings_find", pg)
	}
	if err != nil {
		return err
	}
	pg.Spots = p.spots(spots, q, labels)
	for i, s := range pg.Spots {
		if s.State == workplace.SpotYours && s.Kind == workplace.KindDesk {
			pg.Yours = &pg.Spots[i]
			break
		}
	}
	return web.Render(w, r, http.StatusOK, "workplace/bookings_find", pg)
}

// availability reads an availability query from a page's parameters.
func availability(q url.Values) workplace.AvailabilityQuery {
	return workplace.AvailabilityQuery{Kind: q.Get("kind"), BuildingID: q.Get("building"), FloorID: q.Get("floor"), Feature: q.Get("feature"),
		Date: q.Get("date"), Part: q.Get("part"), From: q.Get("from"), To: q.Get("to"), Attendees: atoi(q.Get("attendees"))}
}

// floorOptions lists every floor as "Building, floor", and the labels by ID.
func (p *bookingsPart) floorOptions(r *http.Request, sub *platform.Subject) ([]web.Option, map[string]string, error) {
	bs, err := p.ws.Buildings(r.Context(), sub)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, b := range bs {
		names[b.ID] = b.Name
	}
	fs, err := p.ws.Floors(r.Context(), sub, "")
	if err != nil {
		return nil, nil, err
	}
	var out []web.Option
	labels := map[string]string{}
	for _, f := range fs {
		labels[f.ID] = names[f.BuildingID] + ", " + f.Name
		out = append(out, web.Option{Value: f.ID, Text: labels[f.ID]})
	}
	return out, labels, nil
}

type floorBookPage struct {
	*web.Form
	Floor    workplace.Floor
	Label    string
	Day      string
	Spots    []spotView
	Placed   []spotView
	Height   float64 // the plan's height as a share of its width, per cent
	PlanURL  string
	Previous string
	Next     string
}

// floor is /floors/{id}/book?date=: the floor's plan with each placed desk
// and room a marker coloured and labelled by what it is to the person
// (free, taken, theirs, not bookable), each a link where there is
// something to do, and the same list beneath.
func (p *bookingsPart) floor(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	f, err := p.ws.Floor(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("date") == "" {
		q.Set("date", p.openDay(r, sub, workplace.KindDesk))
		r.URL.RawQuery = q.Encode()
	}
	_, labels, err := p.floorOptions(r, sub)
	if err != nil {
		return err
	}
	pg := floorBookPage{Form: queryForm(r, nil), Floor: f, Label: labels[f.ID], Day: localDay(q.Get("date"), p.ws.Location()), Height: 60}
	if f.HasPlan() {
		pg.PlanURL = "/floors/" + f.ID + "/plan"
		if f.PlanWidth > 0 && f.PlanHeight > 0 {
			pg.Height = float64(f.PlanHeight) * 100 / float64(f.PlanWidth)
		}
	}
	aq := availability(q)
	aq.FloorID, aq.BuildingID, aq.Kind = f.ID, "", ""
	spots, err := p.ws.Availability(r.Context(), sub, aq)
	if refusal(err) {
		pg.Form = queryForm(r, err)
		return web.Render(w, r, http.StatusBadRequest, "workplace/bookings_floor", pg)
	}
	if err != nil {
		return err
	}
	pg.Spots = p.spots(spots, q, labels)
	for _, s := range pg.Spots {
		if s.Placed() {
			pg.Placed = append(pg.Placed, s)
		}
	}
	if d, err := dayAfter(q.Get("date"), -1); err == nil {
		pg.Previous = "/floors/" + f.ID + "/book?date=" + d
	}
	if d, err := dayAfter(q.Get("date"), 1); err == nil {
		pg.Next = "/floors/" + f.ID + "/book?date=" + d
	}
	return web.Render(w, r, http.StatusOK, "workplace/bookings_floor", pg)
}
