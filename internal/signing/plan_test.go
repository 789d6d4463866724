package signing

import (
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Whether a case already has an envelope out is asked on every case event
// that enters a signing state; it must seek the case's partial index, not
// read every envelope of the organisation.
func TestCaseEnvelopeOutUsesItsIndex(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	if got := storetest.SQLitePlan(t, db, caseEnvelopeOutQuery, "org", "case", "a", "b", "c", 0); !strings.Contains(got, "signing_envelopes_case") {
		t.Fatalf("plan %q does not use signing_envelopes_case", got)
	}
}
