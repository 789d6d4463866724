package auditweb

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// maxText bounds a text filter: the log refuses identifiers and action
// names longer than 200 bytes, so a longer filter can match nothing.
const maxText = 200

// textFilters are the exact-match filters, by query parameter name.
var textFilters = []string{"actor", "action", "resource_type", "resource_id"}

// setText copies the text filters of q into f.
func setText(q url.Values, f *audit.Filter) []platform.FieldError {
	var bad []platform.FieldError
	for _, name := range textFilters {
		v := strings.TrimSpace(q.Get(name))
		if len(v) > maxText || !utf8.ValidString(v) {
			bad = append(bad, platform.FieldError{Field: name, Message: "must be 200 characters or fewer"})
			continue
		}
		switch name {
		case "actor":
			f.ActorID = v
		case "action":
			f.Action = v
		case "resource_type":
			f.ResourceType = v
		case "resource_id":
			f.ResourceID = v
		}
	}
	return bad
}

func humanName(param string) string {
	switch param {
	case "actor":
		return "Person"
	case "resource_type":
		return "Resource type"
	case "resource_id":
		return "Resource ID"
	}
	return strings.ToUpper(param[:1]) + param[1:]
}

// apiListParams are the query parameters GET /api/v1/audit/entries accepts.
var apiListParams = append(slices.Clone(textFilters), "from", "to", "cursor", "limit")

// onlyParams refuses parameters an operation does not know (usually a typo
// that would otherwise silently widen a query) and repeated parameters.
func onlyParams(q url.Values, allowed ...string) []platform.FieldError {
	var bad []platform.FieldError
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !slices.Contains(allowed, k):
			bad = append(bad, platform.FieldError{Field: k, Message: "is not a parameter of this operation; use " + strings.Join(allowed, ", ")})
		case len(q[k]) > 1:
			bad = append(bad, platform.FieldError{Field: k, Message: "must be given once"})
		}
	}
	return bad
}

// invalidParams is the error for query parameters that need fixing; the
// API answers it with 400 and the parameters named in errors.
func invalidParams(bad []platform.FieldError) error {
	if len(bad) == 0 {
		return nil
	}
	return platform.Invalid("Check the query parameters: "+bad[0].Field+" "+bad[0].Message+".", bad...)
}

// parseAPIFilter reads the listing parameters of the JSON API. from and to
// are RFC 3339 times or YYYY-MM-DD dates; a date is a whole day in UK time,
// so from=2025-03-01&to=2025-03-31 covers all of March.
func parseAPIFilter(q url.Values) (audit.Filter, error) {
	var f audit.Filter
	bad := onlyParams(q, apiListParams...)
	if len(bad) > 0 {
		return f, invalidParams(bad)
	}
	bad = setText(q, &f)
	var msg string
	if f.From, msg = parseInstant(q.Get("from"), false); msg != "" {
		bad = append(bad, platform.FieldError{Field: "from", Message: msg})
	}
	if f.To, msg = parseInstant(q.Get("to"), true); msg != "" {
		bad = append(bad, platform.FieldError{Field: "to", Message: msg})
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		bad = append(bad, platform.FieldError{Field: "to", Message: "must be after from"})
	}
	limit, err := web.ParseLimit(q.Get("limit"))
	if err != nil {
		bad = append(bad, platform.AsError(err).Fields...)
	}
	f.Limit = limit
	f.Cursor = q.Get("cursor")
	return f, invalidParams(bad)
}

// parseInstant reads an RFC 3339 time or a YYYY-MM-DD date. A date is a
// day in UK time: its start, or with end set the start of the next day,
// because the log's upper bound is exclusive. The message is "" when s is
// empty (no bound) or valid.
func parseInstant(s string, end bool) (time.Time, string) {
	if s == "" {
		return time.Time{}, ""
	}
	if len(s) == len(time.DateOnly) {
		d, err := time.ParseInLocation(time.DateOnly, s, london)
		if err != nil {
			return time.Time{}, "must be a real date as YYYY-MM-DD, such as 2025-03-27"
		}
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, ""
	}
	// An unescaped "+" in a query string arrives as a space; the offset
	// is unambiguous, so read it as the "+" that was meant.
	if strings.Count(s, " ") == 1 && !strings.Contains(s, "+") {
		s = strings.Replace(s, " ", "+", 1)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, "must be a date (YYYY-MM-DD) or an RFC 3339 time such as 2025-03-27T14:30:00Z"
	}
	return t, ""
}

// parsePageFilter reads the viewer's filter form. Dates come from GOV.UK
// date inputs (from-day, from-month, from-year; to-...); the error messages
// follow the GOV.UK design system's wording.
func parsePageFilter(q url.Values) (audit.Filter, []platform.FieldError) {
	var f audit.Filter
	bad := setText(q, &f)
	for i := range bad {
		// A person reads the message beside the box, so it names the box.
		bad[i].Message = humanName(bad[i].Field) + " " + bad[i].Message
	}
	var msg string
	if f.From, msg = parseDateInput(q, "from", "Date from", false); msg != "" {
		bad = append(bad, platform.FieldError{Field: "from", Message: msg})
	}
	if f.To, msg = parseDateInput(q, "to", "Date to", true); msg != "" {
		bad = append(bad, platform.FieldError{Field: "to", Message: msg})
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		bad = append(bad, platform.FieldError{Field: "to", Message: "Date to must be the same as or after date from"})
	}
	f.Cursor = q.Get("cursor")
	return f, bad
}

// parseDateInput reads the day, month and year boxes of one date input.
func parseDateInput(q url.Values, name, label string, end bool) (time.Time, string) {
	parts := [3]string{
		strings.TrimSpace(q.Get(name + "-day")),
		strings.TrimSpace(q.Get(name + "-month")),
		strings.TrimSpace(q.Get(name + "-year")),
	}
	var missing []string
	for i, p := range parts {
		if p == "" {
			missing = append(missing, [3]string{"a day", "a month", "a year"}[i])
		}
	}
	switch len(missing) {
	case 3:
		return time.Time{}, ""
	case 2:
		return time.Time{}, label + " must include " + missing[0] + " and " + strings.TrimPrefix(missing[1], "a ")
	case 1:
		return time.Time{}, label + " must include " + missing[0]
	}
	day, dok := smallNumber(parts[0], 2)
	month, mok := smallNumber(parts[1], 2)
	year, yok := smallNumber(parts[2], 8)
	if !dok || !mok || !yok {
		return time.Time{}, label + " must be a real date"
	}
	if len(parts[2]) != 4 {
		return time.Time{}, "Year in " + strings.ToLower(label[:1]) + label[1:] + " must include 4 numbers"
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, london)
	if t.Day() != day || int(t.Month()) != month || t.Year() != year {
		return time.Time{}, label + " must be a real date"
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, ""
}

// smallNumber parses up to max decimal digits.
func smallNumber(s string, max int) (int, bool) {
	if s == "" || len(s) > max {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// parseCount parses a non-negative decimal integer that fits an int64: an
// entry index or a tree size. Signs, spaces and other forms are refused.
func parseCount(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
