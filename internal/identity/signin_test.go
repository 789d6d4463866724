package identity

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestSignInAndSessions(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		unit, err := e.svc.CreateUnit(e.ctx, e.admin, "Children's")
		noErr(t, err)
		u := e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, []string{unit.ID}, testPassword)

		res, err := e.svc.SignIn(e.ctx, e.org.Slug, "SAM@northshire.gov.uk", testPassword, "192.0.2.7:5555")
		noErr(t, err)
		if res.State != StateSignedIn || len(res.Token) != sessionTokenLen {
			t.Fatalf("result %+v", res)
		}
		sub, err := e.svc.SessionSubject(e.ctx, res.Token, "192.0.2.7")
		noErr(t, err)
		if sub.Kind != platform.SubjectUser || sub.UserID != u.ID || sub.OrgID != e.org.ID || sub.Name != "Sam Staff" ||
			!sub.HasRole(platform.RoleStaff) || !sub.InUnit(unit.ID) || sub.SessionID != res.SessionID || sub.AuthTime.IsZero() || sub.Addr != "192.0.2.7" {
			t.Fatalf("subject %+v", sub)
		}
		// The caller may change its copy without touching the cache.
		sub.Roles[0] = platform.RoleAdmin
		again, _ := e.svc.SessionSubject(e.ctx, res.Token, "")
		if again.HasRole(platform.RoleAdmin) {
			t.Fatal("cached subject was shared")
		}
		// Sign in by organisation ID too.
		_, err = e.svc.SignIn(e.ctx, e.org.ID, u.Email, testPassword, "")
		noErr(t, err)

		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, "wrong password!!", "192.0.2.7")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, "nobody@northshire.gov.uk", testPassword, "192.0.2.7")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.SignIn(e.ctx, "no-such-org", u.Email, testPassword, "192.0.2.7")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.SessionSubject(e.ctx, "not a cookie", "")
		wantCode(t, err, platform.CodeUnauthorized)

		entries := e.auditActions(e.org.ID)
		if !hasEntry(entries, "session.sign_in", audit.Success) || !hasEntry(entries, "session.sign_in", audit.Failure) {
			t.Fatal("sign-in success and failure must be audited")
		}
		if containsSecret(entries, testPassword) || containsSecret(entries, "wrong password!!") || containsSecret(entries, res.Token) {
			t.Fatal("secret in the audit log")
		}

		// Role change shows at once on this node.
		_, err = e.svc.UpdateUser(e.ctx, e.admin, u.ID, UserChanges{Name: "Sam Staff", Roles: []platform.Role{platform.RoleCaseworker}, BusinessUnits: []string{unit.ID}})
		noErr(t, err)
		sub, err = e.svc.SessionSubject(e.ctx, res.Token, "")
		noErr(t, err)
		if !sub.HasRole(platform.RoleCaseworker) || sub.HasRole(platform.RoleStaff) {
			t.Fatalf("roles after change %v", sub.Roles)
		}

		// Idle timeout: activity every 20 minutes keeps it alive; 31 idle minutes end it.
		for range 3 {
			e.clock.Add(20 * time.Minute)
			_, err = e.svc.SessionSubject(e.ctx, res.Token, "")
			noErr(t, err)
		}
		e.clock.Add(31 * time.Minute)
		_, err = e.svc.SessionSubject(e.ctx, res.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)

		// Absolute timeout: even a busy session ends after 12 hours.
		res, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
			e.clock.Add(20 * time.Minute)
			if _, err = e.svc.SessionSubject(e.ctx, res.Token, ""); err != nil {
				t.Fatalf("after %s: %v", elapsed, err)
			}
		}
		e.clock.Add(25 * time.Minute)
		_, err = e.svc.SessionSubject(e.ctx, res.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)

		// Sign out; sign out everywhere.
		a, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		b, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		c, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		if a.Token == b.Token {
			t.Fatal("tokens repeat")
		}
		noErr(t, e.svc.SignOut(e.ctx, a.Token, ""))
		noErr(t, e.svc.SignOut(e.ctx, a.Token, ""))
		_, err = e.svc.SessionSubject(e.ctx, a.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)
		bs, err := e.svc.SessionSubject(e.ctx, b.Token, "")
		noErr(t, err)
		noErr(t, e.svc.SignOutEverywhere(e.ctx, bs))
		for _, tok := range []string{b.Token, c.Token} {
			_, err = e.svc.SessionSubject(e.ctx, tok, "")
			wantCode(t, err, platform.CodeUnauthorized)
		}

		// Disabling ends sessions and blocks sign-in.
		d, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		_, err = e.svc.SessionSubject(e.ctx, d.Token, "")
		noErr(t, err)
		noErr(t, e.svc.DisableUser(e.ctx, e.admin, u.ID))
		_, err = e.svc.SessionSubject(e.ctx, d.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		wantCode(t, err, platform.CodeForbidden)

		noErr(t, e.svc.Prune(e.ctx))
	})
}

func TestLastSeenIsThrottled(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam", []platform.Role{platform.RoleStaff}, nil, testPassword)
		res, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		before := db.Stats().Writes
		for range 100 {
			e.clock.Add(100 * time.Millisecond)
			if _, err := e.svc.SessionSubject(e.ctx, res.Token, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
		}
		if w := db.Stats().Writes - before; w > 0 {
			t.Fatalf("%d writes for 100 checks within 10 seconds; want none", w)
		}
		e.clock.Add(time.Minute)
		_, err = e.svc.SessionSubject(e.ctx, res.Token, "192.0.2.1")
		noErr(t, err)
		var seen int64
		noErr(t, db.QueryRow(e.ctx, "SELECT last_seen FROM sessions WHERE id = ?", res.SessionID).Scan(&seen))
		if seen != store.Millis(e.clock.Now()) {
			t.Fatal("last_seen not written after a minute")
		}
	})
}

func TestThrottling(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam", []platform.Role{platform.RoleStaff}, nil, testPassword)
		// Five failures lock the account, even for the right password.
		for i := range 5 {
			_, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, "not the password", fmt.Sprintf("198.51.100.%d", i))
			wantCode(t, err, platform.CodeUnauthorized)
		}
		_, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "198.51.100.99")
		wantCode(t, err, platform.CodeRateLimited)
		if wait, ok := RetryAfter(err); !ok || wait <= 0 || wait > time.Minute {
			t.Fatalf("retry after %v %v", wait, ok)
		}
		// The lock lifts after its backoff; one more failure locks for longer.
		e.clock.Add(61 * time.Second)
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, "still not it", "198.51.100.99")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "198.51.100.99")
		if wait, _ := RetryAfter(err); wait <= time.Minute {
			t.Fatalf("second lock %v, want about two minutes", wait)
		}
		e.clock.Add(16 * time.Minute)
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "198.51.100.99")
		noErr(t, err)

		// Twenty failures from one address block that address for every account.
		for i := range 20 {
			_, err := e.svc.SignIn(e.ctx, e.org.Slug, fmt.Sprintf("guess%d@northshire.gov.uk", i), "password1234", "203.0.113.5:4000")
			wantCode(t, err, platform.CodeUnauthorized)
		}
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "203.0.113.5:4001")
		wantCode(t, err, platform.CodeRateLimited)
		// Another address is unaffected.
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "203.0.113.6")
		noErr(t, err)
		if !hasEntry(e.auditActions(e.org.ID), "session.sign_in", audit.Denied) {
			t.Fatal("throttled attempt not audited")
		}
		e.clock.Add(15 * time.Minute)
		_, err = e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "203.0.113.5")
		noErr(t, err)
	})
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:443":            "addr:192.0.2.1",
		"192.0.2.1":                "addr:192.0.2.1",
		"[2001:db8:1:2:3::4]:8080": "addr:2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":     "addr:2001:db8:1:2::/64",
		"::ffff:192.0.2.1":         "addr:192.0.2.1",
		"":                         "",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q, want %q", in, got, want)
		}
	}
	if k := addrKey(strings.Repeat("x", 500)); len(k) > 80 {
		t.Error("junk address not bounded")
	}
}
