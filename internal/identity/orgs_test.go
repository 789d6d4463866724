package identity

import (
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestOrganisations(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		host, err := e.svc.HostOrg(e.ctx)
		noErr(t, err)
		if host.ID != e.org.ID {
			t.Fatalf("host = %s, want the first council %s", host.ID, e.org.ID)
		}
		// The host admin creates and lists organisations.
		partner, err := e.svc.CreateOrg(e.ctx, e.admin, NewOrg{Slug: "nhs-trust", Name: "NHS Trust", Kind: platform.OrgPartner})
		noErr(t, err)
		// A second council does not become host.
		_, err = e.svc.CreateOrg(e.ctx, e.admin, NewOrg{Slug: "district", Name: "District Council", Kind: platform.OrgCouncil})
		noErr(t, err)
		if h, _ := e.svc.HostOrg(e.ctx); h.ID != e.org.ID {
			t.Fatal("host changed")
		}
		orgs, err := e.svc.ListOrgs(e.ctx, e.admin)
		noErr(t, err)
		if len(orgs) != 3 {
			t.Fatalf("listed %d organisations, want 3", len(orgs))
		}
		got, err := e.svc.GetOrg(e.ctx, e.admin, partner.ID)
		noErr(t, err)
		if got.Slug != "nhs-trust" || got.Kind != platform.OrgPartner {
			t.Fatalf("got %+v", got)
		}
		bySlug, err := e.svc.OrgBySlug(e.ctx, "nhs-trust")
		noErr(t, err)
		if bySlug.ID != partner.ID {
			t.Fatal("OrgBySlug found the wrong organisation")
		}

		_, err = e.svc.CreateOrg(e.ctx, e.admin, NewOrg{Slug: "nhs-trust", Name: "Again", Kind: platform.OrgPartner})
		wantCode(t, err, platform.CodeConflict)
		_, err = e.svc.CreateOrg(e.ctx, e.admin, NewOrg{Slug: "Bad Slug", Name: "x", Kind: platform.OrgPartner})
		wantField(t, err, "slug")
		_, err = e.svc.CreateOrg(e.ctx, e.admin, NewOrg{Slug: "ok", Name: "x", Kind: "club"})
		wantField(t, err, "kind")

		// Admins of other organisations, and non-admins of the host, may not.
		_, otherAdmin, _ := e.otherOrg()
		_, err = e.svc.ListOrgs(e.ctx, otherAdmin)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.CreateOrg(e.ctx, otherAdmin, NewOrg{Slug: "rogue", Name: "Rogue", Kind: platform.OrgPartner})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.GetOrg(e.ctx, otherAdmin, e.org.ID)
		wantCode(t, err, platform.CodeNotFound)
		staff := e.mustUser(e.sys, "staff@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, "")
		_, err = e.svc.ListOrgs(e.ctx, e.subjectOf(staff))
		wantCode(t, err, platform.CodeForbidden)
		// Everyone can read their own organisation.
		_, err = e.svc.GetOrg(e.ctx, e.subjectOf(staff), e.org.ID)
		noErr(t, err)

		if !hasEntry(e.auditActions(partner.ID), "org.create", audit.Success) {
			t.Fatal("organisation creation not audited")
		}
	})
}

func TestBusinessUnits(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var ids []string
		for _, n := range []string{"Adults", "Children's", "Finance", "Property", "Infrastructure"} {
			u, err := e.svc.CreateUnit(e.ctx, e.admin, n)
			noErr(t, err)
			ids = append(ids, u.ID)
		}
		_, err := e.svc.CreateUnit(e.ctx, e.admin, "finance")
		wantCode(t, err, platform.CodeConflict)
		_, err = e.svc.CreateUnit(e.ctx, e.admin, "  ")
		wantField(t, err, "name")

		units, err := e.svc.ListUnits(e.ctx, e.admin)
		noErr(t, err)
		if len(units) != 5 || units[0].Name != "Adults" || units[4].Name != "Property" {
			t.Fatalf("units = %+v", units)
		}
		r, err := e.svc.RenameUnit(e.ctx, e.admin, ids[3], "Property and Estates")
		noErr(t, err)
		if r.Name != "Property and Estates" {
			t.Fatal("rename not returned")
		}
		// A unit with members cannot go; an empty one can.
		e.mustUser(e.sys, "fin@northshire.gov.uk", "Fin", []platform.Role{platform.RoleStaff}, []string{ids[2]}, "")
		wantCode(t, e.svc.DeleteUnit(e.ctx, e.admin, ids[2]), platform.CodeConflict)
		noErr(t, e.svc.DeleteUnit(e.ctx, e.admin, ids[4]))
		_, err = e.svc.GetUnit(e.ctx, e.admin, ids[4])
		wantCode(t, err, platform.CodeNotFound)

		// Staff read but cannot change units.
		staff := e.subjectOf(e.mustUser(e.sys, "s@northshire.gov.uk", "S", []platform.Role{platform.RoleStaff}, nil, ""))
		_, err = e.svc.ListUnits(e.ctx, staff)
		noErr(t, err)
		_, err = e.svc.CreateUnit(e.ctx, staff, "Mine")
		wantCode(t, err, platform.CodeForbidden)

		// Another organisation sees none of them.
		_, otherAdmin, _ := e.otherOrg()
		theirs, err := e.svc.ListUnits(e.ctx, otherAdmin)
		noErr(t, err)
		if len(theirs) != 0 {
			t.Fatalf("other organisation sees %d units", len(theirs))
		}
		_, err = e.svc.GetUnit(e.ctx, otherAdmin, ids[0])
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.RenameUnit(e.ctx, otherAdmin, ids[0], "Hijacked")
		wantCode(t, err, platform.CodeNotFound)
		wantCode(t, e.svc.DeleteUnit(e.ctx, otherAdmin, ids[0]), platform.CodeNotFound)
		// Nor can it put its users into our units.
		_, err = e.svc.CreateUser(e.ctx, otherAdmin, NewUser{Email: "x@trading.example", Name: "X",
			Roles: []platform.Role{platform.RoleStaff}, BusinessUnits: []string{ids[0]}})
		wantField(t, err, "business_units")
		if !hasEntry(e.auditActions(e.org.ID), "business_unit.rename", audit.Success) {
			t.Fatal("rename not audited")
		}
	})
}

func TestUnitIDAndUserExistsStayInTheirOrganisation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u, err := e.svc.CreateUnit(e.ctx, e.sys, "Customer Services")
		noErr(t, err)
		for _, name := range []string{"Customer Services", "customer services", u.ID} {
			if got, err := e.svc.UnitID(e.ctx, e.org.ID, name); err != nil || got != u.ID {
				t.Fatalf("UnitID(%q) = %q, %v", name, got, err)
			}
		}
		other, _, worker := e.otherOrg()
		_, err = e.svc.UnitID(e.ctx, other.ID, "Customer Services")
		wantCode(t, err, platform.CodeNotFound)
		if ok, err := e.svc.UserExists(e.ctx, e.org.ID, e.adminU.ID); err != nil || !ok {
			t.Fatalf("own admin: %v %v", ok, err)
		}
		if ok, err := e.svc.UserExists(e.ctx, e.org.ID, worker.ID); err != nil || ok {
			t.Fatalf("another organisation's user must not exist here: %v %v", ok, err)
		}
	})
}
