package post

import (
	"context"
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
	rows, err := db.Query(context.Background(), "EXPLAIN QUERY PLAN "+byClientKeyQuery, "svc", "key")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "post_notifications_client_key") {
		t.Fatalf("plan %q does not use post_notifications_client_key", got)
	}
}
