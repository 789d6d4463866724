package calendar

import "time"

// Status is where an SLA clock stands. The values are stable strings:
// they go into JSON, CSS classes and queue filters.
type Status string

const (
	OnTrack  Status = "on_track" // due later than the at-risk window
	AtRisk   Status = "at_risk"  // inside the at-risk window, not yet past due
	Breached Status = "breached" // now is after Due
	None     Status = "none"     // no clock: the state has no SLA
)

// DefaultAtRiskDays is the at-risk window used when a state sets an SLA of
// more than this many days but no window of its own.
const DefaultAtRiskDays = 2

// Clock is an SLA clock evaluated at one instant.
type Clock struct {
	// Due is the end of the last working day allowed (see AddWorkingDays);
	// zero when Status is None.
	Due    time.Time
	Status Status
	// WorkingDaysLeft is WorkingDaysBetween(now, Due): the working days
	// after today up to and including the due day. 0 means due today (or
	// breached earlier today); negative means that many working days
	// overdue, counting now's date.
	WorkingDaysLeft int
	// Uncovered is true when entered, Due or now lies outside the years the
	// bank holiday data covers: weekends were skipped there but holidays
	// could not be, so the clock may be early. Show a warning and update
	// bank-holidays.json.
	Uncovered bool
}

// SLA evaluates the clock for a case that entered its current state at
// entered, with slaDays working days allowed, as seen at now.
//
//   - slaDays <= 0: Status None, nothing else set.
//   - Due = AddWorkingDays(entered, slaDays).
//   - Breached when now is after Due.
//   - At risk when not breached and the working days still available to act
//     in, today included if it is a working day, are at most the window:
//     WorkingDaysLeft + (1 if now is a working day) <= window. With a
//     window of 2 and Due on a Friday, the clock turns at risk at midnight
//     starting Thursday; seen at the weekend before a Tuesday deadline it
//     is already at risk, since only Monday and Tuesday remain.
//   - Otherwise on track.
//
// The window is atRiskDays when positive. When atRiskDays is 0 it is
// DefaultAtRiskDays if slaDays is greater than DefaultAtRiskDays, else 0
// (no at-risk stage for very short SLAs, which would be at risk at once).
// A negative atRiskDays turns the at-risk stage off.
func (c *Calendar) SLA(entered time.Time, slaDays, atRiskDays int, now time.Time) Clock {
	if slaDays <= 0 {
		return Clock{Status: None}
	}
	window := atRiskDays
	if atRiskDays == 0 && slaDays > DefaultAtRiskDays {
		window = DefaultAtRiskDays
	}
	// Day numbers are worked out once; the public helpers would convert
	// the same instants to London dates several times over.
	de, dn := londonDay(entered), londonDay(now)
	dd := c.nthAfter(de, int64(slaDays))
	due := endOfDay(dd)
	clk := Clock{
		Due:             due,
		WorkingDaysLeft: int(c.prefix(dd+1) - c.prefix(dn+1)),
		Uncovered:       !c.coversDay(de) || !c.coversDay(dd) || !c.coversDay(dn),
	}
	available := clk.WorkingDaysLeft
	if c.working(dn) {
		available++
	}
	switch {
	case now.After(due):
		clk.Status = Breached
	case window > 0 && available <= window:
		clk.Status = AtRisk
	default:
		clk.Status = OnTrack
	}
	return clk
}
