package calendar

import (
	"testing"
	"time"
)

func TestSLA(t *testing.T) {
	c := Default()
	// Entered Friday 9 January 2026; 10 working days: due end of Friday 23rd.
	entered := at(t, "2026-01-09 10:00")
	due := dueUTC(t, "2026-01-23")
	cases := []struct {
		name       string
		sla, risk  int
		now        time.Time
		status     Status
		left       int
		wantNoDue  bool
		wantUncovd bool
	}{
		{"no SLA", 0, 0, at(t, "2026-01-12 10:00"), None, 0, true, false},
		{"negative SLA", -3, 0, at(t, "2026-01-12 10:00"), None, 0, true, false},
		{"just entered", 10, 0, entered, OnTrack, 10, false, false},
		{"Wednesday, 3 days to act", 10, 0, at(t, "2026-01-21 12:00"), OnTrack, 2, false, false},
		{"last instant before at risk", 10, 0, time.Date(2026, 1, 21, 23, 59, 59, 999_999_999, london), OnTrack, 2, false, false},
		{"Thursday midnight turns at risk", 10, 0, at(t, "2026-01-22 00:00"), AtRisk, 1, false, false},
		{"due day", 10, 0, at(t, "2026-01-23 09:00"), AtRisk, 0, false, false},
		{"exactly at Due is not breached", 10, 0, due, AtRisk, 0, false, false},
		{"one nanosecond after Due", 10, 0, due.Add(time.Nanosecond), Breached, 0, false, false},
		{"Saturday after", 10, 0, at(t, "2026-01-24 10:00"), Breached, 0, false, false},
		{"Monday after", 10, 0, at(t, "2026-01-26 10:00"), Breached, -1, false, false},
		{"a week late", 10, 0, at(t, "2026-01-30 10:00"), Breached, -5, false, false},
		{"explicit window of 5", 10, 5, at(t, "2026-01-19 10:00"), AtRisk, 4, false, false},
		{"explicit window of 5, day before", 10, 5, at(t, "2026-01-16 10:00"), OnTrack, 5, false, false},
		{"negative window disables at risk", 10, -1, at(t, "2026-01-23 09:00"), OnTrack, 0, false, false},
		{"window larger than the SLA", 10, 20, entered, AtRisk, 10, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.SLA(entered, tc.sla, tc.risk, tc.now)
			if got.Status != tc.status || got.WorkingDaysLeft != tc.left || got.Uncovered != tc.wantUncovd {
				t.Errorf("SLA = %+v, want status %s, left %d, uncovered %v", got, tc.status, tc.left, tc.wantUncovd)
			}
			if tc.wantNoDue != got.Due.IsZero() {
				t.Errorf("Due = %v", got.Due)
			}
			if !tc.wantNoDue && !got.Due.Equal(due) {
				t.Errorf("Due = %s, want %s", got.Due, due)
			}
		})
	}
}

func TestSLADefaultWindow(t *testing.T) {
	c := Default()
	entered := at(t, "2026-01-05 10:00") // Monday
	// Short SLAs have no default at-risk stage: 2 days, seen on the due day.
	if got := c.SLA(entered, 2, 0, at(t, "2026-01-07 10:00")); got.Status != OnTrack {
		t.Errorf("2-day SLA on due day: %s, want on_track", got.Status)
	}
	if got := c.SLA(entered, 1, 0, at(t, "2026-01-06 10:00")); got.Status != OnTrack {
		t.Errorf("1-day SLA on due day: %s, want on_track", got.Status)
	}
	// From 3 days the default window of 2 applies: due Thursday 8th.
	if got := c.SLA(entered, 3, 0, at(t, "2026-01-07 10:00")); got.Status != AtRisk {
		t.Errorf("3-day SLA the day before due: %s, want at_risk", got.Status)
	}
	if got := c.SLA(entered, 3, 0, at(t, "2026-01-06 10:00")); got.Status != OnTrack {
		t.Errorf("3-day SLA two days before due: %s, want on_track", got.Status)
	}
	// An explicit window works for short SLAs too.
	if got := c.SLA(entered, 2, 1, at(t, "2026-01-07 10:00")); got.Status != AtRisk {
		t.Errorf("2-day SLA, window 1, on due day: %s, want at_risk", got.Status)
	}
}

func TestSLAWeekendsAndHolidays(t *testing.T) {
	c := Default()
	// Due Tuesday 26 May 2026, after the spring bank holiday Monday.
	entered := at(t, "2026-05-11 10:00")
	clk := c.SLA(entered, 10, 0, at(t, "2026-05-21 10:00"))
	if !clk.Due.Equal(dueUTC(t, "2026-05-26")) || clk.Status != OnTrack || clk.WorkingDaysLeft != 2 {
		t.Errorf("Thursday 21 May: %+v", clk)
	}
	// Friday: only Friday and Tuesday are left to act in.
	if clk := c.SLA(entered, 10, 0, at(t, "2026-05-22 10:00")); clk.Status != AtRisk || clk.WorkingDaysLeft != 1 {
		t.Errorf("Friday 22 May: %+v", clk)
	}
	// At the weekend before a Tuesday deadline only Monday and Tuesday remain.
	entered = at(t, "2026-01-06 10:00")
	if clk := c.SLA(entered, 10, 0, at(t, "2026-01-17 10:00")); clk.Status != AtRisk || clk.WorkingDaysLeft != 2 {
		t.Errorf("Saturday before Tuesday deadline: %+v", clk)
	}
	if clk := c.SLA(entered, 10, 0, at(t, "2026-01-16 10:00")); clk.Status != OnTrack || clk.WorkingDaysLeft != 2 {
		t.Errorf("Friday before Tuesday deadline: %+v", clk)
	}
}

func TestSLAChristmasComplaint(t *testing.T) {
	// A stage 1 complaint submitted on Friday 19 December 2025 is due on
	// Wednesday 7 January 2026: the 22nd, 23rd, 24th, 29th, 30th, 31st,
	// 2nd, 5th, 6th and 7th.
	c := Default()
	entered := at(t, "2025-12-19 16:45")
	clk := c.SLA(entered, 10, 0, at(t, "2026-01-02 09:00"))
	if !clk.Due.Equal(dueUTC(t, "2026-01-07")) || clk.Status != OnTrack || clk.WorkingDaysLeft != 3 {
		t.Errorf("2 January: %+v", clk)
	}
	if clk := c.SLA(entered, 10, 0, at(t, "2026-01-06 09:00")); clk.Status != AtRisk {
		t.Errorf("6 January: %+v", clk)
	}
	if clk := c.SLA(entered, 10, 0, at(t, "2026-01-08 00:00")); clk.Status != Breached || clk.WorkingDaysLeft != -1 {
		t.Errorf("8 January: %+v", clk)
	}
}

func TestSLAAcrossDST(t *testing.T) {
	c := Default()
	// Entered the Friday before clocks go back (25 October 2026): due the
	// following Friday at 23:59:59.999 GMT.
	clk := c.SLA(at(t, "2026-10-23 15:00"), 5, 0, at(t, "2026-10-26 09:00"))
	if got := clk.Due.Format(time.RFC3339Nano); got != "2026-10-30T23:59:59.999Z" || clk.Status != OnTrack {
		t.Errorf("autumn: due %s, %+v", got, clk)
	}
	// Entered the Friday before clocks go forward (29 March 2026): due
	// Friday 3 April at 23:59:59.999 BST (Good Friday is the 3rd, so
	// Monday 6 is Easter Monday: due Tuesday 7 April).
	clk = c.SLA(at(t, "2026-03-27 15:00"), 5, 0, at(t, "2026-03-30 09:00"))
	if got := clk.Due.Format(time.RFC3339Nano); got != "2026-04-07T22:59:59.999Z" {
		t.Errorf("spring: due %s", got)
	}
}

func TestSLAUncovered(t *testing.T) {
	c := Default()
	if clk := c.SLA(at(t, "2030-12-20 10:00"), 10, 0, at(t, "2030-12-23 10:00")); !clk.Uncovered {
		t.Errorf("deadline in 2031 should be uncovered: %+v", clk)
	}
	if clk := c.SLA(at(t, "2030-12-02 10:00"), 10, 0, at(t, "2030-12-03 10:00")); clk.Uncovered {
		t.Errorf("deadline in 2030 should be covered: %+v", clk)
	}
	if !c.Covers(at(t, "2018-01-01 00:00")) || !c.Covers(at(t, "2030-12-31 23:59")) {
		t.Error("Covers should include the first and last day of the data")
	}
	if c.Covers(at(t, "2017-12-31 23:59")) || c.Covers(at(t, "2031-01-01 00:00")) {
		t.Error("Covers should exclude the days either side of the data")
	}
}
