package workplaceweb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// featureLabels are the features as pages name them.
var featureLabels = map[string]string{
	workplace.FeatureDocking:    "Docking station",
	workplace.FeatureMonitors:   "Monitors",
	workplace.FeatureStanding:   "Standing desk",
	workplace.FeatureAccessible: "Accessible",
	workplace.FeatureVideo:      "Video conferencing",
}

var kindLabels = map[string]string{workplace.KindDesk: "Desk", workplace.KindRoom: "Meeting room", workplace.KindEquipment: "Equipment"}

func featureText(fs []string) string {
	var out []string
	for _, f := range fs {
		out = append(out, featureLabels[f])
	}
	if len(out) == 0 {
		return "None"
	}
	return strings.Join(out, ", ")
}

type buildingFloor struct {
	workplace.Floor
	Desks, Rooms int
}

type buildingPage struct {
	Building workplace.Building
	Floors   []buildingFloor
	Keep     bool
}

func (p *placesPart) buildingPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	b, err := p.ws.Building(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	fs, err := p.ws.Floors(ctx, sub, b.ID)
	if b.Withdrawn {
		fs, err = p.ws.AllFloors(ctx, sub, b.ID)
	}
	if err != nil {
		return err
	}
	out := buildingPage{Building: b, Keep: workplace.CanKeep(sub) && !b.Withdrawn}
	for _, f := range fs {
		rs, err := p.ws.Resources(ctx, sub, workplace.ResourceFilter{FloorID: f.ID, Withdrawn: b.Withdrawn})
		if err != nil {
			return err
		}
		bf := buildingFloor{Floor: f}
		for _, res := range rs {
			switch res.Kind {
			case workplace.KindDesk:
				bf.Desks++
			case workplace.KindRoom:
				bf.Rooms++
			}
		}
		out.Floors = append(out.Floors, bf)
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_building", out)
}

// floorRow is a desk or room as the floor's table shows it; N is its
// number, the same as its marker's on the plan.
type floorRow struct {
	workplace.Resource
	N        int
	ZoneName string
	Features string
}

type zoneRow struct {
	workplace.Zone
	UnitName string
	Desks    int
}

type floorPage struct {
	Floor     workplace.Floor
	Building  workplace.Building
	Rows      []floorRow
	Equipment []workplace.Resource
	Withdrawn []workplace.Resource
	Zones     []zoneRow
	Placed    int
	PlanCSS   template.CSS
	Keep      bool
}

// floorData gathers a floor with its zones and what is on it.
func (p *placesPart) floorData(ctx context.Context, sub *platform.Subject, id string) (floorPage, error) {
	var out floorPage
	f, err := p.ws.Floor(ctx, sub, id)
	if err != nil {
		return out, err
	}
	b, err := p.ws.Building(ctx, sub, f.BuildingID)
	if err != nil {
		return out, err
	}
	out.Floor, out.Building, out.Keep = f, b, workplace.CanKeep(sub) && !f.Withdrawn
	zones, err := p.ws.AllZones(ctx, sub, f.ID)
	if err != nil {
		return out, err
	}
	units, _, err := p.unitNames(ctx, sub)
	if err != nil {
		return out, err
	}
	zoneNames := map[string]string{}
	for _, z := range zones {
		zoneNames[z.ID] = z.Name
	}
	rs, err := p.ws.Resources(ctx, sub, workplace.ResourceFilter{FloorID: f.ID, Withdrawn: true})
	if err != nil {
		return out, err
	}
	var css strings.Builder
	inZone := map[string]int{}
	for _, res := range rs {
		switch {
		case !res.Active && !f.Withdrawn:
			out.Withdrawn = append(out.Withdrawn, res)
		case res.Kind == workplace.KindEquipment:
			out.Equipment = append(out.Equipment, res)
		default:
			row := floorRow{Resource: res, N: len(out.Rows) + 1, ZoneName: zoneNames[res.ZoneID], Features: featureText(res.Features)}
			out.Rows = append(out.Rows, row)
			inZone[res.ZoneID]++
			if res.Placed() {
				out.Placed++
				fmt.Fprintf(&css, ".dbtp-plan__m%d{left:%.1f%%;top:%.1f%%}", row.N, float64(res.X)/10, float64(res.Y)/10)
			}
		}
	}
	for _, z := range zones {
		if !z.Withdrawn {
			out.Zones = append(out.Zones, zoneRow{Zone: z, UnitName: units[z.UnitID], Desks: inZone[z.ID]})
		}
	}
	// Only numbers the page made itself go into the style sheet.
	out.PlanCSS = template.CSS(css.String())
	return out, nil
}

func (p *placesPart) floorPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	out, err := p.floorData(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/places_floor", out)
}

// plan serves a floor's plan picture. An SVG may carry script: it is
// served as an image under a sandbox that runs nothing and loads nothing,
// never sniffed, and pages show it only through <img>.
func (p *placesPart) plan(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	rc, f, size, err := p.ws.OpenFloorPlan(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	// The first segment is read (and authenticated by the file store)
	// before anything is sent, so damage is an error page, not half a picture.
	br := bufio.NewReaderSize(rc, 64<<10)
	if _, err := br.Peek(1); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.PlanType)
	h.Set("Content-Security-Policy", workplace.PlanCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	_, err = io.Copy(w, br)
	if err != nil {
		// Headers are sent: nothing more can be said to the browser.
		return nil
	}
	return nil
}
