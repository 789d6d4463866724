package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Division is the GOV.UK feed division this package serves. Scotland and
// Northern Ireland have different holidays; a council in England or Wales
// must not pick them up by accident.
const Division = "england-and-wales"

// maxFeedBytes bounds what Parse will read. The real feed is about 20 KB
// for three divisions; anything far larger is not a bank holidays file.
const maxFeedBytes = 4 << 20

// feedDivision is one division of https://www.gov.uk/bank-holidays.json.
type feedDivision struct {
	Division string      `json:"division"`
	Events   []feedEvent `json:"events"`
}

type feedEvent struct {
	Title   string `json:"title"`
	Date    string `json:"date"`
	Notes   string `json:"notes"`
	Bunting bool   `json:"bunting"`
}

// decodeFeed accepts the whole GOV.UK feed (an object keyed by division)
// or a bare division object, and returns England and Wales' holidays
// sorted by date. Every problem is an error: a council that drops in a
// broken file must hear about it, not get weekend-only deadlines.
func decodeFeed(data []byte) ([]Holiday, error) {
	if len(data) > maxFeedBytes {
		return nil, fmt.Errorf("%d bytes is too large for a bank holidays file (limit %d)", len(data), maxFeedBytes)
	}
	// Decode into raw messages first: the two accepted shapes are told
	// apart by whether the top level has a "division" key.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a GOV.UK bank holidays JSON object: %w", err)
	}
	if top == nil {
		return nil, errors.New("not a GOV.UK bank holidays JSON object: null")
	}
	var div feedDivision
	if _, bare := top["division"]; bare {
		if err := json.Unmarshal(data, &div); err != nil {
			return nil, fmt.Errorf("division object: %w", err)
		}
		if div.Division != Division {
			return nil, fmt.Errorf("division is %q, want %q", div.Division, Division)
		}
	} else {
		raw, ok := top[Division]
		if !ok {
			return nil, fmt.Errorf("no %q division in the file", Division)
		}
		if err := json.Unmarshal(raw, &div); err != nil {
			return nil, fmt.Errorf("%s: %w", Division, err)
		}
		if div.Division != "" && div.Division != Division {
			return nil, fmt.Errorf("%s: division field is %q", Division, div.Division)
		}
	}
	return toHolidays(div.Events)
}

func toHolidays(events []feedEvent) ([]Holiday, error) {
	if len(events) == 0 {
		return nil, errors.New("no events")
	}
	hs := make([]Holiday, 0, len(events))
	for i, e := range events {
		d, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			return nil, fmt.Errorf("event %d (%q): date %q is not YYYY-MM-DD", i, e.Title, e.Date)
		}
		if y := d.Year(); y < 1900 || y > 2200 {
			return nil, fmt.Errorf("event %d (%q): date %s is out of range", i, e.Title, e.Date)
		}
		if e.Title == "" {
			return nil, fmt.Errorf("event %d (%s): empty title", i, e.Date)
		}
		hs = append(hs, Holiday{
			Date:    time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, london),
			Title:   e.Title,
			Notes:   e.Notes,
			Bunting: e.Bunting,
		})
	}
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].Date.Before(hs[j].Date) })
	for i := 1; i < len(hs); i++ {
		if hs[i].Date.Equal(hs[i-1].Date) {
			return nil, fmt.Errorf("%s is listed twice (%q and %q)",
				hs[i].Date.Format(time.DateOnly), hs[i-1].Title, hs[i].Title)
		}
	}
	// Covers trusts every year between the first and last event; a year
	// with no events at all means a truncated or hand-edited file.
	for y, i := hs[0].Date.Year(), 0; y <= hs[len(hs)-1].Date.Year(); y++ {
		for i < len(hs) && hs[i].Date.Year() < y {
			i++
		}
		if i == len(hs) || hs[i].Date.Year() != y {
			return nil, fmt.Errorf("no events in %d although the file runs from %d to %d: a gap would count its bank holidays as working days",
				y, hs[0].Date.Year(), hs[len(hs)-1].Date.Year())
		}
	}
	return hs, nil
}
