package workplace

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestPlacesAndResources(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()

		// Staff read the estate; residents and other organisations do not.
		desks, err := e.ws.Resources(e.ctx, e.sid, ResourceFilter{Kind: KindDesk, FloorID: s.floor.ID})
		noErr(t, err)
		if len(desks) != 2 || desks[0].Name != "Desk 1.01" || !desks[0].Has(FeatureDocking) || !desks[0].Placed() || desks[1].Placed() {
			t.Fatalf("desks: %+v", desks)
		}
		if got, err := e.ws.Resources(e.ctx, e.sid, ResourceFilter{Feature: FeatureVideo}); err != nil || len(got) != 1 || got[0].ID != s.room.ID {
			t.Fatalf("rooms with video: %+v %v", got, err)
		}
		_, err = e.ws.Buildings(e.ctx, e.rita)
		wantCode(t, err, platform.CodeForbidden)
		other, err := e.ws.Buildings(e.ctx, e.other)
		noErr(t, err)
		if len(other) != 0 {
			t.Fatalf("another organisation sees %+v", other)
		}
		_, err = e.ws.Resource(e.ctx, e.other, s.desk1.ID)
		wantCode(t, err, platform.CodeNotFound)

		// Only workplace managers and admins change the estate.
		_, err = e.ws.CreateBuilding(e.ctx, e.mel, BuildingInput{Name: "Annexe"})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.CreateResource(e.ctx, e.sid, ResourceInput{Kind: KindDesk, Name: "Desk 9", FloorID: s.floor.ID})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.CreateBuilding(e.ctx, e.admin, BuildingInput{Name: "Annexe"})
		noErr(t, err)

		// Bad input is refused with the field to correct, and nothing is written.
		_, err = e.ws.CreateBuilding(e.ctx, e.kim, BuildingInput{Name: "County Hall"})
		wantField(t, err, "name")
		_, err = e.ws.CreateBuilding(e.ctx, e.kim, BuildingInput{Name: "X", UPRN: "12ab"})
		wantField(t, err, "uprn")
		_, err = e.ws.CreateFloor(e.ctx, e.kim, FloorInput{BuildingID: "bld_nope", Name: "Roof"})
		wantField(t, err, "building_id")
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: "Desk 1.01", FloorID: s.floor.ID})
		wantField(t, err, "name")
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: "sofa", Name: "Sofa"})
		wantField(t, err, "kind")
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: "Desk 1.09", FloorID: s.floor.ID, X: 10, Y: -1})
		wantField(t, err, "x")
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: "Laptop 1", Category: "laptop", AssetTag: "KCC-0001"})
		noErr(t, err)
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: "Laptop 2", Category: "laptop", AssetTag: "KCC-0001"})
		wantField(t, err, "asset_tag")
		bs, err := e.ws.Buildings(e.ctx, e.sid)
		noErr(t, err)
		if len(bs) != 2 {
			t.Fatalf("buildings after refusals: %+v", bs)
		}

		// Rules: defaults until changed, checked when changed.
		r, err := e.ws.RulesFor(e.ctx, e.sid, KindRoom)
		noErr(t, err)
		if r.Granularity != BySlot || r.SlotMinutes != 30 {
			t.Fatalf("default room rules %+v", r)
		}
		r.NeedsApproval, r.MaxDaysAhead = true, 30
		noErr(t, e.ws.SaveRules(e.ctx, e.kim, r))
		if got, _ := e.ws.RulesFor(e.ctx, e.sid, KindRoom); !got.NeedsApproval || got.MaxDaysAhead != 30 {
			t.Fatalf("saved rules read back as %+v", got)
		}
		r.SlotMinutes = 7
		wantField(t, e.ws.SaveRules(e.ctx, e.kim, r), "slot_minutes")
		wantCode(t, e.ws.SaveRules(e.ctx, e.sid, DefaultRules(KindDesk)), platform.CodeForbidden)
	})
}
