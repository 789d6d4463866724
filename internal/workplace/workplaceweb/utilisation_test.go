package workplaceweb

import (
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Utilisation's default range is the four weeks to today by the module's
// clock, not the system's: the test's clock stands in early March 2026.
func TestUtilisationDefaultRangeFollowsTheModuleClock(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		tok := e.token("Kim", platform.ScopeRead)
		want(t, e.srv.API(tok, "GET", "/api/v1/utilisation", ""), 200, `"from":"2026-02-03"`, `"to":"2026-03-02"`)
		want(t, e.browser("Kim").Get("/utilisation"), 200, "Working days from 3 February 2026 to 2 March 2026")
		// A week on, the range moves with the clock.
		e.clock.Add(7 * 24 * time.Hour)
		want(t, e.srv.API(tok, "GET", "/api/v1/utilisation", ""), 200, `"from":"2026-02-10"`, `"to":"2026-03-09"`)
	})
}
