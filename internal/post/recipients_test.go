package post

import "testing"

func TestValidEmail(t *testing.T) {
	for addr, want := range map[string]bool{
		"rita@example.org": true, "first.last+tag@sub.example.co.uk": true, "a@b.co": true,
		"": false, "rita": false, "rita@": false, "@example.org": false, "rita@example": false, "ri ta@example.org": false,
		"rita..x@example.org": false, ".rita@example.org": false, "rita@exa_mple.org": false, "rita@-example.org": false,
		"rita@example.o": false, "rita@@example.org": false,
	} {
		if got := ValidEmail(addr); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestNormalisePhone(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
		intl          bool
	}{
		{in: "07700 900123", want: "+447700900123"},
		{in: "+44 7700 900123", want: "+447700900123"},
		{in: "+44 (0)7700 900123", want: "+447700900123"},
		{in: "0044 7700 900123", want: "+447700900123"},
		{in: "447700900123", want: "+447700900123"},
		{in: "7700-900-123", want: "+447700900123"},
		{in: "07700 90012", err: "Not enough digits"},
		{in: "07700 9001234", err: "Too many digits"},
		{in: "01632 960123", err: "Not a UK mobile number"},
		{in: "07700 9OO123", err: "Must not contain letters or symbols"},
		{in: "+1 202 555 0143", err: "Not a UK mobile number"},
		{in: "+1 202 555 0143", want: "+12025550143", intl: true},
		{in: "+1 202", err: "Not enough digits", intl: true},
	} {
		got, err := NormalisePhone(c.in, c.intl)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("NormalisePhone(%q) = %q, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NormalisePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

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
