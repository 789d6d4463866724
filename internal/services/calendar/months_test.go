package calendar

import (
	"testing"
	"time"
)

// The ICO's examples and the month-end rule, with weekends and bank
// holidays moving the deadline to the next working day.
func TestAddCalendarMonths(t *testing.T) {
	c := Default()
	cases := []struct {
		name  string
		start string // London wall clock
		n     int
		due   string // London date
	}{
		{"ICO's example: 3 September to 3 October", "2025-09-03 10:00", 1, "2025-10-03"},
		{"31 January has no 31 February", "2025-01-31 09:00", 1, "2025-02-28"},
		{"31 January in a leap year", "2024-01-31 09:00", 1, "2024-02-29"},
		{"31 March to 30 April", "2026-03-31 12:00", 1, "2026-04-30"},
		{"received on a Saturday still starts the clock that day", "2026-01-03 11:00", 1, "2026-02-03"},
		{"due on a Saturday moves to Monday", "2026-02-07 11:00", 1, "2026-03-09"},
		{"due on the early May bank holiday moves to Tuesday", "2026-04-04 09:00", 1, "2026-05-05"},
		{"due on Christmas Day moves past Boxing Day", "2025-11-25 09:00", 1, "2025-12-29"},
		{"across the year end", "2025-12-15 09:00", 1, "2026-01-15"},
		{"extended by two more months: three from receipt", "2025-01-31 09:00", 3, "2025-04-30"},
		{"twelve months, due on a Saturday", "2025-02-28 09:00", 12, "2026-03-02"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.AddCalendarMonths(at(t, tc.start), tc.n)
			if want := dueUTC(t, tc.due); !got.Equal(want) {
				t.Errorf("AddCalendarMonths(%s, %d) = %s, want %s", tc.start, tc.n, got.In(london).Format("Mon 2006-01-02 15:04"), tc.due)
			}
		})
	}
}

// 23:30 UTC on 30 June is 00:30 BST on 1 July: received on 1 July, due on
// 1 August, a Saturday, so Monday 3 August.
func TestAddCalendarMonthsLondonDate(t *testing.T) {
	got := Default().AddCalendarMonths(time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), 1)
	if want := dueUTC(t, "2026-08-03"); !got.Equal(want) {
		t.Errorf("got %s, want end of 3 August", got)
	}
}

func TestDaysInMonth(t *testing.T) {
	for _, tc := range []struct {
		y, m, want int
	}{{2024, 2, 29}, {2025, 2, 28}, {2100, 2, 28}, {2000, 2, 29}, {2025, 4, 30}, {2025, 12, 31}, {2025, 1, 31}} {
		if got := daysInMonth(tc.y, time.Month(tc.m)); got != tc.want {
			t.Errorf("daysInMonth(%d, %d) = %d, want %d", tc.y, tc.m, got, tc.want)
		}
	}
}
