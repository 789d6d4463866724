package audit

import (
	"context"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestListFiltersAndSegregation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		l := newTestLog(t, db)
		ctx := context.Background()
		// Interleave two organisations so index order alone cannot separate them.
		for i := range 60 {
			org := "org_a"
			if i%3 == 2 {
				org = "org_b"
			}
			if err := l.RecordNow(ctx, sampleEntry(org, i)); err != nil {
				t.Fatal(err)
			}
		}
		all := func(f Filter) []Entry {
			t.Helper()
			var out []Entry
			for pages := 0; ; pages++ {
				p, err := l.List(ctx, f)
				if err != nil {
					t.Fatalf("list %+v: %v", f, err)
				}
				out = append(out, p.Entries...)
				if p.Next == "" {
					return out
				}
				if len(p.Entries) != f.Limit && f.Limit != 0 || pages > 100 {
					t.Fatalf("short page with a next cursor")
				}
				f.Cursor = p.Next
			}
		}
		a := all(Filter{OrgID: "org_a", Limit: 7})
		b := all(Filter{OrgID: "org_b", Limit: 7})
		if len(a) != 40 || len(b) != 20 {
			t.Fatalf("org_a %d entries, org_b %d; want 40 and 20", len(a), len(b))
		}
		for i, e := range a {
			if e.OrgID != "org_a" || (i > 0 && e.Index >= a[i-1].Index) {
				t.Fatalf("org_a listing has %+v at %d (not its own or not newest first)", e, i)
			}
		}
		for _, e := range b {
			if e.OrgID != "org_b" {
				t.Fatalf("org_b sees %+v", e)
			}
			if _, err := l.Get(ctx, "org_a", e.Index); platform.CodeOf(err) != platform.CodeNotFound {
				t.Fatalf("org_a can get org_b's entry %d: %v", e.Index, err)
			}
			got, err := l.Get(ctx, "org_b", e.Index)
			if err != nil || got != e {
				t.Fatalf("get %d: %v %+v", e.Index, err, got)
			}
		}
		// A cursor from org_a's listing used by org_b still shows only org_b.
		p, err := l.List(ctx, Filter{OrgID: "org_a", Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all(Filter{OrgID: "org_b", Cursor: p.Next}) {
			if e.OrgID != "org_b" {
				t.Fatalf("foreign cursor leaked %+v", e)
			}
		}

		base := sampleEntry("", 0).At
		for name, c := range map[string]struct {
			f    Filter
			want func(Entry) bool
		}{
			"actor":    {Filter{ActorID: "usr_1"}, func(e Entry) bool { return e.ActorID == "usr_1" }},
			"action":   {Filter{Action: "case.read"}, func(e Entry) bool { return e.Action == "case.read" }},
			"resource": {Filter{ResourceType: "case", ResourceID: "cas_2"}, func(e Entry) bool { return e.ResourceID == "cas_2" }},
			"time": {Filter{From: base.Add(10 * time.Minute), To: base.Add(20 * time.Minute)}, func(e Entry) bool {
				return !e.At.Before(base.Add(10*time.Minute)) && e.At.Before(base.Add(20*time.Minute))
			}},
		} {
			c.f.OrgID, c.f.Limit = "org_a", 4
			got := all(c.f)
			n := 0
			for _, e := range a {
				if c.want(e) {
					n++
				}
			}
			if len(got) != n || n == 0 {
				t.Errorf("%s: %d entries, want %d", name, len(got), n)
			}
			for _, e := range got {
				if !c.want(e) || e.OrgID != "org_a" {
					t.Errorf("%s: unexpected %+v", name, e)
				}
			}
		}

		for name, f := range map[string]Filter{
			"no org":         {},
			"bad cursor":     {OrgID: "org_a", Cursor: "not-a-cursor"},
			"negative limit": {OrgID: "org_a", Limit: -1},
			"backwards time": {OrgID: "org_a", From: base.Add(time.Hour), To: base},
		} {
			if _, err := l.List(ctx, f); platform.CodeOf(err) != platform.CodeInvalid {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if _, err := l.Get(ctx, "", 0); platform.CodeOf(err) != platform.CodeInvalid {
			t.Errorf("get without org: %v", err)
		}
		if p, err := l.List(ctx, Filter{OrgID: "org_a", Limit: 1000}); err != nil || len(p.Entries) != 40 {
			t.Errorf("large limit: %v, %d entries", err, len(p.Entries))
		}

		// Editing the org column alone must not move an entry into another
		// organisation's view: the content disagrees, and the read fails.
		exec(t, db, "UPDATE audit_entries SET org_id = 'org_b' WHERE idx = 0")
		if _, err := l.List(ctx, Filter{OrgID: "org_b", Limit: 200}); platform.CodeOf(err) != platform.CodeInternal {
			t.Fatalf("list over an edited row: %v", err)
		}
		if _, err := l.Get(ctx, "org_b", 0); platform.CodeOf(err) != platform.CodeInternal {
			t.Fatalf("get of an edited row: %v", err)
		}
	})
}
