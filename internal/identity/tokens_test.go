package identity

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestTokens(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		staffU := e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam", []platform.Role{platform.RoleStaff}, nil, testPassword)
		staff := e.subjectOf(staffU)

		ct, err := e.svc.CreateToken(e.ctx, staff, NewToken{Name: "report script", Scopes: []string{"read"}})
		noErr(t, err)
		if !strings.HasPrefix(ct.Secret, "dbtp_") || len(ct.Secret) != len(tokenPrefix)+tokenBodyLen ||
			!strings.HasPrefix(ct.Secret, ct.Prefix) || ct.ExpiresAt.Sub(ct.CreatedAt) != 90*24*time.Hour {
			t.Fatalf("created %+v", ct)
		}
		sub, err := e.svc.TokenSubject(e.ctx, ct.Secret, "192.0.2.44")
		noErr(t, err)
		if sub.Kind != platform.SubjectToken || sub.UserID != staffU.ID || sub.TokenID != ct.ID || sub.OrgID != e.org.ID ||
			!slices.Equal(sub.Scopes, []string{"read"}) || sub.Addr != "192.0.2.44" {
			t.Fatalf("subject %+v", sub)
		}
		// Last use is recorded (the first use writes at once).
		list, err := e.svc.ListTokens(e.ctx, staff)
		noErr(t, err)
		if len(list) != 1 || list[0].LastUsedAddr != "192.0.2.44" || list[0].LastUsedAt.IsZero() {
			t.Fatalf("listed %+v", list)
		}

		_, err = e.svc.CreateToken(e.ctx, staff, NewToken{Name: "x", Scopes: []string{"admin"}})
		wantField(t, err, "scopes")
		_, err = e.svc.CreateToken(e.ctx, staff, NewToken{Name: "x", Scopes: []string{"read", "delete"}})
		wantField(t, err, "scopes")
		_, err = e.svc.CreateToken(e.ctx, staff, NewToken{Name: "x", Scopes: []string{"read"}, ExpiresIn: 400 * 24 * time.Hour})
		wantField(t, err, "expires_in")
		_, err = e.svc.CreateToken(e.ctx, sub, NewToken{Name: "from a token", Scopes: []string{"read"}})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.TokenSubject(e.ctx, "dbtp_"+strings.Repeat("a", tokenBodyLen), "")
		wantCode(t, err, platform.CodeUnauthorized)

		// An admin's admin scope shrinks when the role goes.
		promoted := e.mustUser(e.sys, "pat@northshire.gov.uk", "Pat", []platform.Role{platform.RoleAdmin}, nil, testPassword)
		at, err := e.svc.CreateToken(e.ctx, e.signedIn(promoted.Email), NewToken{Name: "ops", Scopes: []string{"read", "write", "admin"}, ExpiresIn: 2 * time.Hour})
		noErr(t, err)
		as, err := e.svc.TokenSubject(e.ctx, at.Secret, "")
		noErr(t, err)
		if !slices.Contains(as.Scopes, "admin") {
			t.Fatal("admin scope missing")
		}
		_, err = e.svc.UpdateUser(e.ctx, e.admin, promoted.ID, UserChanges{Name: "Pat", Roles: []platform.Role{platform.RoleManager}})
		noErr(t, err)
		as, err = e.svc.TokenSubject(e.ctx, at.Secret, "")
		noErr(t, err)
		if slices.Contains(as.Scopes, "admin") || len(as.Scopes) != 2 {
			t.Fatalf("scopes after demotion %v", as.Scopes)
		}
		// Expiry.
		e.clock.Add(2*time.Hour + time.Second)
		_, err = e.svc.TokenSubject(e.ctx, at.Secret, "")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.TokenSubject(e.ctx, ct.Secret, "")
		noErr(t, err)

		// Only admins list the organisation's tokens.
		_, err = e.svc.ListOrgTokens(e.ctx, staff)
		wantCode(t, err, platform.CodeForbidden)
		all, err := e.svc.ListOrgTokens(e.ctx, e.admin)
		noErr(t, err)
		if len(all) != 2 {
			t.Fatalf("org tokens %d", len(all))
		}

		// Other organisations cannot see or revoke them; another user cannot revoke.
		_, otherAdmin, _ := e.otherOrg()
		theirs, err := e.svc.ListOrgTokens(e.ctx, otherAdmin)
		noErr(t, err)
		if len(theirs) != 0 {
			t.Fatal("foreign tokens listed")
		}
		wantCode(t, e.svc.RevokeToken(e.ctx, otherAdmin, ct.ID), platform.CodeNotFound)
		peer := e.subjectOf(e.mustUser(e.sys, "peer@northshire.gov.uk", "Peer", []platform.Role{platform.RoleManager}, nil, ""))
		wantCode(t, e.svc.RevokeToken(e.ctx, peer, ct.ID), platform.CodeForbidden)
		noErr(t, e.svc.RevokeToken(e.ctx, staff, ct.ID))
		_, err = e.svc.TokenSubject(e.ctx, ct.Secret, "")
		wantCode(t, err, platform.CodeUnauthorized)

		// Disabling the owner revokes the rest.
		ct2, err := e.svc.CreateToken(e.ctx, staff, NewToken{Name: "second", Scopes: []string{"read", "write"}})
		noErr(t, err)
		_, err = e.svc.TokenSubject(e.ctx, ct2.Secret, "")
		noErr(t, err)
		noErr(t, e.svc.DisableUser(e.ctx, e.admin, staffU.ID))
		_, err = e.svc.TokenSubject(e.ctx, ct2.Secret, "")
		wantCode(t, err, platform.CodeUnauthorized)
		noErr(t, e.svc.EnableUser(e.ctx, e.admin, staffU.ID))
		_, err = e.svc.TokenSubject(e.ctx, ct2.Secret, "")
		wantCode(t, err, platform.CodeUnauthorized) // revoked for good

		entries := e.auditActions(e.org.ID)
		if !hasEntry(entries, "token.create", audit.Success) || !hasEntry(entries, "token.revoke", audit.Success) {
			t.Fatal("token changes not audited")
		}
		if containsSecret(entries, ct.Secret) || containsSecret(entries, ct.Secret[len(ct.Prefix):]) {
			t.Fatal("token in the audit log")
		}
	})
}

func TestSignInExternal(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const iss = "https://login.microsoftonline.com/tenant/v2.0"
		res, err := e.svc.SignInExternal(e.ctx, e.org.ID, "entra", iss, "sub-1", "New.Person@northshire.gov.uk", "New Person",
			[]platform.Role{platform.RoleStaff}, "192.0.2.3")
		noErr(t, err)
		if res.State != StateSignedIn {
			t.Fatal(res.State)
		}
		sub, err := e.svc.SessionSubject(e.ctx, res.Token, "")
		noErr(t, err)
		if sub.Name != "New Person" || !sub.HasRole(platform.RoleStaff) {
			t.Fatalf("subject %+v", sub)
		}
		// Same identity again: same user, roles not overwritten.
		res2, err := e.svc.SignInExternal(e.ctx, e.org.ID, "entra", iss, "sub-1", "changed@elsewhere.org", "Renamed",
			[]platform.Role{platform.RoleAdmin}, "")
		noErr(t, err)
		if res2.UserID != res.UserID || res2.State != StateSignedIn {
			t.Fatalf("second sign-in %+v", res2)
		}
		// An existing user is linked by email; an admin still needs TOTP.
		res3, err := e.svc.SignInExternal(e.ctx, e.org.ID, "entra", iss, "sub-admin", "ADMIN@northshire.gov.uk", "", nil, "")
		noErr(t, err)
		if res3.UserID != e.adminU.ID || res3.State != StateNeedsTOTPSetup {
			t.Fatalf("admin link %+v", res3)
		}
		// Disabled users are refused.
		noErr(t, e.svc.DisableUser(e.ctx, e.admin, res.UserID))
		_, err = e.svc.SignInExternal(e.ctx, e.org.ID, "entra", iss, "sub-1", "", "", nil, "")
		wantCode(t, err, platform.CodeForbidden)
		// The link is per organisation.
		other, _, _ := e.otherOrg()
		r4, err := e.svc.SignInExternal(e.ctx, other.ID, "entra", iss, "sub-1", "new.person@northshire.gov.uk", "NP", []platform.Role{platform.RolePartner}, "")
		noErr(t, err)
		if r4.UserID == res.UserID || r4.OrgID != other.ID {
			t.Fatal("link crossed organisations")
		}
		_, err = e.svc.SignInExternal(e.ctx, e.org.ID, "entra", "", "x", "a@b.org", "A", []platform.Role{platform.RoleStaff}, "")
		wantCode(t, err, platform.CodeInvalid)
		entries := e.auditActions(e.org.ID)
		if !hasEntry(entries, "user.link", audit.Success) || !hasEntry(entries, "user.create", audit.Success) {
			t.Fatal("external sign-in not audited")
		}
	})
}

func TestCreateTokenFor(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		svcU := e.mustUser(e.sys, "integration@northshire.gov.uk", "Finance integration", []platform.Role{platform.RoleStaff}, nil, "")
		staff := e.subjectOf(e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam", []platform.Role{platform.RoleStaff}, nil, ""))

		ct, err := e.svc.CreateTokenFor(e.ctx, e.sys, svcU.ID, NewToken{Name: "ledger sync", Scopes: []string{"read", "write"}})
		noErr(t, err)
		sub, err := e.svc.TokenSubject(e.ctx, ct.Secret, "")
		noErr(t, err)
		if sub.UserID != svcU.ID {
			t.Fatalf("token belongs to %s, want %s", sub.UserID, svcU.ID)
		}
		// The owner's roles bound the scopes; a non-admin cannot mint for others.
		_, err = e.svc.CreateTokenFor(e.ctx, e.sys, svcU.ID, NewToken{Name: "x", Scopes: []string{"admin"}})
		wantField(t, err, "scopes")
		_, err = e.svc.CreateTokenFor(e.ctx, staff, svcU.ID, NewToken{Name: "x", Scopes: []string{"read"}})
		wantCode(t, err, platform.CodeForbidden)
		// Another organisation's user is not found, and nothing is created.
		_, _, foreign := e.otherOrg()
		_, err = e.svc.CreateTokenFor(e.ctx, e.sys, foreign.ID, NewToken{Name: "x", Scopes: []string{"read"}})
		wantCode(t, err, platform.CodeNotFound)
		noErr(t, e.svc.DisableUser(e.ctx, e.admin, svcU.ID))
		_, err = e.svc.CreateTokenFor(e.ctx, e.sys, svcU.ID, NewToken{Name: "x", Scopes: []string{"read"}})
		wantCode(t, err, platform.CodeConflict)
		if !hasEntry(e.auditActions(e.org.ID), "token.create", "success") {
			t.Fatal("token creation not audited")
		}
	})
}

// The metrics scope reads the whole platform's metrics, so it is for
// admins of the host organisation only, and it shrinks with the role.
func TestMetricsScope(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ops := e.mustUser(e.sys, "ops@northshire.gov.uk", "Ops", []platform.Role{platform.RoleAdmin}, nil, "")
		ct, err := e.svc.CreateToken(e.ctx, e.subjectOf(ops), NewToken{Name: "prometheus", Scopes: []string{ScopeMetrics}})
		noErr(t, err)
		sub, err := e.svc.TokenSubject(e.ctx, ct.Secret, "")
		noErr(t, err)
		if !slices.Equal(sub.Scopes, []string{ScopeMetrics}) {
			t.Fatalf("scopes %v", sub.Scopes)
		}
		staff := e.subjectOf(e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam", []platform.Role{platform.RoleStaff}, nil, ""))
		_, err = e.svc.CreateToken(e.ctx, staff, NewToken{Name: "x", Scopes: []string{ScopeMetrics}})
		wantField(t, err, "scopes")
		_, otherAdmin, _ := e.otherOrg()
		_, err = e.svc.CreateToken(e.ctx, otherAdmin, NewToken{Name: "x", Scopes: []string{ScopeMetrics}})
		wantField(t, err, "scopes")
		_, err = e.svc.UpdateUser(e.ctx, e.admin, ops.ID, UserChanges{Name: ops.Name, Roles: []platform.Role{platform.RoleManager}})
		noErr(t, err)
		sub, err = e.svc.TokenSubject(e.ctx, ct.Secret, "")
		if err == nil && slices.Contains(sub.Scopes, ScopeMetrics) {
			t.Fatalf("metrics scope kept after demotion: %v", sub.Scopes)
		}
	})
}
