package main

import (
	"sync"
	"time"

	"dbtp/internal/services/calendar"
)

// bankHoliday answers the workplace module's "is this day a bank
// holiday?" from the services calendar: the data folder's
// bank-holidays.json when the council has dropped in a newer one (read as
// the services module reads it), else the one shipped. The calendar is
// loaded on first use, once the data folder is known; a file that cannot
// be read falls back to the shipped one here, because the services module
// already refuses to start with it.
func bankHoliday(a *app) func(time.Time) (string, bool) {
	cal := sync.OnceValue(func() *calendar.Calendar {
		if a.deps != nil {
			if c, err := calendar.Load(a.deps.Config.DataDir); err == nil {
				return c
			}
		}
		return calendar.Default()
	})
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		london = time.UTC
	}
	return func(day time.Time) (string, bool) {
		y, m, d := day.In(london).Date()
		for _, h := range cal().Holidays(y) {
			if hy, hm, hd := h.Date.Date(); hy == y && hm == m && hd == d {
				return h.Title, true
			}
		}
		return "", false
	}
}
