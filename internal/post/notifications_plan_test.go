package post

import (
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The idempotency look-up runs on every API send that gives a reference;
// it must seek the partial unique index, not scan the service's
// notifications (it did, until the query repeated the index's condition).
func TestClientKeyLookupUsesItsIndex(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	usesIndex(t, db, "post_notifications_client_key", byClientKeyQuery, "svc", "key")
}

// A case page lists the case's messages, and a resident's request page
// theirs: both must seek the case's partial index, not walk every message
// the organisation ever sent (they did, until the queries repeated the
// index's condition).
func TestCaseMessagesUseTheirIndex(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	usesIndex(t, db, "post_notifications_case", caseMessagesQuery, "org", "case")
	usesIndex(t, db, "post_notifications_case", messagesToPersonQuery, "org", "case", "usr", StatusCancelled)
}

func usesIndex(t *testing.T, db *store.DB, index, query string, args ...any) {
	t.Helper()
	if got := storetest.SQLitePlan(t, db, query, args...); !strings.Contains(got, index) {
		t.Fatalf("plan %q does not use %s", got, index)
	}
}

// A provider's delivery receipt finds its message by the provider's
// reference, through the partial index on it.
func TestReceiptLookupUsesItsIndex(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	usesIndex(t, db, "post_notifications_provider_ref", receiptQuery, "notify", "ref", StatusSending, StatusAccepted)
}
