package auditweb

import (
	"encoding/json"
	"html"
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Each organisation's entries are numbered in its own log, so there is no
// index by which org B's admin could reach one of org A's entries: the
// index of an org A entry, asked for by org B (by API, proof or page),
// names org B's own entry at that position, or nothing. Org A's log learns
// nothing of it either.
func TestIndexesNameOnlyTheOrganisationsOwnEntries(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		tokB, pageB := e.token(e.adminB, "admin"), e.signIn(e.orgB, e.adminB)
		for _, a := range e.entries(e.orgA.ID, audit.Filter{}) {
			idx := strconv.FormatInt(a.Index, 10)
			r := e.get("/api/v1/audit/entries/"+idx, "Bearer "+tokB)
			var d EntryDetail
			switch r.status {
			case 200:
				if err := json.Unmarshal([]byte(r.body), &d); err != nil || d.OrgID != e.orgB.ID || d.Index != a.Index {
					t.Fatalf("org B asking for index %s gets %s", idx, r.body)
				}
			case 404:
			default:
				t.Fatalf("org B asking for index %s: %d", idx, r.status)
			}
			// The page shows the same: org B's own entry (its leaf hash,
			// not org A's), or not found.
			page := e.get("/audit/"+idx, pageB)
			body := html.UnescapeString(page.body)
			if page.status != r.status || r.status == 200 && (!strings.Contains(body, leafHash(d.Entry).String()) || strings.Contains(body, leafHash(a).String())) {
				t.Fatalf("org B's page for index %s: %d", idx, page.status)
			}
			if r := e.get("/api/v1/audit/proofs/inclusion?index="+idx, "Bearer "+tokB); r.status != 200 && r.status != 400 {
				t.Fatalf("org B's proof for index %s: %d %s", idx, r.status, r.body)
			}
		}
		// Beyond org B's log: not found, like any index that does not exist.
		var beyond, none struct{ Detail, Code string }
		e.getJSON("/api/v1/audit/entries/1000", tokB, 404, &beyond)
		e.getJSON("/api/v1/audit/entries/999999", tokB, 404, &none)
		if none != beyond || beyond.Detail == "" {
			t.Fatalf("one missing entry answers %+v, another %+v", none, beyond)
		}
		for _, en := range e.entries(e.orgA.ID, audit.Filter{}) {
			if en.ActorID == e.adminB.ID || strings.HasPrefix(en.Action, "audit.") {
				t.Fatalf("org A's log records org B's reading: %+v", en)
			}
		}
	})
}
