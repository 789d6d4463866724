package definition

import (
	"strings"
	"testing"
)

// withDeadline gives the pothole workflow a whole-case deadline (and takes
// its per-state clock away, which a deadline excludes).
func withDeadline(t *testing.T, deadline string) string {
	return edit(t, pothole(t), "      sla_days: 5\n      at_risk_days: 1\n", "", "  initial: reported\n", "  initial: reported\n"+deadline)
}

func TestDeadlineIsValid(t *testing.T) {
	d, err := Parse([]byte(withDeadline(t, "  deadline:\n    calendar_months: 1\n    at_risk_days: 5\n    escalate: {notify_role: manager}\n    extension: {transition: inspect, calendar_months: 2}\n")), "pothole.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dl := d.Workflow.Deadline
	if dl == nil || dl.CalendarMonths != 1 || dl.AtRiskDays != 5 || dl.Extension.Transition != "inspect" || dl.Extension.CalendarMonths != 2 {
		t.Fatalf("deadline %+v", dl)
	}
}

func TestDeadlineRules(t *testing.T) {
	cases := []struct {
		name, deadline, path, msg string
	}{
		{"no length", "  deadline: {at_risk_days: 2} # HERE\n", "workflow.deadline", "calendar_months or working_days"},
		{"both lengths", "  deadline: {calendar_months: 1, working_days: 20} # HERE\n", "workflow.deadline", "not both"},
		{"too many months", "  deadline:\n    calendar_months: 13 # HERE\n", "workflow.deadline.calendar_months", "between 1 and 12"},
		{"at risk all along", "  deadline:\n    working_days: 5\n    at_risk_days: 5 # HERE\n", "workflow.deadline.at_risk_days", "fewer than working_days"},
		{"escalate role", "  deadline:\n    calendar_months: 1\n    escalate: {notify_role: boss} # HERE\n", "workflow.deadline.escalate.notify_role", `unknown role "boss"`},
		{"extension unknown", "  deadline:\n    calendar_months: 1\n    extension: {transition: prolong, calendar_months: 2} # HERE\n", "workflow.deadline.extension.transition", `unknown transition "prolong"`},
		{"extension closes", "  deadline:\n    calendar_months: 1\n    extension: {transition: fix, calendar_months: 2} # HERE\n", "workflow.deadline.extension.transition", "closes the case"},
		{"extension unit", "  deadline:\n    calendar_months: 1\n    extension: {transition: inspect, working_days: 10} # HERE\n", "workflow.deadline.extension.calendar_months", "like the deadline"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := withDeadline(t, tc.deadline)
			line := markedLine(t, src)
			_, err := Parse([]byte(src), "pothole.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, p := range problemsOf(t, err) {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					if p.Line != line {
						t.Errorf("%s: reported on line %d, want %d", tc.path, p.Line, line)
					}
					return
				}
			}
			t.Errorf("no problem at %s containing %q; got:\n%v", tc.path, tc.msg, err)
		})
	}
	// A state keeping its own clock under a deadline: two clocks would disagree.
	src := edit(t, pothole(t), "  initial: reported\n", "  initial: reported\n  deadline: {working_days: 20}\n")
	_, err := Parse([]byte(src), "pothole.yaml")
	if err == nil || !strings.Contains(err.Error(), "cannot have its own clock") {
		t.Fatalf("a state clock under a deadline: %v", err)
	}
}
