package workplaceweb

import (
	"context"
	"testing"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// TestPlacesDemo: the demonstration estate is Sessions House with three
// planned floors, forty desks placed on them, four rooms and kit; made
// once.
func TestPlacesDemo(t *testing.T) {
	storetest.Each(t, placesMods, func(t *testing.T, db *store.DB) {
		e := newPlacesEnv(t, db)
		env := &module.DemoEnv{Org: func(context.Context, string) (platform.Org, error) { return e.org, nil },
			Person: func(context.Context, platform.Org, string) (*platform.Subject, error) {
				return nil, platform.NotFound("person")
			}}
		pnoErr(t, e.m.Demo(e.ctx, env))
		pnoErr(t, e.m.Demo(e.ctx, env)) // once only
		sid := e.subject("Sid")
		ws := e.m.Store()
		bs, err := ws.Buildings(e.ctx, sid)
		pnoErr(t, err)
		if len(bs) != 1 || bs[0].Name != "Sessions House" || bs[0].Address != "County Road, Maidstone ME14 1XQ" {
			t.Fatalf("buildings %+v", bs)
		}
		fs, err := ws.Floors(e.ctx, sid, bs[0].ID)
		pnoErr(t, err)
		if len(fs) != 3 {
			t.Fatalf("floors %+v", fs)
		}
		for _, f := range fs {
			if f.PlanType != workplace.PlanSVG || f.PlanWidth != 1000 || f.PlanHeight != 600 {
				t.Errorf("%s plan %+v", f.Name, f)
			}
		}
		count := func(f workplace.ResourceFilter) []workplace.Resource {
			rs, err := ws.Resources(e.ctx, sid, f)
			pnoErr(t, err)
			return rs
		}
		desks := count(workplace.ResourceFilter{Kind: workplace.KindDesk})
		if len(desks) != 40 {
			t.Fatalf("%d desks", len(desks))
		}
		for _, d := range desks {
			if !d.Placed() {
				t.Errorf("%s is not on its plan", d.Name)
			}
		}
		for _, feature := range workplace.Features[:4] {
			if n := len(count(workplace.ResourceFilter{Kind: workplace.KindDesk, Feature: feature})); n == 0 || n == 40 {
				t.Errorf("%d desks with %s: no mix", n, feature)
			}
		}
		rooms := count(workplace.ResourceFilter{Kind: workplace.KindRoom})
		video := count(workplace.ResourceFilter{Kind: workplace.KindRoom, Feature: workplace.FeatureVideo})
		if len(rooms) != 4 || len(video) != 2 {
			t.Fatalf("rooms %+v", rooms)
		}
		kit := count(workplace.ResourceFilter{Kind: workplace.KindEquipment})
		if len(kit) != 18 || kit[0].AssetTag == "" {
			t.Fatalf("kit %+v", kit)
		}
		zs, err := ws.Zones(e.ctx, sid, "")
		pnoErr(t, err)
		hoods := map[string]bool{}
		for _, z := range zs {
			if z.UnitID != "" {
				hoods[z.Name] = true
			}
		}
		if !hoods["Finance neighbourhood"] || !hoods["Adults neighbourhood"] {
			t.Fatalf("neighbourhoods %+v", zs)
		}
		var first string
		for _, f := range fs {
			if f.Level == 1 {
				first = f.ID
			}
		}
		pwant(t, e.browser("Sid").Get("/floors/"+first), 200, "Medway Room", "Finance neighbourhood", `aria-label="1: Desk 1.01"`)
		pwant(t, e.browser("Sid").Get("/floors/"+first+"/plan"), 200, "Finance neighbourhood", "<svg")
	})
}
