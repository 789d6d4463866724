package audit

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// legacyMods is the audit module as it was before per-organisation logs:
// only migration 0001, one platform-wide tree.
func legacyMods(t *testing.T) []store.Migrations {
	t.Helper()
	m := fstest.MapFS{}
	for _, p := range []string{"sqlite/0001_audit.sql", "postgres/0001_audit.sql"} {
		b, err := fs.ReadFile(migrationFS, "migrations/"+p)
		if err != nil {
			t.Fatal(err)
		}
		m[p] = &fstest.MapFile{Data: b}
	}
	return []store.Migrations{{Module: "audit", FS: m}, thingsMigrations}
}

// writeLegacy appends entries as the old dbtp did: one tree for everybody,
// version 1 encoding with the platform-wide index, one signed head
// (tlog.FormatTree) per group of per entries.
func writeLegacy(t *testing.T, db *store.DB, signer note.Signer, entries []Entry, per int) {
	t.Helper()
	var f frontier
	var scratch []byte
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		ctx := tx.Context()
		for i, e := range entries {
			e.Index = int64(i)
			e.At = e.At.UTC()
			data := appendEntryVersion(nil, e, encodingV1)
			var hashes []byte
			for _, h := range f.push(leafHash(&scratch, data), nil) {
				hashes = append(hashes, h[:]...)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_entries (idx, org_id, actor_id, action, resource_type, resource_id, at, data, hashes)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Index, e.OrgID, e.ActorID, e.Action, e.ResourceType, e.ResourceID, store.Millis(e.At), data, hashes); err != nil {
				return err
			}
			if (i+1)%per == 0 || i == len(entries)-1 {
				root := f.root()
				msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: f.size, Hash: root}))}, signer)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "INSERT INTO audit_heads (size, root, note, created_at) VALUES (?, ?, ?, 0)", f.size, root[:], string(msg)); err != nil {
					return err
				}
			}
		}
		_, err := tx.Exec(ctx, "UPDATE audit_state SET size = ?, frontier = ?, head_size = ? WHERE id = 1", f.size, f.marshal(), f.size)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// legacyEntries interleaves two organisations and platform-level entries.
func legacyEntries() []Entry {
	var out []Entry
	for i := range 30 {
		org := []string{"org_a", "org_b", "org_a", ""}[i%4]
		e := sampleEntry(org, i)
		if org == "" {
			e.Action, e.ResourceType, e.Outcome, e.ResourceID = "session.sign_in", "session", Failure, ""
		}
		out = append(out, e)
	}
	return out
}

func TestUpgradeRebuildsPerOrganisation(t *testing.T) {
	storetest.Each(t, legacyMods(t), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, v := testKey(t)
		old := legacyEntries()
		writeLegacy(t, db, s, old, 4)
		if _, err := db.Migrate(ctx, testMods); err != nil {
			t.Fatal(err)
		}
		l := New(db, s, v)
		// Nothing may be appended before the rebuild: it would take an
		// index an old entry needs.
		if err := l.RecordNow(ctx, sampleEntry("org_a", 99)); platform.CodeOf(err) != platform.CodeInternal {
			t.Fatalf("record before upgrade: %v", err)
		}
		if rep, err := l.Verify(ctx, nil); err == nil || !strings.Contains(rep.Problems[0], "not been rebuilt") {
			t.Fatalf("verify before upgrade: %v %+v", err, rep)
		}
		n, err := l.Upgrade(ctx)
		if err != nil || n != int64(len(old)) {
			t.Fatalf("upgrade: %d %v", n, err)
		}
		rep := mustVerify(t, l)
		if rep.Entries != int64(len(old))+1 || len(rep.Logs) != 3 {
			t.Fatalf("after upgrade: %+v", rep)
		}
		// Every entry kept its content, in order, renumbered in its own log.
		for _, org := range []string{"org_a", "org_b", PlatformOrg} {
			page, err := l.List(ctx, Filter{OrgID: org, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			var want []Entry
			for _, e := range old {
				if e.OrgID == org || org == PlatformOrg && e.OrgID == "" {
					e.Index = int64(len(want))
					e.At = e.At.UTC()
					want = append(want, e)
				}
			}
			got := page.Entries
			if org == PlatformOrg {
				rebuilt := got[0]
				if rebuilt.Action != "platform.audit_rebuild" || !strings.Contains(rebuilt.Detail, "of 30 entries") ||
					!strings.Contains(rebuilt.Detail, "go.sum database tree\n30\n") {
					t.Fatalf("rebuild entry %+v", rebuilt)
				}
				got = got[1:]
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d entries, want %d", org, len(got), len(want))
			}
			for i, e := range got {
				if w := want[len(want)-1-i]; e != w {
					t.Fatalf("%s entry %d:\n got %+v\nwant %+v", org, e.Index, e, w)
				}
			}
		}
		if _, err := db.Query(ctx, "SELECT 1 FROM audit_legacy_entries"); err == nil {
			t.Error("the old entries table is still there")
		}
		if n, err := l.Upgrade(ctx); err != nil || n != 0 {
			t.Fatalf("second upgrade: %d %v", n, err)
		}
		fill(t, l, "org_b", 2)
		mustVerify(t, l)
	})
}

// A log that fails verification is not re-signed: that would launder the
// change. Nothing is rebuilt and nothing can be appended.
func TestUpgradeRefusesTamperedLog(t *testing.T) {
	storetest.Each(t, legacyMods(t), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, v := testKey(t)
		writeLegacy(t, db, s, legacyEntries(), 4)
		e := sampleEntry("org_a", 8)
		e.Index, e.At, e.Detail = 8, e.At.UTC(), "nothing to see here"
		exec(t, db, "UPDATE audit_entries SET data = ? WHERE idx = 8", appendEntryVersion(nil, e, encodingV1))
		if _, err := db.Migrate(ctx, testMods); err != nil {
			t.Fatal(err)
		}
		l := New(db, s, v)
		if _, err := l.Upgrade(ctx); err == nil || !strings.Contains(err.Error(), "fails verification") {
			t.Fatalf("upgrade of a tampered log: %v", err)
		}
		var legacy, rebuilt int
		db.QueryRow(ctx, "SELECT COUNT(*) FROM audit_legacy_entries").Scan(&legacy)
		db.QueryRow(ctx, "SELECT COUNT(*) FROM audit_entries").Scan(&rebuilt)
		if legacy != 30 || rebuilt != 0 {
			t.Fatalf("after a refused upgrade: %d old entries, %d new; want 30 and 0", legacy, rebuilt)
		}
		if err := l.RecordNow(ctx, sampleEntry("org_a", 99)); platform.CodeOf(err) != platform.CodeInternal {
			t.Fatalf("record after a refused upgrade: %v", err)
		}
	})
}

// A database with an empty old log (a new install) needs no rebuild.
func TestUpgradeOfEmptyLog(t *testing.T) {
	storetest.Each(t, legacyMods(t), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, testMods); err != nil {
			t.Fatal(err)
		}
		l := newTestLog(t, db)
		if n, err := l.Upgrade(ctx); err != nil || n != 0 {
			t.Fatalf("upgrade: %d %v", n, err)
		}
		fill(t, l, "org_a", 3)
		mustVerify(t, l)
	})
}
