package calendar

import "time"

// A working day is Monday to Friday in Europe/London that is not an
// England and Wales bank holiday. Outside the years the data covers only
// weekends are skipped (see Covers).

// IsWorkingDay reports whether t's date in London is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.working(londonDay(t))
}

func (c *Calendar) working(d int64) bool {
	if d >= c.base && d < c.end {
		i := d - c.base
		return c.cum[i+1] != c.cum[i]
	}
	return isWeekday(d)
}

// AddWorkingDays returns the deadline n working days after start, following
// the GOV.UK convention for response times: the day start falls on never
// counts (it is usually part-used), day 1 is the next working day after
// start's London date, and the deadline is the end of day n, 23:59:59.999
// London time, returned in UTC. So a request sent on a Friday evening with
// n = 1 is due by the end of Monday, or Tuesday if Monday is a bank holiday,
// and one sent on Saturday with n = 1 is also due on Monday.
//
// n = 0 is the end of start's own day when that is a working day, otherwise
// the end of the next working day ("today, or the first working day").
// Negative n counts back: n = -1 is the end of the last working day before
// start's date.
//
// It does not allocate; within the covered years it is two array reads.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	d := londonDay(start)
	switch {
	case n > 0:
		d = c.nthAfter(d, int64(n))
	case n < 0:
		d = c.nthBefore(d, -int64(n))
	case !c.working(d):
		d = c.nthAfter(d, 1)
	}
	return endOfDay(d)
}

// nthAfter is the n-th (n >= 1) working day strictly after day d. The
// timeline is three stretches (before the table, the table, after it) and
// the count walks through them in order, spending n as it goes.
func (c *Calendar) nthAfter(d, n int64) int64 {
	if d < c.base-1 {
		w := weekdaysIn(d+1, c.base)
		if w >= n {
			return nthWeekdayAfter(d, n)
		}
		n -= w
		d = c.base - 1
	}
	if d < c.end-1 {
		// cum[d+1-base] working days lie in [base, d]; the next one is
		// work[that], and the n-th is n-1 further on.
		k := int64(c.cum[d+1-c.base]) + n - 1
		if k < int64(len(c.work)) {
			return c.work[k]
		}
		n -= int64(len(c.work)) - int64(c.cum[d+1-c.base])
		d = c.end - 1
	}
	return nthWeekdayAfter(d, n)
}

// nthBefore is the n-th (n >= 1) working day strictly before day d; the
// mirror image of nthAfter.
func (c *Calendar) nthBefore(d, n int64) int64 {
	if d > c.end {
		w := weekdaysIn(c.end, d)
		if w >= n {
			return nthWeekdayBefore(d, n)
		}
		n -= w
		d = c.end
	}
	if d > c.base {
		// cum[d-base] working days lie in [base, d).
		k := int64(c.cum[d-c.base]) - n
		if k >= 0 {
			return c.work[k]
		}
		n -= int64(c.cum[d-c.base])
		d = c.base
	}
	return nthWeekdayBefore(d, n)
}

// WorkingDaysBetween counts the working days after a's London date up to
// and including b's, the same convention as AddWorkingDays, so
// WorkingDaysBetween(s, c.AddWorkingDays(s, n)) == n for n >= 1. Two times
// on the same date give 0; when b's date is before a's the result is
// negative: minus the working days after b's date up to and including a's.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	return int(c.prefix(londonDay(b)+1) - c.prefix(londonDay(a)+1))
}

// prefix is a signed count of working days in [base, d) that extends the
// table in both directions with weekdays, so any interval is a difference
// of two prefixes.
func (c *Calendar) prefix(d int64) int64 {
	switch {
	case d < c.base:
		return -weekdaysIn(d, c.base)
	case d <= c.end:
		return int64(c.cum[d-c.base])
	default:
		return int64(len(c.work)) + weekdaysIn(c.end, d)
	}
}
