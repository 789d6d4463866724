// Package calendar knows England and Wales bank holidays and counts
// working days in Europe/London, so that service SLAs ("answer a stage 1
// complaint in 10 working days") have one meaning across the platform.
//
// The holidays ship inside the binary (bank-holidays.json, in the format of
// https://www.gov.uk/bank-holidays.json) and a council can replace them
// without a new release by dropping the latest GOV.UK file into its data
// folder; see Load.
//
// A Calendar is immutable after construction and safe for concurrent use.
package calendar

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileName is the file Load looks for in the data folder: the name GOV.UK
// serves it under, so a downloaded copy can be dropped in unchanged.
const FileName = "bank-holidays.json"

//go:embed bank-holidays.json
var embedded []byte

// Holiday is one bank holiday as published by GOV.UK.
type Holiday struct {
	Date    time.Time // midnight at the start of the day, Europe/London
	Title   string    // e.g. "Christmas Day"
	Notes   string    // e.g. "Substitute day" when the real date falls at a weekend
	Bunting bool      // GOV.UK's flag for a celebratory day; carried, not used here
}

// Calendar answers working-day questions from one set of bank holidays.
type Calendar struct {
	source   string
	holidays []Holiday // sorted by date, no duplicates, no year gaps
	first    int       // first and last year the holiday data covers
	last     int

	// Precomputed for the covered years so the hot path is two array
	// reads. base is the day number of 1 January of first; end is one past
	// 31 December of last.
	base, end int64
	// cum[i] is how many working days lie in [base, base+i); len = days+1.
	cum []int32
	// work lists the working days in [base, end) as day numbers, ascending,
	// so "the k-th working day of the table" is work[k].
	work []int64
}

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Parse(embedded, "embedded "+FileName)
	if err != nil {
		// The embedded file is tested; reaching this is a build defect.
		panic("calendar: embedded data: " + err.Error())
	}
	return c
})

// Default returns the calendar built from the bank holidays shipped with
// the binary. It is built once and shared.
func Default() *Calendar { return defaultCalendar() }

// Load returns the calendar for a data folder: <dataDir>/bank-holidays.json
// when that file exists, otherwise Default. A file that exists but cannot
// be read or is not a valid England and Wales feed is an error naming the
// file and the problem; it is never skipped in favour of the embedded data,
// because a council that updated its holidays expects them to be used. An
// empty dataDir means Default.
func Load(dataDir string) (*Calendar, error) {
	if dataDir == "" {
		return Default(), nil
	}
	path := filepath.Join(dataDir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: reading %s: %w", path, err)
	}
	return Parse(data, path)
}

// Parse builds a calendar from GOV.UK bank holidays JSON: either the whole
// feed, an object keyed by division of which "england-and-wales" is used,
// or a bare {"division":"england-and-wales","events":[...]} object. source
// names the data in errors and in Source.
func Parse(data []byte, source string) (*Calendar, error) {
	hs, err := decodeFeed(data)
	if err != nil {
		return nil, fmt.Errorf("calendar: %s: %w", source, err)
	}
	return build(hs, source), nil
}

// build precomputes the working-day tables for the covered years.
func build(hs []Holiday, source string) *Calendar {
	c := &Calendar{
		source:   source,
		holidays: hs,
		first:    hs[0].Date.Year(),
		last:     hs[len(hs)-1].Date.Year(),
	}
	c.base = daysFromCivil(c.first, time.January, 1)
	c.end = daysFromCivil(c.last+1, time.January, 1)
	off := make(map[int64]bool, len(hs))
	for _, h := range hs {
		off[daysFromCivil(h.Date.Date())] = true
	}
	n := c.end - c.base
	c.cum = make([]int32, n+1)
	c.work = make([]int64, 0, n*5/7+1)
	for i := int64(0); i < n; i++ {
		d := c.base + i
		c.cum[i+1] = c.cum[i]
		if isWeekday(d) && !off[d] {
			c.cum[i+1]++
			c.work = append(c.work, d)
		}
	}
	return c
}

// Source says where the holidays came from: "embedded bank-holidays.json"
// or the path of the council's file. Worth logging at start-up.
func (c *Calendar) Source() string { return c.source }

// Years is the first and last year the holiday data covers.
func (c *Calendar) Years() (first, last int) { return c.first, c.last }

// Holidays returns the bank holidays in year, in date order; empty when the
// year is outside the data. The slice is a copy the caller may keep.
func (c *Calendar) Holidays(year int) []Holiday {
	var out []Holiday
	for _, h := range c.holidays {
		if h.Date.Year() == year {
			out = append(out, h)
		}
	}
	return out
}

// Covers reports whether the holiday data reaches t's date in London. For
// dates it does not cover, working days are still counted but only
// weekends are skipped, so SLA code should warn (see Clock.Uncovered).
func (c *Calendar) Covers(t time.Time) bool {
	return c.coversDay(londonDay(t))
}

func (c *Calendar) coversDay(d int64) bool { return d >= c.base && d < c.end }
