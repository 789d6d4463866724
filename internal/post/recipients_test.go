package post

import "testing"

func TestCheckAddress(t *testing.T) {
	got, why := checkAddress([]string{"Rita Resident", " 1 High Street ", "", "Northtown", "ns1 1aa"})
	if why != "" || len(got) != 4 || got[3] != "NS1 1AA" || got[1] != "1 High Street" {
		t.Fatalf("address %q, %s", got, why)
	}
	for _, lines := range [][]string{{"Rita", "NS1 1AA"}, {"Rita", "1 High Street", "12345"}, {"1", "2", "3", "4", "5", "6", "7", "NS1 1AA"}} {
		if _, why := checkAddress(lines); why == "" {
			t.Errorf("address %q accepted", lines)
		}
	}
	if _, why := checkAddress([]string{"Rita", "1 Rue de Rivoli", "Paris", "France"}); why != "" {
		t.Errorf("address abroad: %s", why)
	}
}
