package workplaceweb

import (
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// The places part's JSON API: buildings, floors and their plans, zones,
// resources, booking rules and closures. Reading needs the read scope
// and a member of staff; changing needs the write scope and a workplace
// manager or administrator (the engine decides).

// ResourceBody is a desk, room or piece of equipment as the API takes
// it. Leave x and y out (or send -1) for one not placed on the plan.
type ResourceBody struct {
	Kind     string   `json:"kind"` // desk, room or equipment; ignored on update
	Name     string   `json:"name"`
	FloorID  string   `json:"floor_id,omitempty"`
	ZoneID   string   `json:"zone_id,omitempty"`
	X        *int     `json:"x,omitempty"` // thousandths of the plan's width
	Y        *int     `json:"y,omitempty"`
	Capacity int      `json:"capacity,omitempty"` // default 1
	Features []string `json:"features,omitempty"` // docking, monitors, standing, accessible, video
	Category string   `json:"category,omitempty"`
	AssetTag string   `json:"asset_tag,omitempty"`
	// NeedsApproval true or false overrides the kind's booking rules for
	// this desk or room; left out (or null), the rules decide.
	NeedsApproval *bool `json:"needs_approval,omitempty"`
}

func (b ResourceBody) input() workplace.ResourceInput {
	in := workplace.ResourceInput{Kind: b.Kind, Name: b.Name, FloorID: b.FloorID, ZoneID: b.ZoneID, X: -1, Y: -1, Capacity: b.Capacity,
		Features: b.Features, Category: b.Category, AssetTag: b.AssetTag, NeedsApproval: b.NeedsApproval}
	if b.X != nil {
		in.X = *b.X
	}
	if b.Y != nil {
		in.Y = *b.Y
	}
	return in
}

// ClosureList is the closures between two days, bank holidays included.
type ClosureList struct {
	Items []workplace.Closure `json:"items"`
}

var (
	tagPlaces   = []string{"workplace places"}
	pathID      = web.Param{Name: "id", In: "path", Required: true, Description: "Its ID."}
	withdrawnQ  = web.Param{Name: "withdrawn", In: "query", Description: "yes: withdrawn ones only (buildings) or as well (resources)"}
	placesRead  = []string{platform.ScopeRead}
	placesWrite = []string{platform.ScopeWrite}
)

func ok(desc string, v any) map[int]web.Response {
	return map[int]web.Response{200: {Description: desc, Schema: web.SchemaOf(v)}}
}

func created(desc string, v any) map[int]web.Response {
	return map[int]web.Response{201: {Description: desc, Schema: web.SchemaOf(v)}}
}

func (p *placesPart) routeAPI(api *web.API) {
	op := func(pattern, id, summary, desc string, scopes []string, params []web.Param, req web.Schema, res map[int]web.Response, h func(http.ResponseWriter, *http.Request) error, o ...web.RouteOption) {
		api.HandleFunc(pattern, web.Op{Summary: summary, Description: desc, OperationID: id, Tags: tagPlaces, Scopes: scopes, Params: params, Request: req, Responses: res}, h, o...)
	}
	op("GET /api/v1/buildings", "listBuildings", "List buildings", "The buildings in use, by name; withdrawn=yes lists the withdrawn ones.",
		placesRead, []web.Param{withdrawnQ}, nil, ok("The buildings.", web.List[workplace.Building]{}), p.apiBuildings)
	op("POST /api/v1/buildings", "createBuilding", "Add a building", "", placesWrite, nil, web.SchemaOf(workplace.BuildingInput{}),
		created("The building; Location names it.", workplace.Building{}), p.apiCreateBuilding)
	op("GET /api/v1/buildings/{id}", "getBuilding", "Get a building", "", placesRead, []web.Param{pathID}, nil, ok("The building.", workplace.Building{}), p.apiBuilding)
	op("PUT /api/v1/buildings/{id}", "updateBuilding", "Change a building", "Replaces its name, UPRN and address.", placesWrite, []web.Param{pathID},
		web.SchemaOf(workplace.BuildingInput{}), ok("The building.", workplace.Building{}), p.apiUpdateBuilding)
	op("POST /api/v1/buildings/{id}/withdraw", "withdrawBuilding", "Withdraw a building",
		"Takes it out of use with its floors, their zones and every desk, room and item on them; all are kept for history. Their bookings that have not ended (but those checked in now) are cancelled and each booker emailed a cancellation.",
		placesWrite, []web.Param{pathID}, nil, map[int]web.Response{204: {Description: "Withdrawn."}}, p.apiWithdraw("building"))

	op("GET /api/v1/floors", "listFloors", "List floors", "The floors in use, lowest first.", placesRead,
		[]web.Param{{Name: "building", In: "query", Description: "Only this building's floors (bld_...)"}}, nil, ok("The floors.", web.List[workplace.Floor]{}), p.apiFloors)
	op("POST /api/v1/floors", "createFloor", "Add a floor", "", placesWrite, nil, web.SchemaOf(workplace.FloorInput{}),
		created("The floor; Location names it.", workplace.Floor{}), p.apiCreateFloor)
	op("GET /api/v1/floors/{id}", "getFloor", "Get a floor", "", placesRead, []web.Param{pathID}, nil, ok("The floor.", workplace.Floor{}), p.apiFloor)
	op("PUT /api/v1/floors/{id}", "updateFloor", "Change a floor", "Its name and level; building_id is ignored.", placesWrite, []web.Param{pathID},
		web.SchemaOf(workplace.FloorInput{}), ok("The floor.", workplace.Floor{}), p.apiUpdateFloor)
	op("POST /api/v1/floors/{id}/withdraw", "withdrawFloor", "Withdraw a floor", "Takes it out of use with its zones and everything on it, kept for history; their bookings that have not ended (but those checked in now) are cancelled and each booker emailed a cancellation.",
		placesWrite, []web.Param{pathID}, nil, map[int]web.Response{204: {Description: "Withdrawn."}}, p.apiWithdraw("floor"))
	op("PUT /api/v1/floors/{id}/plan", "putFloorPlan", "Upload a floor plan",
		"The body is the picture: SVG or PNG, known by its content whatever the Content-Type says, 5 MB at most. It replaces any plan the floor had.",
		placesWrite, []web.Param{pathID}, web.Schema{"type": "string", "format": "binary"}, ok("The floor, with the plan's type and size.", workplace.Floor{}),
		p.apiPutPlan, web.MaxBody(workplace.MaxPlanBytes+64<<10))
	op("GET /api/v1/floors/{id}/plan", "getFloorPlan", "Download a floor plan",
		"The picture as uploaded, served under a sandboxing Content-Security-Policy; show it only through <img>.",
		placesRead, []web.Param{pathID}, nil, map[int]web.Response{200: {Description: "The picture (image/svg+xml or image/png)."}}, p.plan)

	op("GET /api/v1/zones", "listZones", "List zones", "The zones in use, by name.", placesRead,
		[]web.Param{{Name: "floor", In: "query", Description: "Only this floor's zones (flr_...)"}}, nil, ok("The zones.", web.List[workplace.Zone]{}), p.apiZones)
	op("POST /api/v1/zones", "createZone", "Add a zone", "A business_unit_id makes it that unit's team neighbourhood.", placesWrite, nil,
		web.SchemaOf(workplace.ZoneInput{}), created("The zone.", workplace.Zone{}), p.apiCreateZone)
	op("PUT /api/v1/zones/{id}", "updateZone", "Change a zone", "Its name and business unit; floor_id is ignored.", placesWrite, []web.Param{pathID},
		web.SchemaOf(workplace.ZoneInput{}), ok("The zone.", workplace.Zone{}), p.apiUpdateZone)
	op("POST /api/v1/zones/{id}/withdraw", "withdrawZone", "Withdraw a zone", "Its desks and rooms stay on the floor, in no zone.",
		placesWrite, []web.Param{pathID}, nil, map[int]web.Response{204: {Description: "Withdrawn."}}, p.apiWithdraw("zone"))

	op("GET /api/v1/resources", "listResources", "List desks, rooms and equipment", "In use, by floor and name, a page at a time.", placesRead,
		[]web.Param{{Name: "kind", In: "query", Description: "desk, room or equipment"}, {Name: "floor", In: "query", Description: "A floor's ID"},
			{Name: "zone", In: "query", Description: "A zone's ID"}, {Name: "feature", In: "query", Description: "docking, monitors, standing, accessible or video"},
			withdrawnQ, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}},
		nil, ok("One page.", web.List[workplace.Resource]{}), p.apiResources)
	op("POST /api/v1/resources", "createResource", "Add a desk, room or piece of equipment", "", placesWrite, nil, web.SchemaOf(ResourceBody{}),
		created("The resource; Location names it.", workplace.Resource{}), p.apiCreateResource)
	op("GET /api/v1/resources/{id}", "getResource", "Get a desk, room or piece of equipment", "Withdrawn ones too (active false).", placesRead,
		[]web.Param{pathID}, nil, ok("The resource.", workplace.Resource{}), p.apiResource)
	op("PUT /api/v1/resources/{id}", "updateResource", "Change a desk, room or piece of equipment",
		"Replaces its details and place (needs_approval left out follows the kind's rules again); its kind never changes. A withdrawn one is 409.", placesWrite, []web.Param{pathID},
		web.SchemaOf(ResourceBody{}), ok("The resource.", workplace.Resource{}), p.apiUpdateResource)
	op("POST /api/v1/resources/{id}/withdraw", "withdrawResource", "Withdraw a desk, room or piece of equipment", "It is kept, with its past bookings, for history; its bookings that have not ended (but one checked in now) are cancelled and each booker emailed a cancellation. Equipment reservations stay for the stores to move or cancel.",
		placesWrite, []web.Param{pathID}, nil, map[int]web.Response{204: {Description: "Withdrawn."}}, p.apiWithdraw("resource"))
	op("POST /api/v1/resources/{id}/reinstate", "reinstateResource", "Bring a withdrawn resource back", "409 when its floor is withdrawn.",
		placesWrite, []web.Param{pathID}, nil, map[int]web.Response{204: {Description: "In use again."}}, p.apiWithdraw("reinstate"))

	op("GET /api/v1/booking-rules", "listBookingRules", "Booking rules", "How each kind of resource is booked.", placesRead, nil, nil,
		ok("One set of rules per kind.", web.List[workplace.Rules]{}), p.apiRules)
	op("PUT /api/v1/booking-rules/{kind}", "putBookingRules", "Change a kind's booking rules", "Bookings already made stand.", placesWrite,
		[]web.Param{{Name: "kind", In: "path", Required: true, Description: "desk, room or equipment"}}, web.SchemaOf(workplace.Rules{}),
		ok("The rules.", workplace.Rules{}), p.apiPutRules)

	op("GET /api/v1/closures", "listClosures", "Closed days", "Days nothing (or one kind, or one building) can be booked, bank holidays included, by day.",
		placesRead, []web.Param{{Name: "from", In: "query", Description: "YYYY-MM-DD; default today"}, {Name: "to", In: "query", Description: "YYYY-MM-DD; default a year after from"}},
		nil, ok("The closures.", ClosureList{}), p.apiClosures)
	op("POST /api/v1/closures", "createClosure", "Close a day", "Empty kind and building_id close every kind in every building.", placesWrite, nil,
		web.SchemaOf(workplace.ClosureInput{}), created("The closure.", workplace.Closure{}), p.apiCreateClosure)
	op("DELETE /api/v1/closures/{id}", "deleteClosure", "Open a closed day again", "", placesWrite, []web.Param{pathID}, nil,
		map[int]web.Response{204: {Description: "Deleted."}}, p.apiDeleteClosure)
}

func writeCreated(w http.ResponseWriter, loc string, v any) error {
	w.Header().Set("Location", loc)
	return web.WriteJSON(w, http.StatusCreated, v)
}

func items[T any](xs []T) web.List[T] {
	if xs == nil {
		xs = []T{}
	}
	return web.List[T]{Items: xs}
}

func (p *placesPart) apiBuildings(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var bs []workplace.Building
	switch r.URL.Query().Get("withdrawn") {
	case "":
		bs, err = p.ws.Buildings(r.Context(), sub)
	case "yes":
		bs, err = p.ws.WithdrawnBuildings(r.Context(), sub)
	default:
		return platform.Invalid("Check the query", platform.FieldError{Field: "withdrawn", Message: "must be yes or left out"})
	}
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, items(bs))
}

func (p *placesPart) apiBuilding(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.Building(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, b)
}

func (p *placesPart) apiCreateBuilding(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.BuildingInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	b, err := p.ws.CreateBuilding(r.Context(), sub, in)
	if err != nil {
		return err
	}
	return writeCreated(w, "/api/v1/buildings/"+b.ID, b)
}

func (p *placesPart) apiUpdateBuilding(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.BuildingInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	b, err := p.ws.UpdateBuilding(r.Context(), sub, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, b)
}

// apiWithdraw withdraws (or reinstates) what the path names.
func (p *placesPart) apiWithdraw(what string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sub, err := staff(r)
		if err != nil {
			return err
		}
		ctx, id := r.Context(), r.PathValue("id")
		switch what {
		case "building":
			_, err = p.ws.WithdrawBuilding(ctx, sub, id)
		case "floor":
			_, err = p.ws.WithdrawFloor(ctx, sub, id)
		case "zone":
			err = p.ws.WithdrawZone(ctx, sub, id)
		case "resource":
			_, err = p.ws.WithdrawResource(ctx, sub, id)
		case "reinstate":
			err = p.ws.ReinstateResource(ctx, sub, id)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (p *placesPart) apiFloors(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	fs, err := p.ws.Floors(r.Context(), sub, r.URL.Query().Get("building"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, items(fs))
}

func (p *placesPart) apiFloor(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	f, err := p.ws.Floor(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, f)
}

func (p *placesPart) apiCreateFloor(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.FloorInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := p.ws.CreateFloor(r.Context(), sub, in)
	if err != nil {
		return err
	}
	return writeCreated(w, "/api/v1/floors/"+f.ID, f)
}

func (p *placesPart) apiUpdateFloor(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.FloorInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := p.ws.UpdateFloor(r.Context(), sub, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, f)
}

func (p *placesPart) apiPutPlan(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	f, err := p.ws.SetFloorPlan(r.Context(), sub, r.PathValue("id"), r.Body)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, f)
}

func (p *placesPart) apiZones(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	zs, err := p.ws.Zones(r.Context(), sub, r.URL.Query().Get("floor"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, items(zs))
}

func (p *placesPart) apiCreateZone(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.ZoneInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := p.checkUnit(r.Context(), sub, in.UnitID); err != nil {
		return apiUnitField(err)
	}
	z, err := p.ws.CreateZone(r.Context(), sub, in)
	if err != nil {
		return err
	}
	return writeCreated(w, "/api/v1/zones/"+z.ID, z)
}

// apiUnitField names the unit field as the API spells it.
func apiUnitField(err error) error {
	e := platform.AsError(err)
	if len(e.Fields) == 0 {
		return err
	}
	return platform.Invalid(e.Message, platform.FieldError{Field: "business_unit_id", Message: e.Fields[0].Message})
}

func (p *placesPart) apiUpdateZone(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.ZoneInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := p.checkUnit(r.Context(), sub, in.UnitID); err != nil {
		return apiUnitField(err)
	}
	z, err := p.ws.UpdateZone(r.Context(), sub, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, z)
}

func (p *placesPart) apiResources(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	pg, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := workplace.ResourceFilter{Kind: q.Get("kind"), FloorID: q.Get("floor"), ZoneID: q.Get("zone"), Feature: q.Get("feature"), After: pg.Cursor, Limit: pg.Limit + 1}
	if f.Kind != "" && !hasValue(workplace.Kinds, f.Kind) {
		return platform.Invalid("Check the query", platform.FieldError{Field: "kind", Message: "must be desk, room or equipment"})
	}
	if f.Feature != "" && !hasValue(workplace.Features, f.Feature) {
		return platform.Invalid("Check the query", platform.FieldError{Field: "feature", Message: "must be one of " + strings.Join(workplace.Features, ", ")})
	}
	if pg.Cursor != nil && len(pg.Cursor) != 3 {
		return platform.Invalid("The cursor is not valid; start again from the first page.", platform.FieldError{Field: "cursor", Message: "is not a cursor returned by this API"})
	}
	switch q.Get("withdrawn") {
	case "":
	case "yes":
		f.Withdrawn = true
	default:
		return platform.Invalid("Check the query", platform.FieldError{Field: "withdrawn", Message: "must be yes or left out"})
	}
	rs, err := p.ws.Resources(r.Context(), sub, f)
	if err != nil {
		return err
	}
	out := items(rs)
	if len(rs) > pg.Limit {
		out.Items = rs[:pg.Limit]
		out.NextCursor = web.EncodeCursor(rs[pg.Limit-1].SortKey()...)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *placesPart) apiResource(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	res, err := p.ws.Resource(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, res)
}

func (p *placesPart) apiCreateResource(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in ResourceBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := p.ws.CreateResource(r.Context(), sub, in.input())
	if err != nil {
		return err
	}
	return writeCreated(w, "/api/v1/resources/"+res.ID, res)
}

func (p *placesPart) apiUpdateResource(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in ResourceBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := p.ws.UpdateResource(r.Context(), sub, r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, res)
}

func (p *placesPart) apiRules(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	rs, err := p.ws.AllRules(r.Context(), sub)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, items(rs))
}

func (p *placesPart) apiPutRules(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.Rules
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	in.Kind = r.PathValue("kind")
	if !hasValue(workplace.Kinds, in.Kind) {
		return platform.NotFound("kind of resource")
	}
	if err := p.ws.SaveRules(r.Context(), sub, in); err != nil {
		return err
	}
	out, err := p.ws.RulesFor(r.Context(), sub, in.Kind)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *placesPart) apiClosures(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q, loc := r.URL.Query(), p.ws.Location()
	from := p.now().In(loc)
	var errs []platform.FieldError
	if s := q.Get("from"); s != "" {
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			errs = append(errs, platform.FieldError{Field: "from", Message: "must be a date like 2026-04-03"})
		}
		from = d
	}
	to := from.AddDate(1, 0, 0)
	if s := q.Get("to"); s != "" {
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			errs = append(errs, platform.FieldError{Field: "to", Message: "must be a date like 2026-04-03"})
		}
		to = d
	}
	if errs == nil && (to.Before(from) || to.After(from.AddDate(2, 0, 0))) {
		errs = append(errs, platform.FieldError{Field: "to", Message: "must be on or after from, and within two years of it"})
	}
	if errs != nil {
		return platform.Invalid("Check the query", errs...)
	}
	cs, err := p.ws.Closures(r.Context(), sub, from, to)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []workplace.Closure{}
	}
	return web.WriteJSON(w, http.StatusOK, ClosureList{Items: cs})
}

func (p *placesPart) apiCreateClosure(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.ClosureInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := p.ws.CreateClosure(r.Context(), sub, in)
	if err != nil {
		return err
	}
	return writeCreated(w, "/api/v1/closures?from="+c.Day+"&to="+c.Day, c)
}

func (p *placesPart) apiDeleteClosure(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if err := p.ws.DeleteClosure(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
