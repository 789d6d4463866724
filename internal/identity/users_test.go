package identity

import (
	"fmt"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		adults, err := e.svc.CreateUnit(e.ctx, e.admin, "Adults")
		noErr(t, err)
		finance, err := e.svc.CreateUnit(e.ctx, e.admin, "Finance")
		noErr(t, err)

		u, err := e.svc.CreateUser(e.ctx, e.admin, NewUser{Email: " Casey.Worker@Northshire.gov.uk ", Name: "Casey Worker",
			Roles: []platform.Role{platform.RoleStaff, platform.RoleCaseworker, platform.RoleStaff}, BusinessUnits: []string{adults.ID}})
		noErr(t, err)
		if u.Email != "Casey.Worker@Northshire.gov.uk" || len(u.Roles) != 2 || u.Roles[0] != platform.RoleCaseworker {
			t.Fatalf("created %+v", u)
		}
		_, err = e.svc.CreateUser(e.ctx, e.admin, NewUser{Email: "casey.worker@northshire.GOV.UK", Name: "Dup", Roles: []platform.Role{platform.RoleStaff}})
		wantCode(t, err, platform.CodeConflict)
		wantField(t, err, "email")
		for _, bad := range []string{"", "no-at-sign", "a@b", "Name <a@b.org>", "a b@c.org"} {
			_, err = e.svc.CreateUser(e.ctx, e.admin, NewUser{Email: bad, Name: "X", Roles: []platform.Role{platform.RoleStaff}})
			wantField(t, err, "email")
		}
		_, err = e.svc.CreateUser(e.ctx, e.admin, NewUser{Email: "r@x.org", Name: "X", Roles: []platform.Role{"emperor"}})
		wantField(t, err, "roles")
		_, err = e.svc.CreateUser(e.ctx, e.admin, NewUser{Email: "p@x.org", Name: "X", Roles: []platform.Role{platform.RoleStaff}, Password: "short"})
		wantField(t, err, "password")
		_, err = e.svc.CreateUser(e.ctx, e.admin, NewUser{Email: "longenough@x.org", Name: "X", Roles: []platform.Role{platform.RoleStaff}, Password: "LongEnough@X.org"})
		wantField(t, err, "password")

		got, err := e.svc.GetUser(e.ctx, e.admin, u.ID)
		noErr(t, err)
		if len(got.BusinessUnits) != 1 || got.BusinessUnits[0] != adults.ID {
			t.Fatalf("units = %v", got.BusinessUnits)
		}

		// Pagination and filters.
		for i := range 5 {
			e.mustUser(e.sys, fmt.Sprintf("page%d@northshire.gov.uk", i), fmt.Sprintf("Pager %d", i),
				[]platform.Role{platform.RoleStaff}, []string{finance.ID}, "")
		}
		var all []User
		after := ""
		for {
			p, err := e.svc.ListUsers(e.ctx, e.admin, UserFilter{Limit: 3, After: after})
			noErr(t, err)
			all = append(all, p.Users...)
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if len(all) != 7 {
			t.Fatalf("paged through %d users, want 7", len(all))
		}
		p, err := e.svc.ListUsers(e.ctx, e.admin, UserFilter{Unit: finance.ID})
		noErr(t, err)
		if len(p.Users) != 5 || p.Users[0].BusinessUnits[0] != finance.ID {
			t.Fatalf("unit filter gave %d", len(p.Users))
		}
		p, err = e.svc.ListUsers(e.ctx, e.admin, UserFilter{Role: platform.RoleCaseworker})
		noErr(t, err)
		if len(p.Users) != 1 || p.Users[0].ID != u.ID {
			t.Fatalf("role filter gave %+v", p.Users)
		}
		p, err = e.svc.ListUsers(e.ctx, e.admin, UserFilter{Text: "PAGER 3"})
		noErr(t, err)
		if len(p.Users) != 1 {
			t.Fatalf("text filter gave %d", len(p.Users))
		}
		p, err = e.svc.ListUsers(e.ctx, e.admin, UserFilter{Text: "%"})
		noErr(t, err)
		if len(p.Users) != 0 {
			t.Fatalf("%% matched %d users literally", len(p.Users))
		}

		up, err := e.svc.UpdateUser(e.ctx, e.admin, u.ID, UserChanges{Name: "Casey W", Roles: []platform.Role{platform.RoleManager},
			BusinessUnits: []string{adults.ID, finance.ID}})
		noErr(t, err)
		got, _ = e.svc.GetUser(e.ctx, e.admin, u.ID)
		if got.Name != "Casey W" || got.Roles[0] != platform.RoleManager || len(got.BusinessUnits) != 2 || up.Name != got.Name {
			t.Fatalf("after update %+v", got)
		}

		// Non-admins cannot administer; residents cannot see others.
		cw := e.subjectOf(got)
		_, err = e.svc.CreateUser(e.ctx, cw, NewUser{Email: "n@x.org", Name: "N", Roles: []platform.Role{platform.RoleAdmin}})
		wantCode(t, err, platform.CodeForbidden)
		wantCode(t, e.svc.DisableUser(e.ctx, cw, e.adminU.ID), platform.CodeForbidden)
		res := e.subjectOf(e.mustUser(e.sys, "res@example.org", "Rita Resident", []platform.Role{platform.RoleResident}, nil, ""))
		_, err = e.svc.GetUser(e.ctx, res, u.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.GetUser(e.ctx, res, res.UserID)
		noErr(t, err)

		// The last admin cannot be demoted or disabled, nor disable themselves.
		_, err = e.svc.UpdateUser(e.ctx, e.sys, e.adminU.ID, UserChanges{Name: "Ada", Roles: []platform.Role{platform.RoleStaff}})
		wantCode(t, err, platform.CodeConflict)
		wantCode(t, e.svc.DisableUser(e.ctx, e.admin, e.adminU.ID), platform.CodeConflict)

		noErr(t, e.svc.DisableUser(e.ctx, e.admin, u.ID))
		got, _ = e.svc.GetUser(e.ctx, e.admin, u.ID)
		if !got.Disabled {
			t.Fatal("not disabled")
		}
		noErr(t, e.svc.EnableUser(e.ctx, e.admin, u.ID))

		pw, err := e.svc.ResetPassword(e.ctx, e.admin, u.ID)
		noErr(t, err)
		if len(pw) < 20 {
			t.Fatalf("reset password %q is weak", pw)
		}
		if _, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, pw, "192.0.2.9"); err != nil {
			t.Fatalf("sign in with reset password: %v", err)
		}
		entries := e.auditActions(e.org.ID)
		for _, a := range []string{"user.create", "user.update", "user.disable", "user.enable", "user.reset_password"} {
			if !hasEntry(entries, a, audit.Success) {
				t.Errorf("%s not audited", a)
			}
		}
		if !hasEntry(entries, "user.administer", audit.Denied) {
			t.Error("denial not audited")
		}
		if containsSecret(entries, pw) {
			t.Fatal("password in the audit log")
		}
	})
}

func TestUserSegregation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		_, otherAdmin, theirUser := e.otherOrg()
		mine := e.mustUser(e.sys, "mine@northshire.gov.uk", "Mine", []platform.Role{platform.RoleStaff}, nil, testPassword)

		// Our admin cannot reach their user, and they cannot reach ours.
		for _, tc := range []struct {
			sub *platform.Subject
			id  string
		}{{e.admin, theirUser.ID}, {otherAdmin, mine.ID}, {otherAdmin, e.adminU.ID}} {
			_, err := e.svc.GetUser(e.ctx, tc.sub, tc.id)
			wantCode(t, err, platform.CodeNotFound)
			_, err = e.svc.UpdateUser(e.ctx, tc.sub, tc.id, UserChanges{Name: "Pwned", Roles: []platform.Role{platform.RoleAdmin}})
			wantCode(t, err, platform.CodeNotFound)
			wantCode(t, e.svc.DisableUser(e.ctx, tc.sub, tc.id), platform.CodeNotFound)
			wantCode(t, e.svc.EnableUser(e.ctx, tc.sub, tc.id), platform.CodeNotFound)
			_, err = e.svc.ResetPassword(e.ctx, tc.sub, tc.id)
			wantCode(t, err, platform.CodeNotFound)
			wantCode(t, e.svc.ResetTOTP(e.ctx, tc.sub, tc.id), platform.CodeNotFound)
		}
		p, err := e.svc.ListUsers(e.ctx, otherAdmin, UserFilter{Text: "northshire.gov.uk"})
		noErr(t, err)
		if len(p.Users) != 0 {
			t.Fatalf("other organisation lists %d of our users", len(p.Users))
		}
		// A forged subject with a foreign org cannot be smuggled in by an ID either.
		p, err = e.svc.ListUsers(e.ctx, otherAdmin, UserFilter{After: "usr_00000000000000000000000000"})
		noErr(t, err)
		for _, u := range p.Users {
			if u.OrgID != otherAdmin.OrgID {
				t.Fatal("foreign user listed")
			}
		}
		// Sign-in is per organisation: our user's password does not open theirs.
		_, err = e.svc.SignIn(e.ctx, "northshire-trading", mine.Email, testPassword, "192.0.2.1")
		wantCode(t, err, platform.CodeUnauthorized)
		got, _ := e.svc.GetUser(e.ctx, e.admin, mine.ID)
		if got.Name != "Mine" || got.Disabled {
			t.Fatal("foreign admin changed our user")
		}
	})
}
