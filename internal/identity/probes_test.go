package identity

import (
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Another organisation's users, tokens and business units are not found,
// exactly like IDs that exist nowhere, and each attempt is on record as a
// denial in the prober's organisation (security.md promises both).
func TestForeignIDsAreAuditedDenials(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		other, x, _ := e.otherOrg()
		staffU := e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, "")
		tok, err := e.svc.CreateTokenFor(e.ctx, e.sys, staffU.ID, NewToken{Name: "theirs", Scopes: []string{ScopeRead}})
		noErr(t, err)
		unit, err := e.svc.CreateUnit(e.ctx, e.sys, "Finance")
		noErr(t, err)
		nowhere := func(prefix string) string { return prefix + "_" + strings.Repeat("0", 26) }

		for _, a := range []struct {
			action, id, missing string
			try                 func(id string) error
		}{
			{"user.read", staffU.ID, nowhere("usr"), func(id string) error { _, err := e.svc.GetUser(e.ctx, x, id); return err }},
			{"user.administer", staffU.ID, nowhere("usr"), func(id string) error {
				_, err := e.svc.UpdateUser(e.ctx, x, id, UserChanges{Name: "Pwned", Roles: []platform.Role{platform.RoleStaff}})
				return err
			}},
			{"user.administer", staffU.ID, nowhere("usr"), func(id string) error { return e.svc.DisableUser(e.ctx, x, id) }},
			{"user.administer", staffU.ID, nowhere("usr"), func(id string) error { _, err := e.svc.ResetPassword(e.ctx, x, id); return err }},
			{"token.read", tok.ID, nowhere("tok"), func(id string) error { _, err := e.svc.GetToken(e.ctx, x, id); return err }},
			{"token.delete", tok.ID, nowhere("tok"), func(id string) error { return e.svc.RevokeToken(e.ctx, x, id) }},
			{"business_unit.read", unit.ID, nowhere("bu"), func(id string) error { _, err := e.svc.GetUnit(e.ctx, x, id); return err }},
			{"business_unit.read", unit.ID, nowhere("bu"), func(id string) error { return e.svc.DeleteUnit(e.ctx, x, id) }},
		} {
			before := denials(e.auditActions(other.ID), a.action, a.id)
			foreign, missing := a.try(a.id), a.try(a.missing)
			wantCode(t, foreign, platform.CodeNotFound)
			if foreign.Error() != missing.Error() {
				t.Fatalf("%s: a foreign ID says %q, a missing one %q", a.action, foreign, missing)
			}
			if got := denials(e.auditActions(other.ID), a.action, a.id); got != before+1 {
				t.Fatalf("%s of %s: %d denials recorded, want %d", a.action, a.id, got, before+1)
			}
			if n := denials(e.auditActions(other.ID), "", a.missing); n != 0 {
				t.Fatalf("%s: an ID that exists nowhere was audited as a denial", a.action)
			}
		}
		if n := denials(e.auditActions(e.org.ID), "", ""); n != 0 {
			t.Fatalf("the probed organisation's log gained %d denials", n)
		}
		// Nothing changed.
		got, err := e.svc.GetUser(e.ctx, e.admin, staffU.ID)
		noErr(t, err)
		if got.Name != "Sam Staff" || got.Disabled {
			t.Fatalf("the foreign admin changed our user: %+v", got)
		}
		if _, err := e.svc.TokenSubject(e.ctx, tok.Secret, ""); err != nil {
			t.Fatalf("the foreign admin revoked our token: %v", err)
		}
	})
}

// denials counts denied entries, optionally of one action and resource.
func denials(entries []audit.Entry, action, resourceID string) int {
	n := 0
	for _, en := range entries {
		if en.Outcome == audit.Denied && (action == "" || en.Action == action) && (resourceID == "" || en.ResourceID == resourceID) {
			n++
		}
	}
	return n
}
