package audit

import (
	"context"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The columns beside an entry's content (organisation, index, actor,
// action, resource, time) are copies kept for filtering. Editing one alone,
// as someone with database access but without the signing key might to
// hide an entry or pin it on someone else, must make verification fail
// naming the entry, and must make reads fail rather than show or hide it.
func TestTamperColumns(t *testing.T) {
	const victim = 17
	for _, c := range []struct{ column, set string }{
		{"org_id", "org_id = 'org_b'"},
		{"idx", "idx = 1017"},
		{"actor_id", "actor_id = 'usr_innocent'"},
		{"action", "action = 'case.comment'"},
		{"resource_type", "resource_type = 'note'"},
		{"resource_id", "resource_id = 'cas_other'"},
		{"at", "at = at + 3600000"},
	} {
		t.Run(c.column, func(t *testing.T) {
			storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				l := newTestLog(t, db)
				fill(t, l, "org_a", tamperLogSize)
				mustVerify(t, l)
				exec(t, db, "UPDATE audit_entries SET "+c.set+" WHERE org_id = 'org_a' AND idx = ?", victim)

				rep, err := l.Verify(ctx, nil)
				te, ok := err.(*TamperError)
				if !ok || rep.OK || te.Org != "org_a" || te.Index != victim || rep.FirstBad != victim {
					t.Fatalf("verify after editing %s: err %v, report %+v; want first bad entry %d of org_a", c.column, err, rep, victim)
				}
				if want := map[string]string{"org_id": "missing", "idx": "missing"}[c.column]; want == "" && !strings.Contains(te.Reason, c.column) ||
					want != "" && !strings.Contains(te.Reason, want) {
					t.Errorf("reason %q does not say what is wrong with the %s column", te.Reason, c.column)
				}
				t.Logf("%v", err)

				// The organisation's own view fails rather than omit or
				// misreport the entry: paging down, some page fails
				// before the entry could be passed over.
				if _, err := l.List(ctx, Filter{OrgID: "org_a", Limit: 200}); platform.CodeOf(err) != platform.CodeInternal {
					t.Errorf("listing org_a: %v, want an integrity error", err)
				}
				f := Filter{OrgID: "org_a", Limit: 15}
				for {
					p, err := l.List(ctx, f)
					if err != nil {
						if platform.CodeOf(err) != platform.CodeInternal {
							t.Errorf("paging org_a: %v, want an integrity error", err)
						}
						break
					}
					if len(p.Entries) == 0 || p.Entries[len(p.Entries)-1].Index <= victim || p.Next == "" {
						t.Fatalf("a page reached past entry %d without failing: %+v", victim, p.Entries)
					}
					f.Cursor = p.Next
				}
				if _, err := l.Get(ctx, "org_a", victim); platform.CodeOf(err) != platform.CodeInternal {
					t.Errorf("get entry %d: %v, want an integrity error", victim, err)
				}
				// Nor does the entry turn up in the log it was moved to.
				if c.column == "org_id" {
					if _, err := l.List(ctx, Filter{OrgID: "org_b"}); platform.CodeOf(err) != platform.CodeInternal {
						t.Errorf("listing org_b: %v, want an integrity error", err)
					}
					if _, err := l.Get(ctx, "org_b", victim); platform.CodeOf(err) != platform.CodeInternal {
						t.Errorf("get from org_b: %v, want an integrity error", err)
					}
				}
			})
		})
	}
}

// A head copied from another organisation's log carries a good signature,
// but it is not a head of this log.
func TestTamperHeadFromAnotherLog(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		l := newTestLog(t, db)
		fill(t, l, "org_a", 20)
		fill(t, l, "org_b", 20)
		var n string
		if err := db.QueryRow(context.Background(), "SELECT note FROM audit_heads WHERE org_id = 'org_b' AND size = 12").Scan(&n); err != nil {
			t.Fatal(err)
		}
		exec(t, db, "UPDATE audit_heads SET note = ? WHERE org_id = 'org_a' AND size = 12", n)
		rep, err := l.Verify(context.Background(), nil)
		if err == nil || rep.FirstBad != -1 || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "log of org_a") ||
			!strings.Contains(rep.Problems[0], "another log") {
			t.Fatalf("verify: %v %+v", err, rep)
		}
	})
}
