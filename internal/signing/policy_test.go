package signing

import (
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestPolicy(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		env := envelopeResource(Envelope{ID: "env1", OrgID: e.org.ID, UnitID: e.units["Procurement"], SenderID: e.pat.UserID})
		for _, c := range []struct {
			who    string
			sub    *platform.Subject
			action access.Action
			res    access.Resource
			ok     bool
		}{
			{"the sender reads", e.pat, access.Read, env, true},
			{"the unit's manager changes", e.mo, access.Update, env, true},
			{"another unit's staff read", e.cara, access.Read, env, false},
			{"a records manager reads", e.rosa, access.Read, env, true},
			{"a records manager changes", e.rosa, access.Update, env, false},
			{"a resident reads", e.rita, access.Read, env, false},
			{"a manager keeps the keys", e.mo, access.Update, keysResource(e.org.ID), false},
		} {
			if got := Policy(c.sub, c.action, c.res).Allowed; got != c.ok {
				t.Errorf("%s: allowed %v, want %v", c.who, got, c.ok)
			}
		}
		// Through the access point: another organisation and admins.
		ap := access.New(e.log)
		noErr(t, ap.Register(ResourceType, Policy))
		if ap.Allowed(e.other, access.Read, env) {
			t.Error("another organisation's admin reads the envelope")
		}
		if !ap.Allowed(e.admin, access.Update, keysResource(e.org.ID)) {
			t.Error("the organisation's admin cannot keep the keys")
		}
	})
}
