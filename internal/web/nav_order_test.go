package web

import (
	"testing"

	"dbtp/internal/platform"
)

// TestNavOrderAndRoles: links come in their Order whatever order modules
// add them, and each shows only to the roles it names.
func TestNavOrderAndRoles(t *testing.T) {
	rn := &Renderer{}
	rn.AddNav(NavItem{Label: "Your account", Href: "/account", Order: 90},
		NavItem{Label: "API tokens", Href: "/tokens", Roles: []platform.Role{platform.RoleCaseworker}, Order: 80})
	rn.AddNav(NavItem{Label: "Services", Href: "/services", Order: 10})
	rn.AddNav(NavItem{Label: "Cases", Href: "/cases", Roles: []platform.Role{platform.RoleCaseworker}, Order: 5})
	labels := func(role platform.Role) []string {
		var out []string
		sub := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_x", Roles: []platform.Role{role}}
		for _, l := range navFor(rn.nav, sub, "/") {
			out = append(out, l.Label)
		}
		return out
	}
	if got := labels(platform.RoleResident); len(got) != 2 || got[0] != "Services" || got[1] != "Your account" {
		t.Fatalf("resident's menu %v", got)
	}
	if got := labels(platform.RoleCaseworker); len(got) != 4 || got[0] != "Cases" || got[3] != "Your account" {
		t.Fatalf("caseworker's menu %v", got)
	}
}

// TestAdminGroup: the administration pages are one menu item for those who
// may use any of them, leading to a page listing just those; it is current
// on any of them, and absent for everyone else.
func TestAdminGroup(t *testing.T) {
	admin := []platform.Role{platform.RoleAdmin}
	items := []NavItem{{Label: "Cases", Href: "/cases", Order: 5},
		{Label: "Users", Href: "/users", Roles: admin, Group: AdminGroup, Order: 60},
		{Label: "Audit log", Href: "/audit", Roles: admin, Group: AdminGroup, Order: 65},
		{Label: "Your account", Href: "/account", Order: 90}}
	ada := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_a", Roles: admin}
	links := navFor(items, ada, "/audit/entries")
	if len(links) != 3 || links[1].Label != AdminGroup || links[1].Href != AdminGroupPath || !links[1].Current {
		t.Fatalf("admin's menu %+v", links)
	}
	if got := groupLinks(items, ada, AdminGroup); len(got) != 2 || got[0].Href != "/users" || got[1].Href != "/audit" {
		t.Fatalf("group page links %+v", got)
	}
	cw := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_c", Roles: []platform.Role{platform.RoleCaseworker}}
	for _, l := range navFor(items, cw, "/cases") {
		if l.Label == AdminGroup {
			t.Fatal("a caseworker's menu has Administration")
		}
	}
	if len(groupLinks(items, cw, AdminGroup)) != 0 {
		t.Fatal("a caseworker would see administration links")
	}
}
