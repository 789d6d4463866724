package workplace

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestUpdateAndWithdraw: the workplace manager changes and withdraws
// places; withdrawn ones leave the lists but stay for history; nobody
// else may, and another organisation finds nothing to change.
func TestUpdateAndWithdraw(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()

		b, err := e.ws.UpdateBuilding(e.ctx, e.kim, s.building.ID, BuildingInput{Name: "Sessions House", UPRN: "200003655411", Address: "County Road, Maidstone ME14 1XQ"})
		noErr(t, err)
		if b.Name != "Sessions House" || b.Address != "County Road, Maidstone ME14 1XQ" {
			t.Fatalf("updated building %+v", b)
		}
		_, err = e.ws.UpdateBuilding(e.ctx, e.kim, s.building.ID, BuildingInput{Name: "", UPRN: "x"})
		wantField(t, err, "uprn")
		_, err = e.ws.UpdateBuilding(e.ctx, e.sid, s.building.ID, BuildingInput{Name: "Mine"})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.UpdateBuilding(e.ctx, e.other, s.building.ID, BuildingInput{Name: "Theirs"})
		wantCode(t, err, platform.CodeNotFound)

		f, err := e.ws.UpdateFloor(e.ctx, e.kim, s.floor.ID, FloorInput{Name: "Level 1", Level: 1})
		noErr(t, err)
		if f.Name != "Level 1" || f.BuildingID != s.building.ID {
			t.Fatalf("updated floor %+v", f)
		}
		_, err = e.ws.UpdateFloor(e.ctx, e.kim, s.floor.ID, FloorInput{Name: "Level 1", Level: 999})
		wantField(t, err, "level")

		z, err := e.ws.UpdateZone(e.ctx, e.kim, s.zone.ID, ZoneInput{Name: "Adults neighbourhood", UnitID: e.units["Adults"]})
		noErr(t, err)
		if z.UnitID != e.units["Adults"] || z.FloorID != s.floor.ID {
			t.Fatalf("updated zone %+v", z)
		}

		// A resource changes details and place, but not its kind; its zone
		// must be on its floor.
		r, err := e.ws.UpdateResource(e.ctx, e.kim, s.desk2.ID, ResourceInput{Name: "Desk 1.02", FloorID: s.floor.ID, ZoneID: s.zone.ID, X: 300, Y: 400,
			Features: []string{FeatureAccessible, FeatureMonitors, FeatureAccessible}})
		noErr(t, err)
		if !r.Placed() || r.X != 300 || r.ZoneID != s.zone.ID || len(r.Features) != 2 || r.Kind != KindDesk {
			t.Fatalf("updated desk %+v", r)
		}
		_, err = e.ws.UpdateResource(e.ctx, e.kim, s.desk2.ID, ResourceInput{Kind: KindRoom, Name: "Desk 1.02", FloorID: s.floor.ID})
		wantField(t, err, "kind")
		_, err = e.ws.UpdateResource(e.ctx, e.kim, s.desk2.ID, ResourceInput{Name: "Medway Room", FloorID: s.floor.ID})
		noErr(t, err) // a desk may share a room's name: names are per kind
		_, err = e.ws.UpdateResource(e.ctx, e.kim, s.desk2.ID, ResourceInput{Name: "Desk 1.01", FloorID: s.floor.ID})
		wantField(t, err, "name")
		other, err := e.ws.CreateFloor(e.ctx, e.kim, FloorInput{BuildingID: s.building.ID, Name: "Second floor", Level: 2})
		noErr(t, err)
		_, err = e.ws.UpdateResource(e.ctx, e.kim, s.desk2.ID, ResourceInput{Name: "Desk 1.02", FloorID: other.ID, ZoneID: s.zone.ID})
		wantField(t, err, "zone_id")
		_, err = e.ws.UpdateResource(e.ctx, e.mel, s.desk2.ID, ResourceInput{Name: "Desk 1.02", FloorID: s.floor.ID})
		wantCode(t, err, platform.CodeForbidden)

		p, err := e.ws.PlaceResource(e.ctx, e.kim, s.desk1.ID, 650, 125)
		noErr(t, err)
		if p.X != 650 || p.Y != 125 {
			t.Fatalf("placed at %d,%d", p.X, p.Y)
		}
		_, err = e.ws.PlaceResource(e.ctx, e.kim, s.desk1.ID, 1001, 5)
		wantField(t, err, "x")
		_, err = e.ws.PlaceResource(e.ctx, e.other, s.desk1.ID, 5, 5)
		wantCode(t, err, platform.CodeNotFound)

		// Withdrawing a resource keeps it, out of the lists.
		_, err = e.ws.WithdrawResource(e.ctx, e.kim, s.desk1.ID)
		noErr(t, err)
		desks, err := e.ws.Resources(e.ctx, e.sid, ResourceFilter{Kind: KindDesk})
		noErr(t, err)
		if len(desks) != 1 || desks[0].ID != s.desk2.ID {
			t.Fatalf("desks after withdrawal %+v", desks)
		}
		got, err := e.ws.Resource(e.ctx, e.sid, s.desk1.ID)
		noErr(t, err)
		if got.Active || got.Name != "Desk 1.01" {
			t.Fatalf("withdrawn desk %+v", got)
		}
		all, err := e.ws.Resources(e.ctx, e.sid, ResourceFilter{Kind: KindDesk, Withdrawn: true})
		noErr(t, err)
		if len(all) != 2 {
			t.Fatalf("withdrawn desks not kept: %+v", all)
		}
		_, err = e.ws.UpdateResource(e.ctx, e.kim, s.desk1.ID, ResourceInput{Name: "Desk 1.01", FloorID: s.floor.ID})
		wantCode(t, err, platform.CodeConflict)
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: "Desk 1.01", FloorID: s.floor.ID})
		wantField(t, err, "name")
		noErr(t, e.ws.ReinstateResource(e.ctx, e.kim, s.desk1.ID))
		if got, _ := e.ws.Resource(e.ctx, e.sid, s.desk1.ID); !got.Active {
			t.Fatal("reinstated desk still withdrawn")
		}
		_, err = e.ws.WithdrawResource(e.ctx, e.sid, s.desk1.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.WithdrawResource(e.ctx, e.other, s.desk1.ID)
		wantCode(t, err, platform.CodeNotFound)

		// Withdrawing a zone leaves its desks on the floor in no zone.
		noErr(t, e.ws.WithdrawZone(e.ctx, e.kim, s.zone.ID))
		if zs, _ := e.ws.Zones(e.ctx, e.sid, s.floor.ID); len(zs) != 0 {
			t.Fatalf("withdrawn zone listed: %+v", zs)
		}
		if got, _ := e.ws.Resource(e.ctx, e.sid, s.desk2.ID); got.ZoneID != "" || !got.Active {
			t.Fatalf("desk of a withdrawn zone %+v", got)
		}
		if zs, _ := e.ws.AllZones(e.ctx, e.sid, s.floor.ID); len(zs) != 1 || !zs[0].Withdrawn {
			t.Fatalf("withdrawn zone not kept: %+v", zs)
		}
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: "Desk 1.05", FloorID: s.floor.ID, ZoneID: s.zone.ID})
		wantField(t, err, "zone_id")

		// Withdrawing the building withdraws its floors and what is on them.
		_, err = e.ws.WithdrawBuilding(e.ctx, e.kim, s.building.ID)
		noErr(t, err)
		_, err = e.ws.WithdrawBuilding(e.ctx, e.kim, s.building.ID)
		wantCode(t, err, platform.CodeNotFound)
		if bs, _ := e.ws.Buildings(e.ctx, e.sid); len(bs) != 0 {
			t.Fatalf("withdrawn building listed %+v", bs)
		}
		if bs, _ := e.ws.WithdrawnBuildings(e.ctx, e.sid); len(bs) != 1 || !bs[0].Withdrawn {
			t.Fatalf("withdrawn buildings %+v", bs)
		}
		if fs, _ := e.ws.Floors(e.ctx, e.sid, ""); len(fs) != 0 {
			t.Fatalf("floors of a withdrawn building listed %+v", fs)
		}
		if rs, _ := e.ws.Resources(e.ctx, e.sid, ResourceFilter{}); len(rs) != 0 {
			t.Fatalf("resources of a withdrawn building listed %+v", rs)
		}
		wantCode(t, e.ws.ReinstateResource(e.ctx, e.kim, s.room.ID), platform.CodeConflict)
		_, err = e.ws.CreateFloor(e.ctx, e.kim, FloorInput{BuildingID: s.building.ID, Name: "Roof", Level: 5})
		wantField(t, err, "building_id")
		if f, err := e.ws.Floor(e.ctx, e.sid, s.floor.ID); err != nil || !f.Withdrawn {
			t.Fatalf("withdrawn floor %+v %v", f, err)
		}
	})
}

// TestResourcePages: the list pages through by floor and name and
// filters by kind, floor and feature.
func TestResourcePages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		var seen []string
		var after []string
		for range 5 {
			page, err := e.ws.Resources(e.ctx, e.sid, ResourceFilter{Limit: 2, After: after})
			noErr(t, err)
			for _, r := range page {
				seen = append(seen, r.Name)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].SortKey()
		}
		if len(seen) != 3 || seen[0] != "Desk 1.01" || seen[1] != "Desk 1.02" || seen[2] != "Medway Room" {
			t.Fatalf("pages: %v", seen)
		}
		rs, err := e.ws.Resources(e.ctx, e.sid, ResourceFilter{Feature: FeatureMonitors, FloorID: s.floor.ID})
		noErr(t, err)
		if len(rs) != 1 || rs[0].ID != s.desk1.ID {
			t.Fatalf("monitors: %+v", rs)
		}
		if rs, _ := e.ws.Resources(e.ctx, e.sid, ResourceFilter{Feature: `%`}); len(rs) != 0 {
			t.Fatalf("a wildcard feature matched %+v", rs)
		}
	})
}
