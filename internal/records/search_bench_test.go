package records

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"dbtp/internal/audit/audittest"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// benchOrg is the organisation of generated corpora.
const benchOrg = "org_bench"

// benchUnits are the business units of generated corpora.
var benchUnits = []string{"unit_adults", "unit_children", "unit_customer", "unit_finance", "unit_governance"}

// BenchmarkSearch measures the searches a records officer types (one to
// three words, with and without filters, and a caseworker's) over a
// generated corpus (GenerateCorpus) of DBTP_BENCH_RECORDS_DOCS documents
// (default 10,000), and reports the 50th and 95th percentile and the
// slowest, in milliseconds, beside Go's mean.
//
// A large corpus takes long to build (about 20 minutes per million on
// SQLite), so it can be kept between runs: DBTP_BENCH_RECORDS_DIR names a
// folder for the SQLite database, DBTP_BENCH_RECORDS_PG a PostgreSQL
// database URL; documents are added until there are as many as asked.
//
//	DBTP_BENCH_RECORDS_DOCS=1000000 DBTP_BENCH_RECORDS_DIR=/var/tmp/rec \
//	  go test -run X -bench Search -benchtime 400x ./internal/records/
func BenchmarkSearch(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("DBTP_BENCH_RECORDS_DOCS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			db := benchCorpus(b, d, n)
			rs := New(db, audittest.NewLog(b, db), nil, Options{})
			officer := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_bench_officer", Name: "Records Officer", OrgID: benchOrg,
				Roles: []platform.Role{platform.RoleRecords}}
			caseworker := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_bench_caseworker", Name: "Caseworker", OrgID: benchOrg,
				Roles: []platform.Role{platform.RoleCaseworker}, BusinessUnits: []string{benchUnits[0]}}
			classes, err := rs.classes(ctx, db.Query, benchOrg)
			noErr(b, err)
			classID := func(code string) string {
				for _, c := range classes {
					if c.Code == code {
						return c.ID
					}
				}
				b.Fatalf("no class %s", code)
				return ""
			}
			var caseRef string
			noErr(b, db.QueryRow(ctx, `SELECT case_ref FROM records_documents WHERE org_id = ? AND case_ref <> '' ORDER BY id LIMIT 1`, benchOrg).Scan(&caseRef))
			lastYear := time.Date(time.Now().Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
			type search struct {
				name string
				sub  *platform.Subject
				q    Query
			}
			searches := []search{
				{"one-word", officer, Query{Text: "safeguarding"}},
				{"surname", officer, Query{Text: "Smith"}},
				{"rare-surname", officer, Query{Text: "Kowalski"}},
				{"two-words", officer, Query{Text: "care plan"}},
				{"name", officer, Query{Text: "john smith"}},
				{"quoted-name", officer, Query{Text: `"john smith"`}},
				{"three-words", officer, Query{Text: "fire risk assessment"}},
				{"partial-word", officer, Query{Text: "asbest surv"}},
				{"phrase", officer, Query{Text: `"council tax"`}},
				{"case-reference", officer, Query{Text: caseRef}},
				{"newest", officer, Query{Text: "invoice", Order: OrderNewest}},
				{"class-filter", officer, Query{Text: "complaint", ClassID: classID("CUS")}},
				{"sensitive-records", officer, Query{Text: "placement", Classification: platform.OfficialSensitive, Records: "yes"}},
				{"last-year", officer, Query{Text: "budget", From: lastYear, To: lastYear.AddDate(1, 0, 0)}},
				{"unit-filter", officer, Query{Text: "review", UnitID: benchUnits[3]}},
				{"filters-only", officer, Query{ClassID: classID("GOV"), Records: "yes"}},
				{"caseworker", caseworker, Query{Text: "dementia"}},
				{"caseworker-name", caseworker, Query{Text: "patel"}},
			}
			if only := os.Getenv("DBTP_BENCH_RECORDS_ONLY"); only != "" {
				searches = slices.DeleteFunc(searches, func(s search) bool { return s.name != only })
			}
			for _, s := range searches {
				if _, err := rs.Search(ctx, s.sub, s.q); err != nil {
					b.Fatalf("%s: %v", s.name, err)
				}
			}
			b.ReportAllocs()
			times := make([]time.Duration, 0, b.N)
			per := map[string][]time.Duration{}
			i := 0
			for b.Loop() {
				s := searches[i%len(searches)]
				i++
				t0 := time.Now()
				res, err := rs.Search(ctx, s.sub, s.q)
				took := time.Since(t0)
				if err != nil {
					b.Fatalf("%s: %v", s.name, err)
				}
				if res.Total == 0 && s.name != "rare-surname" {
					b.Fatalf("%s found nothing", s.name)
				}
				times = append(times, took)
				per[s.name] = append(per[s.name], took)
			}
			pct := func(ts []time.Duration, p float64) float64 {
				slices.Sort(ts)
				return float64(ts[min(len(ts)-1, int(float64(len(ts))*p))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(times, 0.50), "p50-ms")
			b.ReportMetric(pct(times, 0.95), "p95-ms")
			b.ReportMetric(pct(times, 1), "max-ms")
			if os.Getenv("DBTP_BENCH_RECORDS_VERBOSE") != "" {
				for _, s := range searches {
					if ts := per[s.name]; len(ts) > 0 {
						res, _ := rs.Search(ctx, s.sub, s.q)
						// Printed, not logged: a benchmark's log keeps only
						// its first lines.
						fmt.Fprintf(os.Stderr, "%s %-18s p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms  total %d%s\n", d, s.name, pct(ts, 0.5), pct(ts, 0.95), pct(ts, 1), res.Total,
							map[bool]string{true: "+", false: ""}[res.More])
					}
				}
			}
		})
	}
}

// benchCorpus opens a database holding at least n generated documents.
func benchCorpus(b *testing.B, d store.Dialect, n int) *store.DB {
	b.Helper()
	ctx := context.Background()
	var db *store.DB
	switch dir, url := os.Getenv("DBTP_BENCH_RECORDS_DIR"), os.Getenv("DBTP_BENCH_RECORDS_PG"); {
	case d == store.SQLite && dir != "", d == store.Postgres && url != "":
		opts := store.Options{DataDir: dir}
		if d == store.Postgres {
			opts = store.Options{DatabaseURL: url}
		}
		var err error
		db, err = store.Open(ctx, opts)
		noErr(b, err)
		b.Cleanup(func() { db.Close() })
		t0 := time.Now()
		applied, err := db.Migrate(ctx, testMods)
		noErr(b, err)
		for _, a := range applied {
			// A kept corpus made by an older dbtp is upgraded first;
			// how long that takes is worth knowing.
			fmt.Fprintf(os.Stderr, "%s: migration %s/%s applied (all took %v)\n", d, a.Module, a.Name, time.Since(t0).Round(time.Second))
		}
	default:
		db = storetest.Open(b, d, testMods)
	}
	rs := New(db, audittest.NewLog(b, db), nil, Options{})
	noErr(b, rs.EnsureFilePlan(ctx, benchOrg))
	var have int
	noErr(b, db.QueryRow(ctx, `SELECT COUNT(*) FROM records_documents WHERE org_id = ?`, benchOrg).Scan(&have))
	if have >= n {
		return db
	}
	t0 := time.Now()
	err := GenerateCorpus(ctx, db, benchOrg, n-have, CorpusOptions{Units: benchUnits, Seed: uint64(have) + 1, Batch: 1000,
		Progress: func(done int) {
			if done%100_000 == 0 {
				fmt.Fprintf(os.Stderr, "%s: %d documents generated in %v\n", d, have+done, time.Since(t0).Round(time.Second))
			}
		}})
	noErr(b, err)
	if d == store.Postgres {
		// Autovacuum would have analysed a table this size; the planner's
		// choices depend on it.
		noErr(b, db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "ANALYZE records_documents")
			return err
		}))
	}
	b.Logf("%s: %d documents generated in %v", d, n-have, time.Since(t0).Round(time.Second))
	return db
}
