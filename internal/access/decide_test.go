package access_test

import (
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/platform"
)

func subj(kind platform.SubjectKind, org, user string, roles []platform.Role, units ...string) *platform.Subject {
	return &platform.Subject{Kind: kind, OrgID: org, UserID: user, Roles: roles, BusinessUnits: units}
}

func TestDecide(t *testing.T) {
	const (
		org   = "org_a"
		other = "org_b"
	)
	R := func(rs ...platform.Role) []platform.Role { return rs }
	admin := subj(platform.SubjectUser, org, "u_admin", R(platform.RoleAdmin))
	manager := subj(platform.SubjectUser, org, "u_mgr", R(platform.RoleManager), "adults")
	casew := subj(platform.SubjectUser, org, "u_cw", R(platform.RoleCaseworker), "adults")
	staff := subj(platform.SubjectUser, org, "u_staff", R(platform.RoleStaff), "finance")
	resident := subj(platform.SubjectUser, org, "u_res", R(platform.RoleResident))
	partner := subj(platform.SubjectUser, org, "u_nhs", R(platform.RolePartner))
	readToken := &platform.Subject{Kind: platform.SubjectToken, OrgID: org, UserID: "u_admin", Roles: R(platform.RoleAdmin), Scopes: []string{"read"}}
	anon := &platform.Subject{Kind: platform.SubjectAnonymous}
	foreignAdmin := subj(platform.SubjectUser, other, "u_x", R(platform.RoleAdmin))
	system := platform.System(org)

	adultsCase := access.Resource{Type: "case", ID: "c1", OrgID: org, BusinessUnit: "adults", Classification: platform.Official, OwnerID: "u_res"}
	sensitive := adultsCase
	sensitive.Classification = platform.OfficialSensitive
	sensitive.OwnerID = ""
	orgDoc := access.Resource{Type: "policy", ID: "p1", OrgID: org}
	orgSensitive := access.Resource{Type: "policy", ID: "p2", OrgID: org, Classification: platform.OfficialSensitive}
	users := access.Resource{Type: "user", OrgID: org}
	ownToken := access.Resource{Type: "token", ID: "t1", OrgID: org, OwnerID: "u_staff"}

	cases := []struct {
		name string
		s    *platform.Subject
		a    access.Action
		r    access.Resource
		want bool
	}{
		{"anonymous denied", anon, access.Read, orgDoc, false},
		{"nil subject denied", nil, access.Read, orgDoc, false},
		{"foreign admin denied", foreignAdmin, access.Read, orgDoc, false},
		{"resource without org denied", admin, access.Read, access.Resource{Type: "x"}, false},
		{"admin administers", admin, access.Administer, users, true},
		{"admin reads sensitive", admin, access.Read, sensitive, true},
		{"system allowed in own org", system, access.Delete, orgDoc, true},
		{"system denied in other org", platform.System(other), access.Read, orgDoc, false},
		{"manager cannot administer", manager, access.Administer, users, false},
		{"manager updates in unit", manager, access.Update, sensitive, true},
		{"manager reads OFFICIAL org-wide", manager, access.Read, orgDoc, true},
		{"manager denied sensitive outside unit", manager, access.Read, orgSensitive, false},
		{"caseworker updates in unit", casew, access.Update, adultsCase, true},
		{"caseworker cannot delete", casew, access.Delete, adultsCase, false},
		{"caseworker reads sensitive in unit", casew, access.Read, sensitive, true},
		{"staff denied other unit case", staff, access.Read, adultsCase, false},
		{"staff reads OFFICIAL org-wide", staff, access.Read, orgDoc, true},
		{"staff cannot update org-wide", staff, access.Update, orgDoc, false},
		{"staff revokes own token", staff, access.Delete, ownToken, true},
		{"resident reads own case", resident, access.Read, adultsCase, true},
		{"resident updates own case", resident, access.Update, adultsCase, true},
		{"resident cannot delete own case", resident, access.Delete, adultsCase, false},
		{"resident denied org doc", resident, access.Read, orgDoc, false},
		{"resident denied sensitive", resident, access.Read, sensitive, false},
		{"partner denied", partner, access.Read, adultsCase, false},
		{"read token reads", readToken, access.Read, orgDoc, true},
		{"read token cannot write", readToken, access.Update, orgDoc, false},
		{"read token cannot administer", readToken, access.Administer, users, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := access.Decide(c.s, c.a, c.r)
			if d.Allowed != c.want {
				t.Fatalf("Decide = %+v, want allowed=%v", d, c.want)
			}
			if d.Reason == "" {
				t.Fatal("decision without a reason")
			}
		})
	}
}
