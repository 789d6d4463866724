package forms

import (
	"strconv"
	"strings"
	"time"

	"dbtp/internal/services/definition"
)

// Dates follow the GOV.UK date input pattern: separate day, month and year
// boxes, messages that say which part is missing, and "must be a real date"
// for 31 February. The canonical answer is "YYYY-MM-DD", a calendar day with
// no time zone, which is what a date of birth or an incident date is.

const dateLayout = "2006-01-02"

// dateInputs names the inputs of a date field, in page order.
func dateInputs(id string) [3]string {
	return [3]string{id + "-day", id + "-month", id + "-year"}
}

var monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
	"sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}

// parseMonth takes a number or, as GOV.UK recommends, a month name or its
// abbreviation: people type "Nov" and "November".
func parseMonth(s string) (int, bool) {
	if n, ok := smallInt(s, 2); ok {
		return n, true
	}
	l := strings.ToLower(s)
	if n, ok := monthNames[l]; ok {
		return n, true
	}
	if len(l) > 3 {
		if n, ok := monthNames[l[:3]]; ok && strings.HasPrefix(strings.ToLower(time.Month(n).String()), l) {
			return n, true
		}
	}
	return 0, false
}

// smallInt parses up to max digits, refusing signs and spaces that Atoi
// would let through.
func smallInt(s string, max int) (int, bool) {
	if s == "" || len(s) > max || !allDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// decodeDate turns the three inputs into an answer. parts are trimmed; the
// caller has already dealt with all three being empty.
func decodeDate(f *definition.Field, parts [3]string, today time.Time, e *errs) (string, bool) {
	names := dateInputs(f.ID)
	var missing []string
	first := -1
	for i, what := range []string{"day", "month", "year"} {
		if parts[i] == "" {
			missing = append(missing, what)
			if first < 0 {
				first = i
			}
		}
	}
	if len(missing) > 0 {
		e.add(names[first], subject(f)+" must include a "+strings.Join(missing, " and "))
		return "", false
	}
	day, okD := smallInt(parts[0], 2)
	month, okM := parseMonth(parts[1])
	if !okD {
		e.add(names[0], subject(f)+" must be a real date")
		return "", false
	}
	if !okM {
		e.add(names[1], subject(f)+" must be a real date")
		return "", false
	}
	year, okY := smallInt(parts[2], 4)
	if !okY || len(parts[2]) != 4 {
		e.add(names[2], "Year must include 4 numbers")
		return "", false
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if year < 1 || d.Day() != day || int(d.Month()) != month {
		e.add(names[0], subject(f)+" must be a real date")
		return "", false
	}
	if msg := checkDateBounds(f, d, today); msg != "" {
		e.add(names[0], msg)
		return "", false
	}
	return d.Format(dateLayout), true
}

// checkDate validates a stored "YYYY-MM-DD" answer.
func checkDate(f *definition.Field, s string, today time.Time) string {
	d, err := time.Parse(dateLayout, s)
	if err != nil || d.Year() < 1 {
		return subject(f) + " must be a real date in the form YYYY-MM-DD"
	}
	return checkDateBounds(f, d, today)
}

// checkDateBounds applies before and after, both exclusive, with the
// wording GOV.UK uses for the relative ones.
func checkDateBounds(f *definition.Field, d, today time.Time) string {
	if b, ok := dateBound(f.Before, today); ok && !d.Before(b) {
		switch f.Before {
		case "today":
			return subject(f) + " must be in the past"
		case "tomorrow":
			return subject(f) + " must be today or in the past"
		}
		return subject(f) + " must be before " + FormatDate(b)
	}
	if a, ok := dateBound(f.After, today); ok && !d.After(a) {
		switch f.After {
		case "today":
			return subject(f) + " must be in the future"
		case "yesterday":
			return subject(f) + " must be today or in the future"
		}
		return subject(f) + " must be after " + FormatDate(a)
	}
	return ""
}

// dateBound reads a before/after rule. An empty or unreadable rule is no
// rule: the definition loader reports unreadable ones to the author.
func dateBound(rule string, today time.Time) (time.Time, bool) {
	switch rule {
	case "":
		return time.Time{}, false
	case "today":
		return today, true
	case "tomorrow":
		return today.AddDate(0, 0, 1), true
	case "yesterday":
		return today.AddDate(0, 0, -1), true
	}
	d, err := time.Parse(dateLayout, rule)
	return d, err == nil
}

// FormatDate shows a date the GOV.UK way: "6 November 2020".
func FormatDate(d time.Time) string { return d.Format("2 January 2006") }
