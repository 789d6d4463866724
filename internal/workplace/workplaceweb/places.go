package workplaceweb

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// placesPart is the module's places part: buildings, floors, zones, the
// resources on them, floor plans, the booking rules and closed days; the
// pages that keep them and the front page, /workplace.
type placesPart struct {
	ws  *workplace.Store
	dir platform.Directory
	now func() time.Time
}

func (p *placesPart) init(ctx context.Context, m *Module) error { return nil }

func (p *placesPart) web(srv *web.Server, m *Module) error {
	p.ws, p.dir, p.now = m.ws, m.d.Directory, m.d.Clock.Now
	rt := srv.Router()
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error, o ...web.RouteOption) {
		rt.Handle(pattern, web.RequireSignedInFunc(f), o...)
	}
	upload := web.MaxBody(workplace.MaxPlanBytes + 1<<20) // the plan and the floor's fields
	page("GET /workplace", p.home)
	page("GET /buildings/new", p.buildingForm)
	page("POST /buildings/new", p.saveBuilding)
	page("GET /buildings/{id}", p.buildingPage)
	page("GET /buildings/{id}/edit", p.buildingForm)
	page("POST /buildings/{id}/edit", p.saveBuilding)
	page("GET /buildings/{id}/withdraw", p.withdrawBuilding)
	page("POST /buildings/{id}/withdraw", p.withdrawBuilding)
	page("GET /floors/new", p.floorForm)
	page("POST /floors/new", p.saveFloor, upload)
	page("GET /floors/{id}", p.floorPage)
	page("GET /floors/{id}/edit", p.floorForm)
	page("POST /floors/{id}/edit", p.saveFloor, upload)
	page("GET /floors/{id}/withdraw", p.withdrawFloor)
	page("POST /floors/{id}/withdraw", p.withdrawFloor)
	page("GET /floors/{id}/plan", p.plan)
	page("GET /zones/new", p.zoneForm)
	page("POST /zones/new", p.saveZone)
	page("GET /zones/{id}/edit", p.zoneForm)
	page("POST /zones/{id}/edit", p.saveZone)
	page("POST /zones/{id}/withdraw", p.withdrawZone)
	// The bookings part owns /resources and /resources/{id}; keeping
	// pages sit beside them on literal paths that cannot clash.
	page("GET /resources/new", p.resourceForm)
	page("POST /resources/new", p.saveResource)
	page("GET /resources/{id}/edit", p.resourceForm)
	page("POST /resources/{id}/edit", p.saveResource)
	page("GET /resources/{id}/place", p.placeForm)
	page("POST /resources/{id}/place", p.savePlace)
	page("GET /resources/{id}/withdraw", p.withdrawResource)
	page("POST /resources/{id}/withdraw", p.withdrawResource)
	page("POST /resources/{id}/reinstate", p.reinstateResource)
	page("GET /resources/rules", p.rulesPage)
	page("POST /resources/rules", p.saveRules)
	page("GET /closures", p.closuresPage)
	page("POST /closures", p.saveClosure)
	page("POST /closures/{id}/delete", p.deleteClosure)
	p.routeAPI(srv.API())
	return nil
}

func (p *placesPart) start(ctx context.Context, m *Module) error { return nil }

// keeper refuses anyone who does not keep the estate, for the pages
// that change it (the engine checks again in its write).
func keeper(r *http.Request) (*platform.Subject, error) {
	sub, err := staff(r)
	if err != nil {
		return nil, err
	}
	if !workplace.CanKeep(sub) {
		return nil, platform.Errorf(platform.CodeForbidden, "Only workplace managers and administrators change the buildings, desks, rooms and equipment")
	}
	return sub, nil
}

// statusFor is the status a form page is shown again with.
func statusFor(err error) int {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid:
		return http.StatusUnprocessableEntity
	case platform.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case platform.CodeConflict:
		return http.StatusConflict
	case platform.CodeNotFound:
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// formError is true for the errors a form is shown again with; anything
// else (forbidden, internal) becomes an error page.
func formError(err error) bool {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeTooLarge, platform.CodeConflict:
		return true
	}
	return false
}

// numbers reads whole-number form fields; a field left empty takes its
// default, and one that is not a whole number is a field error.
type numbers struct {
	r    *http.Request
	errs []platform.FieldError
}

func (n *numbers) get(name string, def int, msg string) int {
	s := strings.TrimSpace(n.r.PostFormValue(name))
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		n.errs = append(n.errs, platform.FieldError{Field: name, Message: msg})
		return def
	}
	return v
}

// err joins the number errors with the engine's: both are shown at once.
func (n *numbers) err(engine error) error {
	if len(n.errs) == 0 {
		return engine
	}
	fields := append([]platform.FieldError{}, n.errs...)
	if engine != nil {
		for _, f := range platform.AsError(engine).Fields {
			if !hasField(fields, f.Field) {
				fields = append(fields, f)
			}
		}
	}
	return platform.Invalid("Check the form", fields...)
}

func hasField(fs []platform.FieldError, name string) bool {
	for _, f := range fs {
		if f.Field == name {
			return true
		}
	}
	return false
}

func redirect(w http.ResponseWriter, r *http.Request, flash, to string) error {
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// unitNames maps the organisation's business units' IDs to names.
func (p *placesPart) unitNames(ctx context.Context, sub *platform.Subject) (map[string]string, []web.Option, error) {
	us, err := p.dir.Units(ctx, platform.System(sub.OrgID))
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	opts := []web.Option{{Value: "", Text: "None: anyone may book here"}}
	for _, u := range us {
		names[u.ID] = u.Name
		opts = append(opts, web.Option{Value: u.ID, Text: u.Name})
	}
	return names, opts, nil
}

// checkUnit checks that a zone's business unit is one of the directory's.
func (p *placesPart) checkUnit(ctx context.Context, sub *platform.Subject, unitID string) error {
	if unitID == "" {
		return nil
	}
	names, _, err := p.unitNames(ctx, sub)
	if err != nil {
		return err
	}
	if _, ok := names[unitID]; !ok {
		return platform.Invalid("Choose one of the business units", platform.FieldError{Field: "unit_id", Message: "Choose one of the business units, or none"})
	}
	return nil
}

type homeBuilding struct {
	workplace.Building
	Floors []workplace.Floor
}

type homePage struct {
	Buildings []homeBuilding
	Withdrawn []workplace.Building
	Keep      bool
	// Manage: managers (and those who keep the estate) decide on
	// bookings that need approval and read the utilisation.
	Manage bool
}

// home is the workplace's front page for all staff: the buildings and
// their floors, where to book, and for managers where to keep the estate.
func (p *placesPart) home(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	bs, err := p.ws.Buildings(ctx, sub)
	if err != nil {
		return err
	}
	fs, err := p.ws.Floors(ctx, sub, "")
	if err != nil {
		return err
	}
	out := homePage{Keep: workplace.CanKeep(sub)}
	out.Manage = out.Keep || sub.HasRole(platform.RoleManager)
	for _, b := range bs {
		hb := homeBuilding{Building: b}
		for _, f := range fs {
			if f.BuildingID == b.ID {
				hb.Floors = append(hb.Floors, f)
			}
		}
		out.Buildings = append(out.Buildings, hb)
	}
	if out.Keep {
		if out.Withdrawn, err = p.ws.WithdrawnBuildings(ctx, sub); err != nil {
			return err
		}
	}
	return web.Render(w, r, http.StatusOK, "workplace/home", out)
}

func (p *placesPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return demoPlaces(ctx, m.ws, m.d.Directory, org)
}
