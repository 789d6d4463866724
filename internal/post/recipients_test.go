package post

import (
	"errors"
	"strings"
	"testing"

	"dbtp/internal/post/letter"
)

func TestCheckAddress(t *testing.T) {
	got, why := checkAddress([]string{"Rita Resident", " 1  High Street ", "", "Northtown", "ns1 1aa"})
	if why != "" || len(got) != 4 || got[3] != "NS1 1AA" || got[1] != "1 High Street" {
		t.Fatalf("address %q, %s", got, why)
	}
	for _, abroad := range [][]string{{"Rita", "1 Rue de Rivoli", "Paris", "France"}, {"Anna Gruber", "Hauptstraße 1", "1010 Wien", "Österreich"}} {
		if _, why := checkAddress(abroad); why != "" {
			t.Errorf("address abroad %q: %s", abroad, why)
		}
	}
}

// TestOneAddressCheck: an address is refused for the same reason, in the
// same words, whether it is sent (the API, a page) or printed.
func TestOneAddressCheck(t *testing.T) {
	for _, c := range []struct {
		lines []string
		says  string
	}{
		{[]string{"Rita", "NS1 1AA"}, "Address must be at least 3 lines"},
		{[]string{"Rita", " ", "", "NS1 1AA"}, "Address must be at least 3 lines"},
		{[]string{"1", "2", "3", "4", "5", "6", "7", "NS1 1AA"}, "Address must be no more than 7 lines"},
		{[]string{"Rita", "1 High Street", "12345"}, "Last line of address must be a real UK postcode or another country"},
		{[]string{"Rita", "1 High Street", "NS1 1A"}, "Last line of address must be a real UK postcode or another country"},
		{[]string{"Rita", "1 High Street", "Fr"}, "Last line of address must be a real UK postcode or another country"},
		{[]string{"Rita", strings.Repeat("x", 101), "NS1 1AA"}, "Address lines must be 100 characters or fewer"},
	} {
		_, why := checkAddress(c.lines)
		_, _, err := letter.Render(letter.Letter{Address: c.lines})
		var ae *letter.AddressError
		if why != c.says || !errors.As(err, &ae) || ae.Reason != c.says || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: sending says %q, printing %v; want %q", c.lines, why, err, c.says)
		}
	}
}
