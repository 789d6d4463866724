package workplaceweb

import (
	"bytes"
	"context"
	"embed"
	"fmt"

	"dbtp/internal/platform"
	"dbtp/internal/workplace"
)

// The demonstration estate: Sessions House, Kent County Council's
// headquarters in Maidstone, with three floors drawn as plain SVG plans
// (demoplans/, 1000 by 600 units), team neighbourhoods for Finance and
// Adults, forty desks, four meeting rooms named after Kent rivers and
// loanable kit. The other parts add bookings, devices and readings after.

//go:embed demoplans/*.svg
var demoPlans embed.FS

// demoDesk is a desk's place on its plan, in plan units (1000 by 600).
type demoDesk struct{ px, py int }

func (d demoDesk) x() int { return d.px }
func (d demoDesk) y() int { return d.py * 1000 / 600 }

// grid lays desks out in rows across an open-plan area.
func grid(xs, ys []int) []demoDesk {
	var out []demoDesk
	for _, y := range ys {
		for _, x := range xs {
			out = append(out, demoDesk{x, y})
		}
	}
	return out
}

// demoFeatures gives the desks a realistic mix: most have a docking
// station, half have monitors, every fourth is a standing desk and every
// sixth is kept accessible.
func demoFeatures(n int) []string {
	var fs []string
	if n%5 != 4 {
		fs = append(fs, workplace.FeatureDocking)
	}
	if n%2 == 0 {
		fs = append(fs, workplace.FeatureMonitors)
	}
	if n%4 == 3 {
		fs = append(fs, workplace.FeatureStanding)
	}
	if n%6 == 1 {
		fs = append(fs, workplace.FeatureAccessible)
	}
	return fs
}

func demoPlaces(ctx context.Context, ws *workplace.Store, dir platform.Directory, org platform.Org) error {
	sys := platform.System(org.ID)
	b, err := ws.CreateBuilding(ctx, sys, workplace.BuildingInput{Name: "Sessions House", UPRN: "200003655411", Address: "County Road, Maidstone ME14 1XQ"})
	if err != nil {
		return err
	}
	unit := func(name string) string {
		id, err := dir.UnitID(ctx, org.ID, name)
		if err != nil {
			return "" // no such unit in this demo: an ordinary zone
		}
		return id
	}
	type zoneSpec struct {
		name, unit string
		desks      []demoDesk
	}
	type roomSpec struct {
		name     string
		capacity int
		video    bool
		at       demoDesk
	}
	floors := []struct {
		name, plan string
		level      int
		zones      []zoneSpec
		rooms      []roomSpec
	}{
		{"Ground floor", "ground-floor.svg", 0,
			[]zoneSpec{{"Touchdown desks", "", grid([]int{80, 180, 280}, []int{400, 490})}},
			[]roomSpec{{"Darent Room", 4, false, demoDesk{410, 120}}, {"Stour Room", 12, true, demoDesk{630, 120}}}},
		{"First floor", "first-floor.svg", 1,
			[]zoneSpec{{"Finance neighbourhood", unit("Finance"), grid([]int{510, 590, 670, 750, 830, 910}, []int{70, 160})},
				{"Flexible desks", "", grid([]int{70, 150, 230, 310, 390, 470}, []int{390, 480})}},
			[]roomSpec{{"Medway Room", 20, true, demoDesk{140, 120}}, {"Swale Room", 8, false, demoDesk{360, 120}}}},
		{"Second floor", "second-floor.svg", 2,
			[]zoneSpec{{"Adults neighbourhood", unit("Adults"), grid([]int{100, 240, 380, 520}, []int{80, 170})},
				{"Quiet zone", "", grid([]int{740, 890}, []int{120})}},
			nil},
	}
	var ground string
	n := 0 // every desk's number in the building, for the mix of features
	for _, fl := range floors {
		k := 0 // the desk's number on its floor, for its name
		f, err := ws.CreateFloor(ctx, sys, workplace.FloorInput{BuildingID: b.ID, Name: fl.name, Level: fl.level})
		if err != nil {
			return err
		}
		if fl.level == 0 {
			ground = f.ID
		}
		plan, err := demoPlans.ReadFile("demoplans/" + fl.plan)
		if err != nil {
			return err
		}
		if _, err := ws.SetFloorPlan(ctx, sys, f.ID, bytes.NewReader(plan)); err != nil {
			return err
		}
		for _, zs := range fl.zones {
			z, err := ws.CreateZone(ctx, sys, workplace.ZoneInput{FloorID: f.ID, Name: zs.name, UnitID: zs.unit})
			if err != nil {
				return err
			}
			for _, d := range zs.desks {
				n, k = n+1, k+1
				_, err := ws.CreateResource(ctx, sys, workplace.ResourceInput{Kind: workplace.KindDesk, Name: fmt.Sprintf("Desk %d.%02d", fl.level, k),
					FloorID: f.ID, ZoneID: z.ID, X: d.x(), Y: d.y(), Features: demoFeatures(n)})
				if err != nil {
					return err
				}
			}
		}
		for _, rs := range fl.rooms {
			var fs []string
			if rs.video {
				fs = []string{workplace.FeatureVideo, workplace.FeatureAccessible}
			}
			if _, err := ws.CreateResource(ctx, sys, workplace.ResourceInput{Kind: workplace.KindRoom, Name: rs.name, FloorID: f.ID,
				X: rs.at.x(), Y: rs.at.y(), Capacity: rs.capacity, Features: fs}); err != nil {
				return err
			}
		}
	}
	// Kit lent from the IT service desk on the ground floor.
	kit := []struct {
		category, prefix, name string
		count                  int
	}{{"laptop", "KCC-LT", "Laptop", 8}, {"headset", "KCC-HS", "Headset", 6}, {"monitor", "KCC-MN", "Portable monitor", 4}}
	for _, k := range kit {
		for i := 1; i <= k.count; i++ {
			if _, err := ws.CreateResource(ctx, sys, workplace.ResourceInput{Kind: workplace.KindEquipment, Name: fmt.Sprintf("%s %d", k.name, i),
				FloorID: ground, X: -1, Y: -1, Category: k.category, AssetTag: fmt.Sprintf("%s-%04d", k.prefix, i)}); err != nil {
				return err
			}
		}
	}
	// The rules, written down so the rules page shows what was chosen:
	// desks by the day up to two weeks ahead, rooms in half-hour slots.
	desk := workplace.DefaultRules(workplace.KindDesk)
	desk.MaxDaysAhead, desk.MaxActive = 14, 10
	room := workplace.DefaultRules(workplace.KindRoom)
	room.SlotMinutes, room.MaxDaysAhead = 30, 90
	// Up to six items each: the services demo's equipment requests
	// already reserve three for Jo Baker, who must still be able to
	// borrow a laptop herself.
	equipment := workplace.DefaultRules(workplace.KindEquipment)
	equipment.MaxActive = 6
	for _, r := range []workplace.Rules{desk, room, equipment} {
		if err := ws.SaveRules(ctx, sys, r); err != nil {
			return err
		}
	}
	return nil
}
