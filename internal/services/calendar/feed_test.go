package calendar

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A trimmed copy of the real GOV.UK feed shape: three divisions, of which
// only England and Wales may be used.
const threeDivisions = `{
 "england-and-wales": {"division": "england-and-wales", "events": [
  {"title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true},
  {"title": "Christmas Day", "date": "2026-12-25", "notes": "", "bunting": true}]},
 "scotland": {"division": "scotland", "events": [
  {"title": "2nd January", "date": "2026-01-02", "notes": "", "bunting": true},
  {"title": "St Andrew’s Day", "date": "2026-11-30", "notes": "", "bunting": true}]},
 "northern-ireland": {"division": "northern-ireland", "events": [
  {"title": "St Patrick’s Day", "date": "2026-03-17", "notes": "", "bunting": true}]}
}`

func TestParseFullFeedUsesEnglandAndWales(t *testing.T) {
	c, err := Parse([]byte(threeDivisions), "test")
	if err != nil {
		t.Fatal(err)
	}
	hs := c.Holidays(2026)
	if len(hs) != 2 || hs[0].Title != "New Year’s Day" || hs[1].Title != "Christmas Day" {
		t.Fatalf("Holidays(2026) = %+v", hs)
	}
	if !c.IsWorkingDay(at(t, "2026-01-02 10:00")) || !c.IsWorkingDay(at(t, "2026-03-17 10:00")) {
		t.Error("Scottish or Northern Irish holiday used")
	}
	if c.IsWorkingDay(at(t, "2026-12-25 10:00")) {
		t.Error("Christmas Day counted as working")
	}
	if first, last := c.Years(); first != 2026 || last != 2026 {
		t.Errorf("Years = %d..%d", first, last)
	}
}

func TestParseBareDivision(t *testing.T) {
	c, err := Parse([]byte(`{"division":"england-and-wales","events":[
		{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true},
		{"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true}]}`), "bare")
	if err != nil {
		t.Fatal(err)
	}
	hs := c.Holidays(2026)
	if len(hs) != 2 || hs[0].Title != "Christmas Day" || hs[1].Notes != "Substitute day" {
		t.Errorf("not sorted or fields lost: %+v", hs)
	}
	if c.Source() != "bare" {
		t.Errorf("Source = %q", c.Source())
	}
}

func TestParseErrors(t *testing.T) {
	ev := `{"title":"Christmas Day","date":"2026-12-25"}`
	cases := []struct{ name, in, want string }{
		{"empty", ``, "not a GOV.UK bank holidays JSON object"},
		{"null", `null`, "null"},
		{"array", `[]`, "not a GOV.UK bank holidays JSON object"},
		{"truncated", threeDivisions[:200], "not a GOV.UK bank holidays JSON object"},
		{"trailing garbage", `{"division":"england-and-wales","events":[` + ev + `]} x`, "not a GOV.UK"},
		{"no England and Wales", `{"scotland":{"division":"scotland","events":[` + ev + `]}}`, `no "england-and-wales" division`},
		{"bare Scotland", `{"division":"scotland","events":[` + ev + `]}`, `division is "scotland"`},
		{"mismatched division", `{"england-and-wales":{"division":"scotland","events":[` + ev + `]}}`, `division field is "scotland"`},
		{"no events", `{"division":"england-and-wales","events":[]}`, "no events"},
		{"events not a list", `{"division":"england-and-wales","events":{}}`, "division object"},
		{"bad date", `{"division":"england-and-wales","events":[{"title":"X","date":"25/12/2026"}]}`, `date "25/12/2026" is not YYYY-MM-DD`},
		{"impossible date", `{"division":"england-and-wales","events":[{"title":"X","date":"2026-02-30"}]}`, "not YYYY-MM-DD"},
		{"year out of range", `{"division":"england-and-wales","events":[{"title":"X","date":"0001-01-01"}]}`, "out of range"},
		{"no title", `{"division":"england-and-wales","events":[{"date":"2026-12-25"}]}`, "empty title"},
		{"duplicate", `{"division":"england-and-wales","events":[` + ev + `,` + ev + `]}`, "2026-12-25 is listed twice"},
		{"year gap", `{"division":"england-and-wales","events":[{"title":"A","date":"2024-12-25"},` + ev + `]}`, "no events in 2025"},
		{"too large", `{"x":"` + strings.Repeat("a", maxFeedBytes) + `"}`, "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in), "/data/bank-holidays.json")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/data/bank-holidays.json") {
				t.Errorf("error %q should name the file and contain %q", err, tc.want)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if c != Default() {
		t.Error("Default should build once and share")
	}
	if c.Source() != "embedded bank-holidays.json" {
		t.Errorf("Source = %q", c.Source())
	}
	if hs := c.Holidays(2031); len(hs) != 0 {
		t.Errorf("Holidays(2031) = %v", hs)
	}
	// Holidays returns a copy: changing it must not change the calendar.
	hs := c.Holidays(2026)
	hs[0].Title = "changed"
	if c.Holidays(2026)[0].Title != "New Year’s Day" {
		t.Error("Holidays exposed internal state")
	}
}

func TestLoad(t *testing.T) {
	t.Run("empty dataDir", func(t *testing.T) {
		c, err := Load("")
		if err != nil || c != Default() {
			t.Fatalf("Load(\"\") = %v, %v", c, err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		c, err := Load(t.TempDir())
		if err != nil || c != Default() {
			t.Fatalf("got %v, %v; want Default", c, err)
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		c, err := Load(filepath.Join(t.TempDir(), "nope"))
		if err != nil || c != Default() {
			t.Fatalf("got %v, %v; want Default", c, err)
		}
	})
	t.Run("override", func(t *testing.T) {
		// A council's newer file: the embedded data plus a 2031 year and
		// an invented one-off day in 2026.
		dir := t.TempDir()
		extra := `{"title":"Invented bank holiday","date":"2026-06-15","notes":"","bunting":true},
{"title":"New Year’s Day","date":"2031-01-01","notes":"","bunting":true},`
		data := bytes.Replace(embedded, []byte(`"events":[`), []byte(`"events":[`+extra), 1)
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if c.Source() != path {
			t.Errorf("Source = %q, want %q", c.Source(), path)
		}
		if c.IsWorkingDay(at(t, "2026-06-15 10:00")) || c.IsWorkingDay(at(t, "2031-01-01 10:00")) {
			t.Error("override holidays not used")
		}
		if Default().IsWorkingDay(at(t, "2026-06-15 10:00")) == false {
			t.Error("override leaked into Default")
		}
		if !c.Covers(at(t, "2031-06-01 10:00")) {
			t.Error("override should extend coverage to 2031")
		}
		if got := c.AddWorkingDays(at(t, "2026-06-12 10:00"), 1); !got.Equal(dueUTC(t, "2026-06-16")) {
			t.Errorf("deadline over the invented holiday = %s", got.In(london))
		}
	})
	t.Run("malformed", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, []byte(`{"england-and-wales":{"division":"england-and-wales","events":[{"title":"X","date":"2026-13-01"}]}}`), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "2026-13-01") {
			t.Fatalf("error %v should name %s and the bad date", err, path)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.Mkdir(path, 0o755); err != nil { // a directory cannot be read as a file
			t.Fatal(err)
		}
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v should name %s", err, path)
		}
	})
}

// FuzzParse: no input may panic, and any input accepted must give a
// calendar whose tables agree with its holiday list.
func FuzzParse(f *testing.F) {
	f.Add(embedded)
	f.Add([]byte(threeDivisions))
	f.Add([]byte(`{"division":"england-and-wales","events":[{"title":"A","date":"2026-12-25"}]}`))
	f.Add([]byte(`{"division":"england-and-wales","events":[{"title":"A","date":"1900-01-01"},{"title":"B","date":"1901-05-05"}]}`))
	f.Add([]byte(`{"england-and-wales":null}`))
	f.Add([]byte(`{"division":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz")
		if err != nil {
			if c != nil {
				t.Fatal("calendar and error both returned")
			}
			return
		}
		first, last := c.Years()
		n := 0
		for y := first; y <= last; y++ {
			hs := c.Holidays(y)
			if len(hs) == 0 {
				t.Fatalf("no holidays in covered year %d", y)
			}
			for i, h := range hs {
				if i > 0 && !hs[i-1].Date.Before(h.Date) {
					t.Fatalf("not strictly sorted: %v, %v", hs[i-1].Date, h.Date)
				}
				if h.Title == "" {
					t.Fatal("empty title accepted")
				}
				if c.IsWorkingDay(h.Date.Add(12 * time.Hour)) {
					t.Fatalf("holiday %s is a working day", h.Date)
				}
			}
			n += len(hs)
		}
		start := time.Date(first, 1, 1, 12, 0, 0, 0, london)
		due := c.AddWorkingDays(start, 10)
		if !c.IsWorkingDay(due) || c.WorkingDaysBetween(start, due) != 10 {
			t.Fatalf("deadline %s inconsistent", due)
		}
	})
}
