package calendar

import (
	"fmt"
	"testing"
	"time"
)

// The embedded file was typed in by hand from GOV.UK's published dates.
// These tests re-derive every England and Wales rule independently (plain
// time.Date arithmetic, none of the package's day-number code) and require
// the file to match exactly, with the one-off changes listed explicitly.

// easter is the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
func easter(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

func TestEasterAlgorithm(t *testing.T) {
	// Easter Sundays from the Church of England tables, to check the
	// algorithm itself before it checks the data.
	known := map[int]string{
		2018: "2018-04-01", 2019: "2019-04-21", 2020: "2020-04-12", 2021: "2021-04-04",
		2022: "2022-04-17", 2023: "2023-04-09", 2024: "2024-03-31", 2025: "2025-04-20",
		2026: "2026-04-05", 2027: "2027-03-28", 2028: "2028-04-16", 2029: "2029-04-01",
		2030: "2030-04-21",
	}
	for y, want := range known {
		if got := easter(y).Format(time.DateOnly); got != want {
			t.Errorf("easter(%d) = %s, want %s", y, got, want)
		}
	}
}

func firstMonday(y int, m time.Month) time.Time {
	d := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func lastMonday(y int, m time.Month) time.Time {
	d := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC) // last day of m
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

type want struct{ title, notes string }

// expectedHolidays derives one year's England and Wales bank holidays.
func expectedHolidays(y int) map[string]want {
	out := map[string]want{}
	add := func(d time.Time, title, notes string) { out[d.Format(time.DateOnly)] = want{title, notes} }
	date := func(m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

	// New Year's Day moves to the following Monday when it is a weekend.
	switch nyd := date(time.January, 1); nyd.Weekday() {
	case time.Saturday:
		add(date(time.January, 3), "New Year’s Day", "Substitute day")
	case time.Sunday:
		add(date(time.January, 2), "New Year’s Day", "Substitute day")
	default:
		add(nyd, "New Year’s Day", "")
	}

	e := easter(y)
	add(e.AddDate(0, 0, -2), "Good Friday", "")
	add(e.AddDate(0, 0, 1), "Easter Monday", "")

	switch y {
	case 2020: // moved to Friday 8 May for the 75th anniversary of VE day
		add(date(time.May, 8), "Early May bank holiday (VE day)", "")
	default:
		add(firstMonday(y, time.May), "Early May bank holiday", "")
	}
	switch y {
	case 2022: // moved to Thursday 2 June, with an extra day, for the Platinum Jubilee
		add(date(time.June, 2), "Spring bank holiday", "")
		add(date(time.June, 3), "Platinum Jubilee bank holiday", "")
	default:
		add(lastMonday(y, time.May), "Spring bank holiday", "")
	}
	add(lastMonday(y, time.August), "Summer bank holiday", "")

	// Christmas and Boxing Day: a weekend day moves to the next weekday
	// not already a holiday.
	switch date(time.December, 25).Weekday() {
	case time.Friday: // Boxing Day is Saturday
		add(date(time.December, 25), "Christmas Day", "")
		add(date(time.December, 28), "Boxing Day", "Substitute day")
	case time.Saturday:
		add(date(time.December, 27), "Christmas Day", "Substitute day")
		add(date(time.December, 28), "Boxing Day", "Substitute day")
	case time.Sunday: // Boxing Day (Monday) keeps its date
		add(date(time.December, 26), "Boxing Day", "")
		add(date(time.December, 27), "Christmas Day", "Substitute day")
	default:
		add(date(time.December, 25), "Christmas Day", "")
		add(date(time.December, 26), "Boxing Day", "")
	}

	// One-off bank holidays.
	switch y {
	case 2022:
		add(date(time.September, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II", "")
	case 2023:
		add(date(time.May, 8), "Bank holiday for the coronation of King Charles III", "")
	}
	return out
}

func TestEmbeddedHolidaysMatchRules(t *testing.T) {
	c := Default()
	first, last := c.Years()
	if first != 2018 || last != 2030 {
		t.Fatalf("Years() = %d..%d, want 2018..2030", first, last)
	}
	total := 0
	for y := 2018; y <= 2030; y++ {
		exp := expectedHolidays(y)
		got := map[string]Holiday{}
		for _, h := range c.Holidays(y) {
			got[h.Date.Format(time.DateOnly)] = h
			if h.Date.Location() != london || h.Date.Hour() != 0 {
				t.Errorf("%s: Date %v is not London midnight", h.Title, h.Date)
			}
			wd := h.Date.Weekday()
			if wd == time.Saturday || wd == time.Sunday {
				t.Errorf("%s %s falls at a weekend", h.Date.Format(time.DateOnly), h.Title)
			}
		}
		total += len(got)
		for d, w := range exp {
			h, ok := got[d]
			switch {
			case !ok:
				t.Errorf("%d: missing %s %s", y, d, w.title)
			case h.Title != w.title || h.Notes != w.notes:
				t.Errorf("%s: got %q (notes %q), want %q (notes %q)", d, h.Title, h.Notes, w.title, w.notes)
			}
		}
		for d, h := range got {
			if _, ok := exp[d]; !ok {
				t.Errorf("%d: unexpected %s %s", y, d, h.Title)
			}
		}
	}
	// 8 a year, plus the Platinum Jubilee, the State Funeral and the
	// Coronation (the VE day holiday replaced, not added to, early May).
	if want := 13*8 + 3; total != want {
		t.Errorf("%d holidays in 2018-2030, want %d", total, want)
	}
}

// Spot checks of the days that are easy to get wrong, written out by hand
// so a mistake in expectedHolidays cannot hide one in the file.
func TestEmbeddedKnownDates(t *testing.T) {
	c := Default()
	holidays := []string{
		"2020-05-08", "2020-12-28", "2021-12-27", "2021-12-28", "2022-01-03",
		"2022-06-02", "2022-06-03", "2022-09-19", "2022-12-26", "2022-12-27",
		"2023-01-02", "2023-05-08", "2026-12-28", "2027-12-27", "2027-12-28",
		"2028-01-03", "2025-04-18", "2025-04-21", "2026-04-03", "2026-04-06",
	}
	for _, s := range holidays {
		if c.IsWorkingDay(londonDate(t, s)) {
			t.Errorf("%s should be a bank holiday", s)
		}
	}
	working := []string{
		"2020-05-04", // early May bank holiday moved away for VE day
		"2022-05-30", // last Monday in May, moved to 2 June
		"2026-12-24", "2026-12-29", "2027-12-29", "2025-12-29",
	}
	for _, s := range working {
		if !c.IsWorkingDay(londonDate(t, s)) {
			t.Errorf("%s should be a working day", s)
		}
	}
}

func londonDate(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, london)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(12 * time.Hour) // midday: clear of any DST oddity
}

func ExampleCalendar_Holidays() {
	for _, h := range Default().Holidays(2022)[4:8] {
		fmt.Println(h.Date.Format("Mon 2 Jan"), h.Title)
	}
	// Output:
	// Thu 2 Jun Spring bank holiday
	// Fri 3 Jun Platinum Jubilee bank holiday
	// Mon 29 Aug Summer bank holiday
	// Mon 19 Sep Bank Holiday for the State Funeral of Queen Elizabeth II
}
