package auditweb

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
)

// FuzzParseAPIFilter feeds raw query strings to the API's listing parser:
// it must never panic, must fail only with field errors (which the API
// answers with 400), and what it accepts must be a usable filter.
func FuzzParseAPIFilter(f *testing.F) {
	for _, s := range []string{"", "actor=usr_1&from=2025-03-01&to=2025-03-31", "from=2025-02-30", "to=2025-03-01T10:00:00+01:00",
		"from=2025-03-02&to=2025-03-01", "limit=0", "limit=200&cursor=AQAAAAAAAAAK", "actor=a&actor=b", "x=1", "from=9999-12-31&to=9999-12-31",
		"from=0000-01-01T00:00:00Z", "to=2025-03-01T10:00:00.123456789-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseAPIFilter(q)
		if err != nil {
			if e := platform.AsError(err); e.Code != platform.CodeInvalid || len(e.Fields) == 0 {
				t.Fatalf("%q: error without fields: %v", raw, err)
			}
			return
		}
		if flt.Limit < 1 || flt.Limit > 200 {
			t.Fatalf("%q: limit %d", raw, flt.Limit)
		}
		if !flt.From.IsZero() && !flt.To.IsZero() && !flt.To.After(flt.From) {
			t.Fatalf("%q: empty range %v..%v", raw, flt.From, flt.To)
		}
		for _, s := range []string{flt.ActorID, flt.Action, flt.ResourceType, flt.ResourceID} {
			if len(s) > maxText || s != strings.TrimSpace(s) {
				t.Fatalf("%q: text filter %q", raw, s)
			}
		}
	})
}

// FuzzParseDateInput checks the viewer's date boxes: an accepted date is
// exactly the day typed, at midnight UK time (or the next midnight for the
// end of a range); anything else comes back as a message, never a panic.
func FuzzParseDateInput(f *testing.F) {
	for _, c := range [][3]string{{"1", "3", "2025"}, {"31", "2", "2025"}, {"29", "2", "2024"}, {"", "", ""}, {"1", "", ""},
		{"30", "3", "2025"}, {"26", "10", "2025"}, {"00", "00", "0000"}, {"1", "1", "25"}, {"-1", "1", "2025"}, {" 7", "08 ", "2025"}} {
		f.Add(c[0], c[1], c[2], false)
	}
	f.Fuzz(func(t *testing.T, day, month, year string, end bool) {
		q := url.Values{"d-day": {day}, "d-month": {month}, "d-year": {year}}
		got, msg := parseDateInput(q, "d", "Date", end)
		if msg != "" {
			if !got.IsZero() || !strings.Contains(msg, "ate") {
				t.Fatalf("%q/%q/%q: %v with message %q", day, month, year, got, msg)
			}
			return
		}
		if got.IsZero() {
			if strings.TrimSpace(day+month+year) != "" {
				t.Fatalf("%q/%q/%q: accepted as no date", day, month, year)
			}
			return
		}
		if end {
			got = got.AddDate(0, 0, -1)
		}
		local := got.In(london)
		d, _ := strconv.Atoi(strings.TrimSpace(day))
		m, _ := strconv.Atoi(strings.TrimSpace(month))
		y, _ := strconv.Atoi(strings.TrimSpace(year))
		if local.Day() != d || int(local.Month()) != m || local.Year() != y || local.Hour() != 0 || local.Minute() != 0 {
			t.Fatalf("%q/%q/%q: got %v", day, month, year, local)
		}
	})
}

// FuzzParseInstant checks API times and dates: accepted dates are UK
// midnights, accepted times round-trip, and nothing panics.
func FuzzParseInstant(f *testing.F) {
	for _, s := range []string{"2025-03-30", "2025-10-26", "2025-02-29", "2025-03-01T10:00:00Z", "2025-03-01T10:00:00 01:00",
		"2025-03-01T10:00:00.5+01:00", "10000-01-01", "2025-3-1", "yesterday", "2025-03-01T24:00:00Z"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, end bool) {
		got, msg := parseInstant(s, end)
		switch {
		case msg != "":
			if !got.IsZero() {
				t.Fatalf("%q: %v with message %q", s, got, msg)
			}
		case s == "":
			if !got.IsZero() {
				t.Fatalf("empty gave %v", got)
			}
		case len(s) == len(time.DateOnly):
			if end {
				got = got.AddDate(0, 0, -1)
			}
			if got.In(london).Format(time.DateOnly) != s {
				t.Fatalf("%q: got %v", s, got.In(london))
			}
		}
		_ = got.UnixMilli() // must not overflow into nonsense for the query
	})
}

// FuzzParseCount checks entry indexes and tree sizes from paths and query
// parameters: only plain decimal numbers that fit an int64 are accepted.
func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"0", "7", "007", "-1", "+1", " 1", "1e3", "0x10", "9223372036854775807", "9223372036854775808", "99999999999999999999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseCount(s)
		if !ok {
			return
		}
		if n < 0 {
			t.Fatalf("%q: negative %d", s, n)
		}
		if want := strings.TrimLeft(s, "0"); strconv.FormatInt(n, 10) != want && !(n == 0 && want == "") {
			t.Fatalf("%q: parsed as %d", s, n)
		}
	})
}
