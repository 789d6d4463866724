package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// at parses a London wall-clock time "2006-01-02 15:04".
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dueUTC is the expected deadline: end of the London day, as a UTC instant.
func dueUTC(t testing.TB, day string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, london)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 999_000_000, london).UTC()
}

func TestAddWorkingDays(t *testing.T) {
	c := Default()
	cases := []struct {
		name  string
		start string // London wall clock, or RFC 3339 when it ends in Z
		n     int
		due   string // London date
	}{
		{"complaint before Christmas 2025, 10 days", "2025-12-19 14:00", 10, "2026-01-07"},
		{"complaint before Christmas 2025, 20 days", "2025-12-19 14:00", 20, "2026-01-21"},
		{"Friday evening, 1 day is Monday", "2026-01-09 18:30", 1, "2026-01-12"},
		{"Friday before spring bank holiday", "2026-05-22 18:30", 1, "2026-05-26"},
		{"Saturday, 1 day is Monday", "2026-01-10 09:00", 1, "2026-01-12"},
		{"Sunday, 1 day is Monday", "2026-01-11 23:59", 1, "2026-01-12"},
		{"on a bank holiday, day 1 is the next working day", "2026-04-06 10:00", 1, "2026-04-07"},
		{"Maundy Thursday across Easter", "2026-04-02 10:00", 1, "2026-04-07"},
		{"Easter 2025, 5 days", "2025-04-17 10:00", 5, "2025-04-28"},
		{"Platinum Jubilee", "2022-06-01 10:00", 1, "2022-06-06"},
		{"Jubilee, 10 days", "2022-05-27 10:00", 10, "2022-06-14"},
		{"State Funeral", "2022-09-16 10:00", 1, "2022-09-20"},
		{"Christmas 2022 (Sunday)", "2022-12-23 10:00", 1, "2022-12-28"},
		{"New Year 2023 substitute", "2022-12-30 10:00", 1, "2023-01-03"},
		{"Coronation", "2023-05-05 10:00", 1, "2023-05-09"},
		{"early May 2023", "2023-04-28 10:00", 1, "2023-05-02"},
		{"VE day 2020", "2020-05-07 10:00", 1, "2020-05-11"},
		{"early May 2020 Monday was a working day", "2020-05-01 10:00", 1, "2020-05-04"},
		{"Christmas 2021 (Saturday)", "2021-12-24 10:00", 1, "2021-12-29"},
		{"Christmas 2020 (Friday), Boxing Day on Monday", "2020-12-24 10:00", 1, "2020-12-29"},
		// DST: clocks go forward 29 March 2026, back 25 October 2026.
		{"before spring DST", "2026-03-27 17:00", 1, "2026-03-30"},
		{"across spring DST, 5 days", "2026-03-26 17:00", 5, "2026-04-02"},
		{"before autumn DST", "2026-10-23 17:00", 1, "2026-10-26"},
		{"Sunday after autumn DST", "2026-10-25 23:30", 1, "2026-10-26"},
		// The London date counts, not the UTC one.
		{"00:30 BST Tuesday is Monday 23:30 UTC", "2026-06-01T23:30:00Z", 1, "2026-06-03"},
		{"23:30 GMT Friday is still Friday", "2026-01-09T23:30:00Z", 1, "2026-01-12"},
		// n = 0 and negative n.
		{"n=0 on a working day is today", "2026-01-09 09:00", 0, "2026-01-09"},
		{"n=0 at the weekend is Monday", "2026-01-10 09:00", 0, "2026-01-12"},
		{"n=0 on Boxing Day 2025 is the 29th", "2025-12-26 09:00", 0, "2025-12-29"},
		{"n=-1 from Monday is Friday", "2026-01-12 09:00", -1, "2026-01-09"},
		{"n=-1 from 29 Dec 2025 is Christmas Eve", "2025-12-29 09:00", -1, "2025-12-24"},
		// Outside 2018-2030 only weekends are skipped.
		{"crossing the end of the data", "2030-12-24 10:00", 3, "2030-12-31"},
		{"1 January 2031 is unknown, so counted", "2030-12-24 10:00", 4, "2031-01-01"},
		{"after the data", "2031-01-03 10:00", 1, "2031-01-06"},
		{"before the data", "2017-12-22 10:00", 1, "2017-12-25"},
		{"from before into the data", "2017-12-29 10:00", 1, "2018-01-02"},
		{"back across the start of the data", "2018-01-02 10:00", -2, "2017-12-28"},
		{"back from after the data into it", "2031-01-01 10:00", -4, "2030-12-24"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var start time.Time
			if tc.start[len(tc.start)-1] == 'Z' {
				var err error
				if start, err = time.Parse(time.RFC3339, tc.start); err != nil {
					t.Fatal(err)
				}
			} else {
				start = at(t, tc.start)
			}
			got := c.AddWorkingDays(start, tc.n)
			if want := dueUTC(t, tc.due); !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s (London %s), want %s",
					tc.start, tc.n, got, got.In(london), want.In(london))
			}
			if got.Location() != time.UTC {
				t.Errorf("result in %v, want UTC", got.Location())
			}
		})
	}
}

func TestDeadlineIsEndOfLondonDay(t *testing.T) {
	c := Default()
	// In winter London is UTC; in summer the end of the day is 22:59:59.999Z.
	if got := c.AddWorkingDays(at(t, "2026-01-09 10:00"), 1); got.Format(time.RFC3339Nano) != "2026-01-12T23:59:59.999Z" {
		t.Errorf("winter deadline %s", got.Format(time.RFC3339Nano))
	}
	if got := c.AddWorkingDays(at(t, "2026-06-05 10:00"), 1); got.Format(time.RFC3339Nano) != "2026-06-08T22:59:59.999Z" {
		t.Errorf("summer deadline %s", got.Format(time.RFC3339Nano))
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := Default()
	cases := []struct {
		when string
		want bool
	}{
		{"2026-01-01 12:00", false}, // New Year's Day
		{"2026-01-02 12:00", true},
		{"2026-01-03 12:00", false}, // Saturday
		{"2026-01-04 12:00", false}, // Sunday
		{"2026-05-25 00:00", false}, // spring bank holiday, first instant
		{"2026-05-25 23:59", false},
		{"2026-05-24 23:59", false}, // Sunday
		{"2026-05-26 00:00", true},
		{"2031-01-01 12:00", true}, // outside the data: weekday
	}
	for _, tc := range cases {
		if got := c.IsWorkingDay(at(t, tc.when)); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.when, got, tc.want)
		}
	}
	// 2026-05-24T23:30Z is 00:30 BST on the bank holiday Monday.
	if c.IsWorkingDay(time.Date(2026, 5, 24, 23, 30, 0, 0, time.UTC)) {
		t.Error("00:30 BST on the spring bank holiday counted as working")
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := Default()
	cases := []struct {
		a, b string
		want int
	}{
		{"2026-01-09 10:00", "2026-01-09 23:00", 0},
		{"2026-01-09 10:00", "2026-01-12 09:00", 1},
		{"2026-01-12 09:00", "2026-01-09 10:00", -1},
		{"2026-01-10 10:00", "2026-01-11 10:00", 0}, // Saturday to Sunday
		{"2025-12-19 10:00", "2026-01-07 10:00", 10},
		{"2025-12-24 10:00", "2025-12-29 10:00", 1},
		{"2030-12-20 10:00", "2031-01-10 10:00", 13}, // 23,24,27,30,31 Dec + 1,2,3,6,7,8,9,10 Jan 2031
		{"2017-12-20 10:00", "2018-01-03 10:00", 9},  // 21,22,25,26,27,28,29 Dec 2017 (weekdays only) + 2,3 Jan
	}
	for _, tc := range cases {
		if got := c.WorkingDaysBetween(at(t, tc.a), at(t, tc.b)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// naive is a slow reference: walk London dates one at a time.
type naive struct {
	c   *Calendar
	off map[string]bool
}

func newNaive(c *Calendar) naive {
	n := naive{c, map[string]bool{}}
	for y := c.first; y <= c.last; y++ {
		for _, h := range c.Holidays(y) {
			n.off[h.Date.Format(time.DateOnly)] = true
		}
	}
	return n
}

func (n naive) working(d time.Time) bool {
	w := d.Weekday()
	return w != time.Saturday && w != time.Sunday && !n.off[d.Format(time.DateOnly)]
}

func noon(t time.Time) time.Time {
	y, m, d := t.In(london).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, london)
}

func (n naive) add(start time.Time, k int) time.Time {
	d := noon(start)
	switch {
	case k == 0:
		for !n.working(d) {
			d = d.AddDate(0, 0, 1)
		}
	case k > 0:
		for k > 0 {
			d = d.AddDate(0, 0, 1)
			if n.working(d) {
				k--
			}
		}
	default:
		for k < 0 {
			d = d.AddDate(0, 0, -1)
			if n.working(d) {
				k++
			}
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 999_000_000, london).UTC()
}

func (n naive) between(a, b time.Time) int {
	da, db := noon(a), noon(b)
	sign := 1
	if db.Before(da) {
		da, db, sign = db, da, -1
	}
	count := 0
	for d := da.AddDate(0, 0, 1); !d.After(db); d = d.AddDate(0, 0, 1) {
		if n.working(d) {
			count++
		}
	}
	return sign * count
}

// TestAgainstNaive compares the table-driven arithmetic with a day-by-day
// walk at random instants from 2016 to 2033, so the stretches before,
// inside and after the data and every boundary between them are exercised.
func TestAgainstNaive(t *testing.T) {
	c := Default()
	ref := newNaive(c)
	rng := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2033, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	iters := 5000
	if testing.Short() {
		iters = 500
	}
	for range iters {
		a := time.Unix(lo+rng.Int64N(hi-lo), 0)
		n := rng.IntN(601) - 300
		if got, want := c.AddWorkingDays(a, n), ref.add(a, n); !got.Equal(want) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", a.In(london), n, got.In(london), want.In(london))
		}
		b := time.Unix(lo+rng.Int64N(hi-lo), 0)
		if rng.IntN(2) == 0 { // keep some pairs close together
			b = a.Add(time.Duration(rng.IntN(60*24)) * time.Hour)
		}
		if got, want := c.WorkingDaysBetween(a, b), ref.between(a, b); got != want {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", a.In(london), b.In(london), got, want)
		}
		if got, want := c.IsWorkingDay(a), ref.working(noon(a)); got != want {
			t.Fatalf("IsWorkingDay(%s) = %v, want %v", a.In(london), got, want)
		}
		if n > 0 {
			if got := c.WorkingDaysBetween(a, c.AddWorkingDays(a, n)); got != n {
				t.Fatalf("WorkingDaysBetween(a, AddWorkingDays(a, %d)) = %d", n, got)
			}
		}
	}
}

func TestDayNumbers(t *testing.T) {
	// Round trip and agreement with the time package over a wide range.
	for d := int64(-800_000); d <= 800_000; d += 37 {
		y, m, dd := civilFromDays(d)
		if back := daysFromCivil(y, m, dd); back != d {
			t.Fatalf("round trip %d -> %d-%d-%d -> %d", d, y, m, dd, back)
		}
		tm := time.Unix(d*86400, 0).UTC()
		if ty, tmo, tdd := tm.Date(); ty != y || tmo != m || tdd != dd {
			t.Fatalf("day %d: civil %d-%d-%d, time %s", d, y, m, dd, tm)
		}
		if weekday(d) != tm.Weekday() {
			t.Fatalf("day %d: weekday %v, time %v", d, weekday(d), tm.Weekday())
		}
	}
}

func TestNoAllocations(t *testing.T) {
	c := Default()
	start := at(t, "2025-12-19 14:00")
	now := at(t, "2026-01-06 09:00")
	allocs := testing.AllocsPerRun(100, func() {
		_ = c.AddWorkingDays(start, 10)
		_ = c.WorkingDaysBetween(start, now)
		_ = c.IsWorkingDay(now)
		_ = c.SLA(start, 10, 0, now)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}
