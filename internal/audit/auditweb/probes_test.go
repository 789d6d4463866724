package auditweb

import (
	"strconv"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Org B's admin asking for one of org A's entries, by API, proof or page,
// gets the same 404 as for an entry that does not exist, and the attempt is
// on record in org B's log as a denied audit.read of that index.
func TestForeignEntryProbesAreAuditedDenials(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		tokB, pageB := e.token(e.adminB, "admin"), e.signIn(e.orgB, e.adminB)
		a := e.entries(e.orgA.ID, audit.Filter{ActorID: "usr_alice"})[0]
		idx := strconv.FormatInt(a.Index, 10)
		probes := []struct{ path, auth string }{
			{"/api/v1/audit/entries/" + idx, "Bearer " + tokB},
			{"/api/v1/audit/proofs/inclusion?index=" + idx, "Bearer " + tokB},
			{"/audit/" + idx, pageB},
		}
		for i, p := range probes {
			r := e.get(p.path, p.auth)
			if r.status != 404 {
				t.Fatalf("%s: status %d, want 404\n%s", p.path, r.status, r.body)
			}
			denied := 0
			for _, en := range e.entries(e.orgB.ID, audit.Filter{Action: "audit.read", ResourceID: idx}) {
				if en.Outcome == audit.Denied {
					denied++
				}
			}
			if denied != i+1 {
				t.Fatalf("%s: %d denials of entry %s on record, want %d", p.path, denied, idx, i+1)
			}
		}
		// An index that does not exist answers the same, unaudited.
		missing := "/api/v1/audit/entries/999999"
		var foreign, none struct{ Detail, Code string }
		e.getJSON(probes[0].path, tokB, 404, &foreign)
		e.getJSON(missing, tokB, 404, &none)
		if none != foreign || foreign.Detail == "" {
			t.Fatalf("a missing entry answers %+v, a foreign one %+v", none, foreign)
		}
		if n := len(e.entries(e.orgB.ID, audit.Filter{Action: "audit.read", ResourceID: "999999"})); n != 0 {
			t.Fatalf("a missing entry was audited: %d entries", n)
		}
		for _, en := range e.entries(e.orgA.ID, audit.Filter{Action: "audit.read"}) {
			if en.Outcome == audit.Denied {
				t.Fatalf("org A's log gained a denial: %+v", en)
			}
		}
	})
}
