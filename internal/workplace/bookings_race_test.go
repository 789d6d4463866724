package workplace

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// race runs fn(i) for i in 0..n-1 on n goroutines released at once, and
// returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			errs[i] = fn(i)
		}()
	}
	close(gate)
	wg.Wait()
	return errs
}

// noOverlaps checks that no two bookings holding a resource's time
// overlap, whatever the claims say: the proof of no double booking.
func (e *env) noOverlaps() {
	e.t.Helper()
	n := e.count(`SELECT COUNT(*) FROM workplace_bookings a JOIN workplace_bookings b ON a.resource_id = b.resource_id AND a.id < b.id
		AND a.start_at < b.end_at AND b.start_at < a.end_at
		WHERE a.status IN ('requested', 'confirmed', 'checked_in') AND b.status IN ('requested', 'confirmed', 'checked_in')`)
	if n != 0 {
		e.t.Fatalf("%d pairs of bookings overlap", n)
	}
	// And every held booking holds exactly its slots.
	rows, err := e.db.Query(e.ctx, `SELECT b.id, b.start_at, b.end_at, (SELECT COUNT(*) FROM workplace_claims c WHERE c.holder_id = b.id)
		FROM workplace_bookings b WHERE b.status IN ('requested', 'confirmed', 'checked_in')`)
	noErr(e.t, err)
	defer rows.Close()
	for rows.Next() {
		var id string
		var from, to int64
		var claims int
		noErr(e.t, rows.Scan(&id, &from, &to, &claims))
		if want := len(slots(store.Time(from), store.Time(to))); claims != want {
			e.t.Fatalf("booking %s holds %d claims, not %d", id, claims, want)
		}
	}
}

// TestRaceOneDesk fires 300 bookings of one desk for one day at once, from
// 300 people: exactly one wins and the others are told it is taken.
func TestRaceOneDesk(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		const n = 300
		errs := race(n, func(i int) error {
			_, err := e.ws.Book(e.ctx, e.staffN(i), BookInput{ResourceID: s.desk2.ID, Date: "2026-03-03"})
			return err
		})
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case platform.CodeOf(err) == platform.CodeConflict && strings.Contains(err.Error(), "Desk 1.02 is already booked from 08:00 to 18:00 on Tuesday 3 March"):
			default:
				t.Fatalf("a losing booking got %v", err)
			}
		}
		if won != 1 || e.count(`SELECT COUNT(*) FROM workplace_bookings`) != 1 || e.count(`SELECT COUNT(*) FROM workplace_claims`) != 40 {
			t.Fatalf("%d won; %d bookings, %d claims", won, e.count(`SELECT COUNT(*) FROM workplace_bookings`), e.count(`SELECT COUNT(*) FROM workplace_claims`))
		}
		e.noOverlaps()
	})
}

// TestRaceRoomSlots fires 300 bookings of overlapping times in one room:
// whatever wins, no two overlap, and every loser is told it is taken.
func TestRaceRoomSlots(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		const n = 300
		rnd := rand.New(rand.NewPCG(1, 2))
		ins := make([]BookInput, n)
		for i := range ins {
			from := 8*60 + 30*rnd.IntN(18) // 08:00 to 16:30
			to := min(from+30*(1+rnd.IntN(4)), 18*60)
			ins[i] = BookInput{ResourceID: s.room.ID, Date: "2026-03-04", From: clock(from), To: clock(to)}
		}
		errs := race(n, func(i int) error {
			_, err := e.ws.Book(e.ctx, e.staffN(i), ins[i])
			return err
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case platform.CodeOf(err) == platform.CodeConflict && strings.Contains(err.Error(), "Medway Room is already booked from "+ins[i].From+" to "+ins[i].To):
			default:
				t.Fatalf("booking %s-%s got %v", ins[i].From, ins[i].To, err)
			}
		}
		if won < 1 || won > 20 {
			t.Fatalf("%d of the room's 20 half hours booked", won)
		}
		e.noOverlaps()
	})
}

// TestRaceSeriesAndSingles races weekly series against single bookings
// of the same desk: each series is all or nothing, nothing overlaps.
func TestRaceSeriesAndSingles(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		const n = 120
		errs := race(n, func(i int) error {
			in := BookInput{ResourceID: s.desk2.ID, Date: fmt.Sprintf("2026-03-%02d", 3+i%10)}
			if i%3 == 0 {
				in.Repeat = Repeat{Every: RepeatWeekly, Weekdays: []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday}, Until: "2026-03-31"}
			}
			_, err := e.ws.Book(e.ctx, e.staffN(i), in)
			return err
		})
		for _, err := range errs {
			if err != nil && (platform.CodeOf(err) != platform.CodeConflict || !strings.Contains(err.Error(), "Desk 1.02 is already booked")) {
				t.Fatalf("got %v", err)
			}
		}
		e.noOverlaps()
		// A series that won holds every one of its dates.
		rows, err := db.Query(e.ctx, `SELECT series_id, COUNT(*) FROM workplace_bookings WHERE series_id <> '' GROUP BY series_id`)
		noErr(t, err)
		defer rows.Close()
		for rows.Next() {
			var id string
			var k int
			noErr(t, rows.Scan(&id, &k))
			if k < 5 {
				t.Fatalf("series %s booked %d dates: a series is all or nothing", id, k)
			}
		}
	})
}
