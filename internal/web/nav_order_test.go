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
