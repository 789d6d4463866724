package workplaceweb

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// The forms that keep desks, rooms and equipment, place them on the
// plan, set the booking rules and close days.

type resourceForm struct {
	*web.Form
	Resource  *workplace.Resource // nil when adding
	Kinds     []web.Option
	Floors    []web.Option
	Zones     []web.Option
	Features  []web.Option
	Approvals []web.Option
}

func (p *placesPart) resourceFormPage(ctx context.Context, sub *platform.Subject, res *workplace.Resource, f *web.Form) (resourceForm, error) {
	out := resourceForm{Form: f, Resource: res,
		Kinds: []web.Option{{Value: workplace.KindDesk, Text: "Desk"}, {Value: workplace.KindRoom, Text: "Meeting room"},
			{Value: workplace.KindEquipment, Text: "Equipment", Hint: "A laptop, headset, monitor or other item people borrow"}}}
	for _, ft := range workplace.Features {
		out.Features = append(out.Features, web.Option{Value: ft, Text: featureLabels[ft]})
	}
	out.Approvals = []web.Option{{Value: "", Text: "As the booking rules for its kind say", Hint: "The rules for desks or for rooms, at Booking rules"},
		{Value: "yes", Text: "A manager of the booker's team approves every booking of it"},
		{Value: "no", Text: "No booking of it needs approval"}}
	bs, err := p.ws.Buildings(ctx, sub)
	if err != nil {
		return out, err
	}
	fs, err := p.ws.Floors(ctx, sub, "")
	if err != nil {
		return out, err
	}
	zs, err := p.ws.Zones(ctx, sub, "")
	if err != nil {
		return out, err
	}
	out.Floors = []web.Option{{Value: "", Text: "Choose a floor"}}
	out.Zones = []web.Option{{Value: "", Text: "No zone"}}
	floorNames := map[string]string{}
	for _, b := range bs {
		for _, fl := range fs {
			if fl.BuildingID == b.ID {
				floorNames[fl.ID] = b.Name + ", " + fl.Name
				out.Floors = append(out.Floors, web.Option{Value: fl.ID, Text: floorNames[fl.ID]})
			}
		}
	}
	for _, z := range zs {
		if name, ok := floorNames[z.FloorID]; ok {
			out.Zones = append(out.Zones, web.Option{Value: z.ID, Text: z.Name + " (" + name + ")"})
		}
	}
	return out, nil
}

func resourceValues(res workplace.Resource) url.Values {
	v := url.Values{"kind": {res.Kind}, "name": {res.Name}, "floor_id": {res.FloorID}, "zone_id": {res.ZoneID},
		"capacity": {strconv.Itoa(res.Capacity)}, "category": {res.Category}, "asset_tag": {res.AssetTag}, "features": res.Features,
		"approval": {approvalValue(res.NeedsApproval)}}
	if res.Placed() {
		v.Set("x", strconv.Itoa(res.X))
		v.Set("y", strconv.Itoa(res.Y))
	}
	return v
}

// approvalValue is a resource's own approval setting as the form's
// radios say it: "" follows the kind's rules, yes or no overrides them.
func approvalValue(p *bool) string {
	switch {
	case p == nil:
		return ""
	case *p:
		return "yes"
	}
	return "no"
}

// parseApproval reads the form's approval radios.
func parseApproval(v string) (*bool, bool) {
	switch v {
	case "":
		return nil, true
	case "yes", "no":
		b := v == "yes"
		return &b, true
	}
	return nil, false
}

func (p *placesPart) resourceForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	values := url.Values{"kind": {q.Get("kind")}, "floor_id": {q.Get("floor")}, "capacity": {"1"}, "approval": {""}}
	var res *workplace.Resource
	if id := r.PathValue("id"); id != "" {
		cur, err := p.ws.Resource(r.Context(), sub, id)
		if err != nil {
			return err
		}
		res, values = &cur, resourceValues(cur)
	}
	out, err := p.resourceFormPage(r.Context(), sub, res, web.NewForm(values))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_resourceform", out)
}

func (p *placesPart) saveResource(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	n := numbers{r: r}
	in := workplace.ResourceInput{Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"), FloorID: r.PostFormValue("floor_id"),
		ZoneID: r.PostFormValue("zone_id"), Features: r.PostForm["features"], Category: r.PostFormValue("category"), AssetTag: r.PostFormValue("asset_tag"),
		Capacity: n.get("capacity", 1, "Enter how many people it seats as a whole number"),
		X:        n.get("x", -1, "Enter the position across as a whole number from 0 to 1000"),
		Y:        n.get("y", -1, "Enter the position down as a whole number from 0 to 1000")}
	approval, ok := parseApproval(r.PostFormValue("approval"))
	if !ok {
		n.errs = append(n.errs, platform.FieldError{Field: "approval", Message: "Choose whether its bookings need approval"})
	}
	in.NeedsApproval = approval
	var res workplace.Resource
	var cur *workplace.Resource
	if id := r.PathValue("id"); id != "" {
		c, err := p.ws.Resource(ctx, sub, id)
		if err != nil {
			return err
		}
		cur, in.Kind = &c, c.Kind
	}
	if len(n.errs) > 0 {
		err = in.Check()
	} else {
		if cur != nil {
			res, err = p.ws.UpdateResource(ctx, sub, cur.ID, in)
		} else {
			res, err = p.ws.CreateResource(ctx, sub, in)
		}
	}
	if err = n.err(err); err != nil {
		if !formError(err) {
			return err
		}
		out, oerr := p.resourceFormPage(ctx, sub, cur, web.FormErrors(r, err))
		if oerr != nil {
			return oerr
		}
		return web.Render(w, r, statusFor(err), "workplace/places_resourceform", out)
	}
	return redirect(w, r, res.Name+" saved", resourceHome(res))
}

// resourceHome is the page a resource is kept from: its floor's.
func resourceHome(res workplace.Resource) string {
	if res.FloorID == "" {
		return "/workplace"
	}
	return "/floors/" + res.FloorID
}

type placeForm struct {
	*web.Form
	Resource workplace.Resource
	Floor    workplace.Floor
	PlanCSS  template.CSS // where its marker is now
	// Others are the floor's other placed desks and rooms, shown faintly
	// so that a new desk is not put on top of one already there.
	Others []placedOther
}

type placedOther struct {
	Class, Name, Short string
}

func (p *placesPart) placeFormPage(r *http.Request, sub *platform.Subject, f *web.Form) (placeForm, error) {
	res, err := p.ws.Resource(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return placeForm{}, err
	}
	if res.FloorID == "" {
		return placeForm{}, platform.Errorf(platform.CodeNotFound, "%s is not on a floor, so it has no place on a plan", res.Name)
	}
	fl, err := p.ws.Floor(r.Context(), sub, res.FloorID)
	if err != nil {
		return placeForm{}, err
	}
	if f == nil {
		f = web.NewForm(url.Values{})
		if res.Placed() {
			f = web.NewForm(url.Values{"x": {strconv.Itoa(res.X)}, "y": {strconv.Itoa(res.Y)}})
		}
	}
	out := placeForm{Form: f, Resource: res, Floor: fl}
	var css strings.Builder
	if res.Placed() {
		fmt.Fprintf(&css, ".dbtp-plan__m1{left:%.1f%%;top:%.1f%%}", float64(res.X)/10, float64(res.Y)/10)
	}
	others, err := p.ws.Resources(r.Context(), sub, workplace.ResourceFilter{FloorID: fl.ID})
	if err != nil {
		return placeForm{}, err
	}
	for _, o := range others {
		if o.ID == res.ID || !o.Placed() || (o.Kind != workplace.KindDesk && o.Kind != workplace.KindRoom) {
			continue
		}
		c := fmt.Sprintf("dbtp-plan__o%d", len(out.Others))
		fmt.Fprintf(&css, ".%s{left:%.1f%%;top:%.1f%%}", c, float64(o.X)/10, float64(o.Y)/10)
		short := o.Name
		if i := strings.LastIndexByte(short, ' '); i >= 0 && o.Kind == workplace.KindDesk {
			short = short[i+1:]
		}
		out.Others = append(out.Others, placedOther{Class: c, Name: o.Name, Short: short})
	}
	out.PlanCSS = template.CSS(css.String())
	return out, nil
}

func (p *placesPart) placeForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	out, err := p.placeFormPage(r, sub, nil)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_place", out)
}

func (p *placesPart) savePlace(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	n := numbers{r: r}
	x := n.get("x", -1, "Enter the position across as a whole number from 0 to 1000")
	y := n.get("y", -1, "Enter the position down as a whole number from 0 to 1000")
	var res workplace.Resource
	if len(n.errs) == 0 {
		res, err = p.ws.PlaceResource(r.Context(), sub, r.PathValue("id"), x, y)
	}
	if err = n.err(err); err != nil {
		if !formError(err) {
			return err
		}
		out, oerr := p.placeFormPage(r, sub, web.FormErrors(r, err))
		if oerr != nil {
			return oerr
		}
		return web.Render(w, r, statusFor(err), "workplace/places_place", out)
	}
	msg := res.Name + " placed on the plan"
	if !res.Placed() {
		msg = res.Name + " taken off the plan"
	}
	return redirect(w, r, msg, "/floors/"+res.FloorID)
}

func (p *placesPart) reinstateResource(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	res, err := p.ws.Resource(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := p.ws.ReinstateResource(r.Context(), sub, res.ID); err != nil {
		return err
	}
	return redirect(w, r, res.Name+" is back in use", resourceHome(res))
}

// ruleRow is one kind's rules as the rules page shows them.
type ruleRow struct {
	workplace.Rules
	Label string
	Rows  []web.SummaryRow
}

type rulesPage struct {
	*web.Form
	Kinds       []ruleRow
	Edit        *ruleRow // the kind being changed
	Granularity []web.Option
	Slots       []web.Option
	Flags       []web.Option
	Keep        bool
}

func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// parseHHMM reads a time of day like 08:30 as minutes after midnight;
// 24:00 is the end of the day.
func parseHHMM(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hv, err1 := strconv.Atoi(h)
	mv, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hv < 0 || mv < 0 || mv > 59 || hv > 24 || (hv == 24 && mv != 0) {
		return 0, false
	}
	return hv*60 + mv, true
}

func describeRules(r workplace.Rules) []web.SummaryRow {
	how := map[string]string{workplace.ByDay: "Whole days", workplace.ByHalfDay: "Mornings or afternoons",
		workplace.BySlot: fmt.Sprintf("Slots of %d minutes", r.SlotMinutes)}[r.Granularity]
	yes := func(b bool, y, n string) string {
		if b {
			return y
		}
		return n
	}
	grace := "Never released"
	if r.GraceMinutes > 0 {
		grace = fmt.Sprintf("Released if nobody checks in within %d minutes", r.GraceMinutes)
	}
	return []web.SummaryRow{
		{Key: "Booked in", Value: how},
		{Key: "How far ahead", Value: fmt.Sprintf("Up to %d days", r.MaxDaysAhead)},
		{Key: "Bookings at once", Value: fmt.Sprintf("Up to %d a person", r.MaxActive)},
		{Key: "Hours", Value: hhmm(r.OpensMinute) + " to " + hhmm(r.ClosesMinute)},
		{Key: "Approval", Value: yes(r.NeedsApproval, "A manager of the booker's team approves each booking", "Not needed")},
		{Key: "Repeating bookings", Value: yes(r.AllowRecurring, "Allowed", "Not allowed")},
		{Key: "No-shows", Value: grace},
	}
}

func (p *placesPart) rulesData(ctx context.Context, sub *platform.Subject, kind string) (rulesPage, error) {
	out := rulesPage{Keep: workplace.CanKeep(sub),
		Granularity: []web.Option{{Value: workplace.ByDay, Text: "Whole days"}, {Value: workplace.ByHalfDay, Text: "Mornings or afternoons"},
			{Value: workplace.BySlot, Text: "Time slots"}},
		Slots: []web.Option{{Value: "15", Text: "15 minutes"}, {Value: "30", Text: "30 minutes"}, {Value: "60", Text: "1 hour"}},
		Flags: []web.Option{{Value: "approval", Text: "A manager of the booker's team must approve each booking"},
			{Value: "recurring", Text: "People may make repeating bookings"}}}
	all, err := p.ws.AllRules(ctx, sub)
	if err != nil {
		return out, err
	}
	for _, r := range all {
		row := ruleRow{Rules: r, Label: kindLabels[r.Kind], Rows: describeRules(r)}
		out.Kinds = append(out.Kinds, row)
		if r.Kind == kind {
			out.Edit = &row
		}
	}
	return out, nil
}

func rulesValues(r workplace.Rules) url.Values {
	v := url.Values{"kind": {r.Kind}, "max_days_ahead": {strconv.Itoa(r.MaxDaysAhead)}, "max_active": {strconv.Itoa(r.MaxActive)},
		"granularity": {r.Granularity}, "slot_minutes": {strconv.Itoa(r.SlotMinutes)}, "opens": {hhmm(r.OpensMinute)}, "closes": {hhmm(r.ClosesMinute)},
		"grace_minutes": {strconv.Itoa(r.GraceMinutes)}}
	if r.NeedsApproval {
		v.Add("flags", "approval")
	}
	if r.AllowRecurring {
		v.Add("flags", "recurring")
	}
	return v
}

// rulesPage shows every kind's rules; ?kind= shows the form that
// changes one kind's.
func (p *placesPart) rulesPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	if kind != "" {
		if sub, err = keeper(r); err != nil {
			return err
		}
	}
	out, err := p.rulesData(r.Context(), sub, kind)
	if err != nil {
		return err
	}
	if kind != "" && out.Edit == nil {
		return platform.NotFound("kind of resource")
	}
	out.Form = web.NewForm(url.Values{})
	if out.Edit != nil {
		out.Form = web.NewForm(rulesValues(out.Edit.Rules))
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_rules", out)
}

func (p *placesPart) saveRules(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	n := numbers{r: r}
	rules := workplace.Rules{Kind: r.PostFormValue("kind"), Granularity: r.PostFormValue("granularity"),
		MaxDaysAhead:  n.get("max_days_ahead", -1, "Enter how many days ahead as a whole number"),
		MaxActive:     n.get("max_active", 0, "Enter how many bookings at once as a whole number"),
		SlotMinutes:   n.get("slot_minutes", 0, "Choose the length of a slot"),
		GraceMinutes:  n.get("grace_minutes", 0, "Enter the minutes as a whole number"),
		NeedsApproval: hasValue(r.PostForm["flags"], "approval"), AllowRecurring: hasValue(r.PostForm["flags"], "recurring")}
	opens, ok1 := parseHHMM(r.PostFormValue("opens"))
	closes, ok2 := parseHHMM(r.PostFormValue("closes"))
	if !ok1 {
		n.errs = append(n.errs, platform.FieldError{Field: "opens", Message: "Enter the opening time like 08:00"})
	}
	if !ok2 {
		n.errs = append(n.errs, platform.FieldError{Field: "closes", Message: "Enter the closing time like 18:00"})
	}
	rules.OpensMinute, rules.ClosesMinute = opens, closes
	if rules.Granularity != workplace.BySlot {
		rules.SlotMinutes = 0
	}
	if len(n.errs) > 0 {
		err = rules.Check()
	} else {
		err = p.ws.SaveRules(r.Context(), sub, rules)
	}
	if err = n.err(err); err != nil {
		if !formError(err) {
			return err
		}
		out, oerr := p.rulesData(r.Context(), sub, rules.Kind)
		if oerr != nil {
			return oerr
		}
		if out.Edit == nil {
			return platform.NotFound("kind of resource")
		}
		out.Form = web.FormErrors(r, err)
		return web.Render(w, r, statusFor(err), "workplace/places_rules", out)
	}
	return redirect(w, r, "Booking rules for "+strings.ToLower(kindLabels[rules.Kind])+"s saved", "/resources/rules")
}

func hasValue(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

type closureRow struct {
	workplace.Closure
	Date     string
	What     string
	Building string
}

type closuresPage struct {
	*web.Form
	Closures  []closureRow
	Kinds     []web.Option
	Buildings []web.Option
	Keep      bool
}

func (p *placesPart) closuresData(ctx context.Context, sub *platform.Subject, f *web.Form) (closuresPage, error) {
	out := closuresPage{Form: f, Keep: workplace.CanKeep(sub),
		Kinds: []web.Option{{Value: "", Text: "Everything"}, {Value: workplace.KindDesk, Text: "Desks"}, {Value: workplace.KindRoom, Text: "Meeting rooms"},
			{Value: workplace.KindEquipment, Text: "Equipment"}}}
	bs, err := p.ws.Buildings(ctx, sub)
	if err != nil {
		return out, err
	}
	names := map[string]string{}
	out.Buildings = []web.Option{{Value: "", Text: "Every building"}}
	for _, b := range bs {
		names[b.ID] = b.Name
		out.Buildings = append(out.Buildings, web.Option{Value: b.ID, Text: b.Name})
	}
	now := p.now().In(p.ws.Location())
	cs, err := p.ws.Closures(ctx, sub, now, now.AddDate(1, 0, 0))
	if err != nil {
		return out, err
	}
	what := map[string]string{"": "Everything", workplace.KindDesk: "Desks", workplace.KindRoom: "Meeting rooms", workplace.KindEquipment: "Equipment"}
	for _, c := range cs {
		row := closureRow{Closure: c, What: what[c.Kind], Building: "Every building"}
		if c.BuildingID != "" {
			row.Building = names[c.BuildingID]
			if row.Building == "" {
				row.Building = "A withdrawn building"
			}
		}
		if d, err := time.Parse("2006-01-02", c.Day); err == nil {
			row.Date = d.Format("Monday 2 January 2006")
		}
		out.Closures = append(out.Closures, row)
	}
	return out, nil
}

func (p *placesPart) closuresPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	out, err := p.closuresData(r.Context(), sub, web.NewForm(url.Values{}))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_closures", out)
}

func (p *placesPart) saveClosure(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	c, err := p.ws.CreateClosure(r.Context(), sub, workplace.ClosureInput{Day: r.PostFormValue("day"), Kind: r.PostFormValue("kind"),
		BuildingID: r.PostFormValue("building_id"), Reason: r.PostFormValue("reason")})
	if formError(err) {
		out, oerr := p.closuresData(r.Context(), sub, web.FormErrors(r, err))
		if oerr != nil {
			return oerr
		}
		return web.Render(w, r, statusFor(err), "workplace/places_closures", out)
	}
	if err != nil {
		return err
	}
	day := c.Day
	if t, err := time.Parse(time.DateOnly, c.Day); err == nil {
		day = t.Format("Monday 2 January 2006")
	}
	return redirect(w, r, "Closed on "+day+": "+c.Reason, "/closures")
}

func (p *placesPart) deleteClosure(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	if err := p.ws.DeleteClosure(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "The day is open for booking again", "/closures")
}
