package workplaceweb

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// The forms that keep buildings, floors (with their plans) and zones.
// Each shows its problems at the top with what was typed kept, and works
// without JavaScript.

type buildingForm struct {
	*web.Form
	Building *workplace.Building // nil when adding
}

func (p *placesPart) buildingForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	out := buildingForm{Form: web.NewForm(url.Values{})}
	if id := r.PathValue("id"); id != "" {
		b, err := p.ws.Building(r.Context(), sub, id)
		if err != nil {
			return err
		}
		out.Building = &b
		out.Form = web.NewForm(url.Values{"name": {b.Name}, "uprn": {b.UPRN}, "address": {b.Address}})
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_buildingform", out)
}

func (p *placesPart) saveBuilding(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	in := workplace.BuildingInput{Name: r.PostFormValue("name"), UPRN: r.PostFormValue("uprn"), Address: r.PostFormValue("address")}
	var b workplace.Building
	var cur *workplace.Building
	if id := r.PathValue("id"); id != "" {
		c, gerr := p.ws.Building(ctx, sub, id)
		if gerr != nil {
			return gerr
		}
		cur = &c
		b, err = p.ws.UpdateBuilding(ctx, sub, id, in)
	} else {
		b, err = p.ws.CreateBuilding(ctx, sub, in)
	}
	if formError(err) {
		return web.Render(w, r, statusFor(err), "workplace/places_buildingform", buildingForm{Form: web.FormErrors(r, err), Building: cur})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, b.Name+" saved", "/buildings/"+b.ID)
}

type floorForm struct {
	*web.Form
	Building workplace.Building
	Floor    *workplace.Floor // nil when adding
	MaxSize  string
}

func (p *placesPart) floorForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	out := floorForm{MaxSize: "5 MB"}
	buildingID := r.URL.Query().Get("building")
	values := url.Values{"level": {"0"}}
	if id := r.PathValue("id"); id != "" {
		f, err := p.ws.Floor(ctx, sub, id)
		if err != nil {
			return err
		}
		out.Floor, buildingID = &f, f.BuildingID
		values = url.Values{"name": {f.Name}, "level": {strconv.Itoa(f.Level)}}
	}
	b, err := p.ws.Building(ctx, sub, buildingID)
	if err != nil {
		return err
	}
	out.Building, out.Form = b, web.NewForm(values)
	return web.Render(w, r, http.StatusOK, "workplace/places_floorform", out)
}

// planUpload reads the plan chosen on a floor form, if any, and checks
// it before anything is written, so a bad picture leaves no floor behind.
func planUpload(r *http.Request) ([]byte, error) {
	fh, _, err := r.FormFile("plan")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &platform.Error{Code: platform.CodeTooLarge, Message: "The floor plan must be 5 MB or smaller",
				Fields: []platform.FieldError{{Field: "plan", Message: "The floor plan must be 5 MB or smaller"}}}
		}
		return nil, platform.Invalid("The floor plan could not be read", platform.FieldError{Field: "plan", Message: "The floor plan could not be read: choose it again"})
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, workplace.MaxPlanBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, nil
	}
	if _, _, _, err := workplace.CheckPlan(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (p *placesPart) saveFloor(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	out := floorForm{MaxSize: "5 MB"}
	buildingID := r.PostFormValue("building_id")
	if id := r.PathValue("id"); id != "" {
		f, err := p.ws.Floor(ctx, sub, id)
		if err != nil {
			return err
		}
		out.Floor, buildingID = &f, f.BuildingID
	}
	if out.Building, err = p.ws.Building(ctx, sub, buildingID); err != nil {
		return err
	}
	n := numbers{r: r}
	in := workplace.FloorInput{BuildingID: buildingID, Name: r.PostFormValue("name"),
		Level: n.get("level", 0, "Enter the level as a whole number, like 0 for the ground floor or 1 for the first")}
	plan, perr := planUpload(r)
	var f workplace.Floor
	err = perr
	if len(n.errs) > 0 {
		err = in.Check()
	}
	if err == nil && len(n.errs) == 0 {
		if out.Floor != nil {
			f, err = p.ws.UpdateFloor(ctx, sub, out.Floor.ID, in)
		} else {
			f, err = p.ws.CreateFloor(ctx, sub, in)
		}
	}
	if err == nil && plan != nil {
		_, err = p.ws.SetFloorPlan(ctx, sub, f.ID, bytes.NewReader(plan))
	}
	if err = n.err(err); err != nil {
		if !formError(err) {
			return err
		}
		out.Form = web.FormErrors(r, err)
		return web.Render(w, r, statusFor(err), "workplace/places_floorform", out)
	}
	return redirect(w, r, f.Name+" saved", "/floors/"+f.ID)
}

type zoneForm struct {
	*web.Form
	Floor workplace.Floor
	Zone  *workplace.Zone
	Units []web.Option
}

func (p *placesPart) zoneFormPage(r *http.Request, sub *platform.Subject, floorID string, z *workplace.Zone, f *web.Form) (zoneForm, error) {
	out := zoneForm{Form: f, Zone: z}
	fl, err := p.ws.Floor(r.Context(), sub, floorID)
	if err != nil {
		return out, err
	}
	out.Floor = fl
	_, out.Units, err = p.unitNames(r.Context(), sub)
	return out, err
}

func (p *placesPart) zoneForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	floorID, values := r.URL.Query().Get("floor"), url.Values{}
	var z *workplace.Zone
	if id := r.PathValue("id"); id != "" {
		cur, err := p.ws.Zone(r.Context(), sub, id)
		if err != nil {
			return err
		}
		z, floorID = &cur, cur.FloorID
		values = url.Values{"name": {cur.Name}, "unit_id": {cur.UnitID}}
	}
	out, err := p.zoneFormPage(r, sub, floorID, z, web.NewForm(values))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_zoneform", out)
}

func (p *placesPart) saveZone(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	floorID := r.PostFormValue("floor_id")
	var cur *workplace.Zone
	if id := r.PathValue("id"); id != "" {
		z, err := p.ws.Zone(ctx, sub, id)
		if err != nil {
			return err
		}
		cur, floorID = &z, z.FloorID
	}
	in := workplace.ZoneInput{FloorID: floorID, Name: r.PostFormValue("name"), UnitID: r.PostFormValue("unit_id")}
	err = p.checkUnit(ctx, sub, in.UnitID)
	var z workplace.Zone
	if err == nil {
		if cur != nil {
			z, err = p.ws.UpdateZone(ctx, sub, cur.ID, in)
		} else {
			z, err = p.ws.CreateZone(ctx, sub, in)
		}
	}
	if formError(err) {
		out, oerr := p.zoneFormPage(r, sub, floorID, cur, web.FormErrors(r, err))
		if oerr != nil {
			return oerr
		}
		return web.Render(w, r, statusFor(err), "workplace/places_zoneform", out)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, z.Name+" saved", "/floors/"+z.FloorID)
}

func (p *placesPart) withdrawZone(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	z, err := p.ws.Zone(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := p.ws.WithdrawZone(r.Context(), sub, z.ID); err != nil {
		return err
	}
	return redirect(w, r, z.Name+" withdrawn: its desks stay on the floor", "/floors/"+z.FloorID)
}
