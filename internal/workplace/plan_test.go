package workplace

import (
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// An equipment request's loans are read on each of its events; the look-up
// must seek the cases' partial index, not read every loan of the
// organisation.
func TestLoansForCaseUseTheirIndex(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	if got := storetest.SQLitePlan(t, db, loansForCaseQuery, "org", "case"); !strings.Contains(got, "workplace_loans_case") {
		t.Fatalf("plan %q uses neither case index (workplace_loans_case, workplace_loans_cases)", got)
	}
}
