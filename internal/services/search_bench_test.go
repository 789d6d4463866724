package services

import (
	"fmt"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// benchAreas are the complaint form's service areas, as the load tool's
// residents choose them.
var benchAreas = []string{"waste", "roads", "housing", "council_tax", "parking", "libraries", "other"}

// BenchmarkTextSearch measures a search by text among 22,000 open
// complaints whose summaries look like the load tool's ("Resident 123 ·
// waste · res00123@bench.example", 8,000 residents): a name as the API's
// text search and the staff queue's search box send it (20 and 50 rows), a
// reference typed whole, one word that every case has, and one letter (the
// start of many words).
func BenchmarkTextSearch(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, testMods)
			e := newEnv(b, db)
			e.publish(complaints(1))
			seedOpenCases(b, e, 22_000, func(i int) string {
				r := i % 8000
				return fmt.Sprintf("Resident %d · %s · res%05d@bench.example", r, benchAreas[i%len(benchAreas)], r)
			})
			e.clock.Set(start.Add(1000 * time.Hour))
			if d == store.Postgres {
				// Autovacuum would have analysed a table this size; the
				// planner's choices depend on it. (SQLite's planner runs
				// without statistics in dbtp: ANALYZE is never run there.)
				noErr(b, db.Write(e.ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(e.ctx, "ANALYZE cases")
					return err
				}))
			}
			run := func(name string, f CaseFilter, limit, want int) {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						p, err := e.svc.Search(e.ctx, e.cara, f, "", limit)
						if err != nil || len(p.Cases) < want {
							b.Fatalf("%d cases, want %d: %v", len(p.Cases), want, err)
						}
					}
				})
			}
			run("api-name", CaseFilter{Text: "Resident 123"}, 20, 2)
			run("queue-name", CaseFilter{Text: "Resident 123", Queue: "complaints", OpenOnly: true}, 50, 1)
			run("reference", CaseFilter{Text: "COMP-2026-012345"}, 20, 1)
			run("every-case", CaseFilter{Text: "resident", OpenOnly: true}, 50, 50)
			run("one-letter", CaseFilter{Text: "w", OpenOnly: true}, 50, 50)
		})
	}
}
