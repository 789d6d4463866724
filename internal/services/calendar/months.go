package calendar

import "time"

// AddCalendarMonths returns the deadline n calendar months after start, as
// the Information Commissioner's Office counts the one month the Data
// Protection Act gives for a subject access request (and the two months it
// may be extended by):
//
//   - the clock starts on the day of receipt, working day or not, so the day
//     start falls on counts as day one (unlike AddWorkingDays);
//   - the deadline is the same day of the month n months on: received on 3
//     September, due on 3 October;
//   - when that month has no such day, the last day of that month: received
//     on 31 January, due on 28 February (29 in a leap year); received on 31
//     March, due on 30 April;
//   - when that day is not a working day (a weekend or an England and Wales
//     bank holiday), the next working day;
//   - and the deadline is the end of that day, 23:59:59.999 London time,
//     returned in UTC, like every other deadline here.
//
// Days are London dates: a request that arrived at 00:30 BST on 1 April was
// received on 1 April. n <= 0 is the end of start's own day when that is a
// working day, otherwise of the next working day.
func (c *Calendar) AddCalendarMonths(start time.Time, n int) time.Time {
	d := londonDay(start)
	if n > 0 {
		y, m, day := civilFromDays(d)
		// Month arithmetic by hand: time.AddDate normalises 31 February
		// to 3 March, which would give the requester extra days the law
		// does not.
		total := int(m) - 1 + n
		ty, tm := y+total/12, time.Month(total%12+1)
		d = daysFromCivil(ty, tm, min(day, daysInMonth(ty, tm)))
	}
	if !c.working(d) {
		d = c.nthAfter(d, 1)
	}
	return endOfDay(d)
}

// daysInMonth is the number of days in month m of year y.
func daysInMonth(y int, m time.Month) int {
	if m == time.December {
		return 31
	}
	return int(daysFromCivil(y, m+1, 1) - daysFromCivil(y, m, 1))
}
