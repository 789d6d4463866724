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
		// Each organisation's entries are numbered in its own log, newest
		// first and without gaps, so the numbers say nothing about how
		// much the other organisation did in between.
		for name, es := range map[string][]Entry{"org_a": a, "org_b": b} {
			for i, e := range es {
				if e.OrgID != name || e.Index != int64(len(es)-1-i) {
					t.Fatalf("%s listing has %+v at %d (not its own, or not numbered in its own log)", name, e, i)
				}
			}
		}
		for _, e := range b {
			if got, err := l.Get(ctx, "org_a", e.Index); err != nil || got.OrgID != "org_a" {
				t.Fatalf("org_a asking for index %d: %v %+v", e.Index, err, got)
			}
			got, err := l.Get(ctx, "org_b", e.Index)
			if err != nil || got != e {
				t.Fatalf("get %d: %v %+v", e.Index, err, got)
			}
		}
		if _, err := l.Get(ctx, "org_b", 20); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("org_b's entry beyond its log: %v", err)
		}
		// A cursor from org_a's listing used by org_b shows only org_b's
		// entries, or is refused when it lies beyond org_b's log.
		p, err := l.List(ctx, Filter{OrgID: "org_a", Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.List(ctx, Filter{OrgID: "org_b", Cursor: p.Next}); platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("org_a's cursor past org_b's log: %v", err)
		}
		p, err = l.List(ctx, Filter{OrgID: "org_a", Limit: 30})
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
		exec(t, db, "UPDATE audit_entries SET org_id = 'org_b' WHERE org_id = 'org_a' AND idx = 30")
		if _, err := l.List(ctx, Filter{OrgID: "org_b", Limit: 200}); platform.CodeOf(err) != platform.CodeInternal {
			t.Fatalf("list over an edited row: %v", err)
		}
		if _, err := l.Get(ctx, "org_b", 30); platform.CodeOf(err) != platform.CodeInternal {
			t.Fatalf("get of an edited row: %v", err)
		}
	})
}
