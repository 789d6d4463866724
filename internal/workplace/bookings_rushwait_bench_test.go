package workplace

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkMorningRushWaits shows where the 9 a.m. burst waits on
// PostgreSQL: while 500 people book at the same instant, a connection
// of its own samples pg_stat_activity every 2 ms. It logs the average
// number of the pool's connections in each state (with what they wait
// for and the statement), and reports how many wait on average for the
// organisation's audit log state row, the lock every audited write of
// one organisation takes.
//
//	CI=true go test -run X -bench MorningRushWaits -benchtime 1x -v ./internal/workplace/
func BenchmarkMorningRushWaits(b *testing.B) {
	url := storetest.PostgresURL(b)
	db, err := store.Open(context.Background(), store.Options{DatabaseURL: url})
	noErr(b, err)
	b.Cleanup(func() { db.Close() })
	_, err = db.Migrate(context.Background(), bookMods)
	noErr(b, err)
	obs, err := sql.Open("pgx", url)
	noErr(b, err)
	b.Cleanup(func() { obs.Close() })
	e := newBookEnv(b, db)
	bld, err := e.ws.CreateBuilding(e.ctx, e.kim, BuildingInput{Name: "Sessions House"})
	noErr(b, err)
	floor, err := e.ws.CreateFloor(e.ctx, e.kim, FloorInput{BuildingID: bld.ID, Name: "Second floor", Level: 2})
	noErr(b, err)
	const people = 500
	desks := make([]string, people)
	subs := make([]*platform.Subject, people)
	for i := range desks {
		r, err := e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: fmt.Sprintf("Desk 2.%03d", i+1), FloorID: floor.ID, X: -1, Y: -1})
		noErr(b, err)
		desks[i] = r.ID
		subs[i] = e.staffN(i)
	}
	for b.Loop() {
		b.StopTimer()
		noErr(b, e.db.Write(e.ctx, func(tx *store.Tx) error {
			for _, t := range []string{"workplace_claims", "workplace_bookings", "events", "jobs"} {
				if _, err := tx.Exec(e.ctx, `DELETE FROM `+t); err != nil {
					return err
				}
			}
			return nil
		}))
		counts := map[string]int{}
		samples, lockWaits := 0, 0
		stop, done := make(chan struct{}), make(chan struct{})
		var mu sync.Mutex
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
				rows, err := obs.Query(`SELECT state, COALESCE(wait_event_type, '-'), COALESCE(wait_event, '-'), LEFT(regexp_replace(query, '\s+', ' ', 'g'), 70)
					FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
				if err != nil {
					continue
				}
				mu.Lock()
				samples++
				for rows.Next() {
					var st, wt, we, q string
					if rows.Scan(&st, &wt, &we, &q) != nil {
						continue
					}
					if st == "idle" {
						q = ""
					}
					if wt == "Lock" && strings.Contains(q, "FROM audit_state") {
						lockWaits++
					}
					counts[st+" | "+wt+":"+we+" | "+q]++
				}
				mu.Unlock()
				rows.Close()
			}
		}()
		b.StartTimer()
		errs := race(people, func(i int) error {
			desk := desks[i]
			if i%10 == 9 {
				desk = desks[i-1]
			}
			_, err := e.ws.Book(e.ctx, subs[i], BookInput{ResourceID: desk, Date: "2026-03-03"})
			return err
		})
		b.StopTimer()
		close(stop)
		<-done
		for _, err := range errs {
			if err != nil && platform.CodeOf(err) != platform.CodeConflict {
				b.Fatal(err)
			}
		}
		e.noOverlaps()
		type kv struct {
			k string
			v int
		}
		var all []kv
		for k, v := range counts {
			all = append(all, kv{k, v})
		}
		slices.SortFunc(all, func(x, y kv) int { return cmp.Compare(y.v, x.v) })
		var sb strings.Builder
		fmt.Fprintf(&sb, "%d samples; average connections per state | wait | statement:\n", samples)
		for _, x := range all[:min(len(all), 12)] {
			fmt.Fprintf(&sb, "%6.2f  %s\n", float64(x.v)/float64(max(samples, 1)), x.k)
		}
		b.Log(sb.String())
		b.ReportMetric(float64(lockWaits)/float64(max(samples, 1)), "audit-lock-waiters")
		b.StartTimer()
	}
}
