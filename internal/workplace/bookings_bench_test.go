package workplace

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkMorningRush is the 9 a.m. rush: 500 people book 500 desks on
// one floor, one in ten of them going for a neighbour's desk (so 50
// collide and are told it is taken). "burst" fires all 500 at the same
// instant; "over-5s" spreads them evenly over five seconds (100 a second,
// a rush as people arrive). Each iteration is one rush on an emptied
// floor; it reports the 50th and 99th percentile and the slowest
// booking's latency, in milliseconds, and fails on a double booking.
//
//	CI=true go test -run X -bench MorningRush -benchtime 3x ./internal/workplace/
func BenchmarkMorningRush(b *testing.B) {
	const people = 500
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			e := newBookEnv(b, storetest.Open(b, d, bookMods))
			bld, err := e.ws.CreateBuilding(e.ctx, e.kim, BuildingInput{Name: "Sessions House"})
			noErr(b, err)
			floor, err := e.ws.CreateFloor(e.ctx, e.kim, FloorInput{BuildingID: bld.ID, Name: "Second floor", Level: 2})
			noErr(b, err)
			desks := make([]string, people)
			for i := range desks {
				r, err := e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindDesk, Name: fmt.Sprintf("Desk 2.%03d", i+1), FloorID: floor.ID, X: -1, Y: -1})
				noErr(b, err)
				desks[i] = r.ID
			}
			subs := make([]*platform.Subject, people)
			for i := range subs {
				subs[i] = e.staffN(i)
			}
			for _, spread := range []time.Duration{0, time.Second, 5 * time.Second} {
				name := "burst"
				if spread > 0 {
					name = "over-" + spread.String()
				}
				b.Run(name, func(b *testing.B) { rush(b, e, desks, subs, spread) })
			}
		})
	}
}

// rush runs the morning rush b.N times, arrivals spread over spread.
func rush(b *testing.B, e *env, desks []string, subs []*platform.Subject, spread time.Duration) {
	people := len(desks)
	var times []time.Duration
	var mu sync.Mutex
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
		b.StartTimer()
		errs := race(people, func(i int) error {
			time.Sleep(spread * time.Duration(i) / time.Duration(people))
			desk := desks[i]
			if i%10 == 9 {
				desk = desks[i-1]
			}
			t0 := time.Now()
			_, err := e.ws.Book(e.ctx, subs[i], BookInput{ResourceID: desk, Date: "2026-03-03"})
			took := time.Since(t0)
			mu.Lock()
			times = append(times, took)
			mu.Unlock()
			return err
		})
		b.StopTimer()
		lost := 0
		for _, err := range errs {
			if err != nil {
				if platform.CodeOf(err) != platform.CodeConflict {
					b.Fatal(err)
				}
				lost++
			}
		}
		if lost != people/10 || e.count(`SELECT COUNT(*) FROM workplace_bookings`) != people-lost {
			b.Fatalf("%d lost, %d booked", lost, e.count(`SELECT COUNT(*) FROM workplace_bookings`))
		}
		e.noOverlaps()
		b.StartTimer()
	}
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(float64(len(times))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(float64(len(times))/b.Elapsed().Seconds(), "bookings/s")
}
