package calendar

import (
	"time"
	_ "time/tzdata" // Europe/London must exist even on a host without a zoneinfo database
)

// london is the zone every working-day question is asked in: a council in
// England works to the local calendar, so a case entered at 00:30 BST on a
// Tuesday is a Tuesday case even though it is still Monday in UTC.
var london = mustLondon()

func mustLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		// Unreachable with time/tzdata linked in; fail loudly rather than
		// silently counting days in UTC.
		panic("calendar: Europe/London: " + err.Error())
	}
	return loc
}

// A day number counts civil days since 1970-01-01 (day 0, a Thursday).
// Working in day numbers keeps the hot path to integer arithmetic: no
// time.Time values, no allocation.

// daysFromCivil is Howard Hinnant's days_from_civil: proleptic Gregorian
// date to day number, valid far beyond any SLA.
func daysFromCivil(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era = (yy - 399) / 400
	}
	yoe := yy - era*400
	mp := (int64(m) + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (int, time.Month, int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(d)
}

// londonDay is the day number of t's date in Europe/London.
func londonDay(t time.Time) int64 {
	y, m, d := t.In(london).Date()
	return daysFromCivil(y, m, d)
}

// endOfDay is the last millisecond of day d in London, in UTC: a deadline
// "by the end of the working day" that survives being stored as
// milliseconds.
func endOfDay(d int64) time.Time {
	y, m, dd := civilFromDays(d)
	return time.Date(y, m, dd, 23, 59, 59, 999_000_000, london).UTC()
}

// weekday of a day number; 1970-01-01 was a Thursday.
func weekday(d int64) time.Weekday {
	w := (d + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

func isWeekday(d int64) bool {
	w := weekday(d)
	return w != time.Saturday && w != time.Sunday
}

// weekdaysIn counts Monday-to-Friday days in [a, b); zero when b <= a.
// Any seven consecutive days hold exactly five weekdays, so whole weeks are
// counted arithmetically and at most six days one by one.
func weekdaysIn(a, b int64) int64 {
	if b <= a {
		return 0
	}
	n := (b - a) / 7 * 5
	for d := a + (b-a)/7*7; d < b; d++ {
		if isWeekday(d) {
			n++
		}
	}
	return n
}

// nthWeekdayAfter is the n-th (n >= 1) weekday strictly after d.
func nthWeekdayAfter(d, n int64) int64 {
	d += (n - 1) / 5 * 7
	for r := (n-1)%5 + 1; ; {
		d++
		if isWeekday(d) {
			r--
			if r == 0 {
				return d
			}
		}
	}
}

// nthWeekdayBefore is the n-th (n >= 1) weekday strictly before d.
func nthWeekdayBefore(d, n int64) int64 {
	d -= (n - 1) / 5 * 7
	for r := (n-1)%5 + 1; ; {
		d--
		if isWeekday(d) {
			r--
			if r == 0 {
				return d
			}
		}
	}
}
