package auditweb

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/audit"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Each organisation has a log of its own, so nothing an admin of one can
// read (tree heads, proofs, entry indexes, the viewer) moves when another
// organisation is busy.
func TestOtherOrganisationsActivityStaysPrivate(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		tokB := e.token(e.adminB, "admin")
		var before TreeHead
		e.getJSON("/api/v1/audit/tree-head", tokB, 200, &before)
		ownB := e.entries(e.orgB.ID, audit.Filter{})
		if before.Origin != "dbtp-audit/"+e.orgB.ID || before.Size != int64(len(ownB)) {
			t.Fatalf("org B's head %+v; org B has %d entries", before, len(ownB))
		}

		// Organisation A gets busy.
		for i := range 50 {
			e.record(e.orgA.ID, audit.Entry{ActorID: "usr_alice", Action: "case.read", ResourceType: "case", ResourceID: "cas_" + strconv.Itoa(i)})
		}

		var after TreeHead
		e.getJSON("/api/v1/audit/tree-head", tokB, 200, &after)
		if after.Size != before.Size || after.RootHash != before.RootHash || after.Note != before.Note {
			t.Fatalf("org B's tree head moved with org A's activity: %+v then %+v", before, after)
		}
		// Proofs are about org B's tree only: sizes beyond it are refused,
		// whatever the size of A's.
		over := strconv.FormatInt(before.Size+1, 10)
		e.getJSON("/api/v1/audit/proofs/consistency?old=1&new="+over, tokB, 400, nil)
		e.getJSON("/api/v1/audit/proofs/inclusion?index=0&size="+over, tokB, 400, nil)
		e.getJSON("/api/v1/audit/proofs/inclusion?index="+strconv.Itoa(len(ownB)), tokB, 400, nil)
		var c ConsistencyProof
		e.getJSON("/api/v1/audit/proofs/consistency?old=1", tokB, 200, &c)
		if c.NewSize != before.Size || c.NewRootHash != before.RootHash {
			t.Fatalf("org B's consistency proof is against %+v", c)
		}
		var p InclusionProof
		e.getJSON("/api/v1/audit/proofs/inclusion?index=0", tokB, 200, &p)
		first := ownB[len(ownB)-1]
		if p.TreeSize != before.Size || tlog.CheckRecord(decodeProof(t, p.Proof), p.TreeSize, decodeHash(t, before.RootHash), 0, leafHash(first)) != nil {
			t.Fatalf("org B's inclusion proof %+v does not check against its own head", p)
		}
		// Org B's entries are numbered 0, 1, 2... in its own log: the gaps
		// a shared log would leave between them are gone.
		var l entryList
		e.getJSON("/api/v1/audit/entries?limit=200", tokB, 200, &l)
		for i, en := range l.Items {
			if want := int64(len(l.Items) - 1 - i); en.Index != want || en.OrgID != e.orgB.ID {
				t.Fatalf("org B's entry %d is %+v, want index %d of org B", i, en, want)
			}
		}
		// The viewer shows org B the size of its own log only.
		page := e.get("/audit", e.signIn(e.orgB, e.adminB))
		sizeA := e.entries(e.orgA.ID, audit.Filter{Limit: audit.MaxLimit})
		if page.status != 200 || !strings.Contains(page.body, "Entries in your organisation") || strings.Contains(page.body, "all organisations") {
			t.Fatalf("viewer: %d", page.status)
		}
		if strings.Contains(page.body, ">"+strconv.Itoa(len(sizeA))+"<") {
			t.Fatalf("org B's viewer shows org A's log size %d", len(sizeA))
		}
	})
}

// An entry whose stored columns were edited behind the log's back is not
// shown or silently left out: the viewer and the API fail, naming nothing
// to the client, and the entry is reported by dbtp audit verify.
func TestEditedColumnsFailClosed(t *testing.T) {
	for _, set := range []string{"org_id = 'org_elsewhere'", "actor_id = 'usr_innocent'", "action = 'case.comment'",
		"resource_id = 'cas_other'", "at = at + 1"} {
		t.Run(strings.Fields(set)[0], func(t *testing.T) {
			storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db)
				e.seed()
				victim := e.entries(e.orgA.ID, audit.Filter{ActorID: "usr_bob", Action: "case.update"})[0]
				err := db.Write(e.ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(e.ctx, "UPDATE audit_entries SET "+set+" WHERE org_id = ? AND idx = ?", e.orgA.ID, victim.Index)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				tok := e.token(e.adminA, "admin")
				index := strconv.FormatInt(victim.Index, 10)
				for _, path := range []string{"/api/v1/audit/entries", "/api/v1/audit/entries?limit=200", "/api/v1/audit/entries/" + index} {
					if r := e.get(path, "Bearer "+tok); r.status != 500 || strings.Contains(r.body, "Bob") {
						t.Errorf("GET %s: %d %s", path, r.status, r.body)
					}
				}
				session := e.signIn(e.orgA, e.adminA)
				for _, path := range []string{"/audit", "/audit/" + index} {
					if r := e.get(path, session); r.status != 500 || strings.Contains(r.body, "Bob Brown") {
						t.Errorf("GET %s: %d", path, r.status)
					}
				}
				if _, err := e.log.Verify(e.ctx, nil); err == nil || !strings.Contains(err.Error(), "entry "+index) {
					t.Errorf("verify: %v", err)
				}
			})
		})
	}
}
