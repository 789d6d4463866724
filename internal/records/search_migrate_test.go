package records

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"testing/fstest"
)

// recordsUpTo is the records module's migrations up to version v, as a
// database migrated by an older dbtp has them.
func recordsUpTo(t *testing.T, v int) store.Migrations {
	t.Helper()
	m := fstest.MapFS{}
	for _, d := range []string{"sqlite", "postgres"} {
		entries, err := fs.ReadDir(Migrations.FS, d)
		noErr(t, err)
		for _, en := range entries {
			if n, _ := strconv.Atoi(en.Name()[:4]); n <= v {
				b, err := fs.ReadFile(Migrations.FS, d+"/"+en.Name())
				noErr(t, err)
				m[d+"/"+en.Name()] = &fstest.MapFile{Data: b}
			}
		}
	}
	return store.Migrations{Module: Migrations.Module, FS: m}
}

// TestSearchMigrationUpgrades: a database whose documents were indexed
// with prefixes of up to 8 characters (0003) gets the index of 0007 (up to
// 16 on SQLite, the table made afresh and filled from the documents; rows
// kept whole up to a page on PostgreSQL), and everything filed before and
// after is found, by words longer than 8 characters too.
func TestSearchMigrationUpgrades(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.Open(t, d, []store.Migrations{audit.Migrations, identity.Migrations, recordsUpTo(t, 6)})
			e := newEnv(t, db)
			before := e.file(e.mel, "FIN.01.01", "Gritting invoice", "Finance", platform.Official, "x")
			e.setText(before, "Interdepartmental recharge for safeguarding training.")
			e.file(e.mel, "FIN.01.01", "Invoice without text", "Finance", platform.Official, "x")

			applied, err := db.Migrate(e.ctx, testMods)
			noErr(t, err)
			if len(applied) == 0 || applied[0].Name != "0007_search_pool.sql" { // later migrations may follow
				t.Fatalf("applied %+v", applied)
			}
			var opts string
			if d == store.SQLite {
				noErr(t, db.QueryRow(e.ctx, `SELECT sql FROM sqlite_master WHERE name = 'records_search'`).Scan(&opts))
				if !strings.Contains(opts, "prefix = '2 3 4 5 6 7 8 9 10 11 12 13 14 15 16'") {
					t.Fatalf("records_search is %s", opts)
				}
			} else {
				noErr(t, db.QueryRow(e.ctx, `SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'records_documents'`).Scan(&opts))
				if opts != "toast_tuple_target=8160" {
					t.Fatalf("records_documents has options %q", opts)
				}
			}

			after := e.file(e.mel, "FIN.01.01", "Salt invoice", "Finance", platform.Official, "x")
			e.setText(after, "Interdepartmentalisation of the safeguarding budget.")
			for text, want := range map[string][]string{
				"interdepartmental": {"Gritting invoice", "Salt invoice"},
				"safeguarding":      {"Gritting invoice", "Salt invoice"},
				"recharge":          {"Gritting invoice"},
				"invoice":           {"Gritting invoice", "Invoice without text", "Salt invoice"},
			} {
				e.want(e.mel, text, want...)
			}
			// The triggers of 0003 keep the new table: a changed title is
			// found by its new words, a deleted document no more.
			_, err = e.rs.UpdateMetadata(e.ctx, e.mel, before.ID, Metadata{ClassID: before.ClassID, Title: "Depot recharge", UnitID: before.UnitID,
				Classification: before.Classification})
			noErr(t, err)
			e.want(e.mel, "depot", "Depot recharge")
			noErr(t, e.rs.Delete(e.ctx, e.mel, after.ID))
			e.want(e.mel, "interdepartmental", "Depot recharge")
		})
	}
}
