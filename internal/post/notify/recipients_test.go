package notify

import (
	"errors"
	"testing"
)

func TestValidateEmail(t *testing.T) {
	for _, ok := range []string{"ann@kent.gov.uk", " ann.o'neil+x@Example.COM ", "a@b.co", "x@xn--bcher-kva.example", "jo@bücher.de", "\u200bann@kent.gov.uk"} {
		if _, err := ValidateEmail(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ann", "ann@", "@kent.gov.uk", "ann@kent", "ann..b@kent.gov.uk", "ann@kent..gov.uk", "ann@-kent.gov.uk",
		"ann@kent.gov.u", "ann@kent.gov.123", "a b@kent.gov.uk", "ann@ke nt.gov.uk", "ann@kent.gov.uk.", "ann<@kent.gov.uk", "ann@kent_x.gov.uk"} {
		_, err := ValidateEmail(bad)
		var re *RecipientError
		if !errors.As(err, &re) || re.Message != MsgInvalidEmail {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func TestValidatePhone(t *testing.T) {
	for in, want := range map[string]string{
		"07700 900123": "447700900123", "+44 7700 900123": "447700900123", "+44 (0)7700-900123": "447700900123",
		"0044 7700 900 123": "447700900123", "7700900123": "447700900123",
	} {
		got, intl, err := ValidatePhone(in, false)
		if err != nil || got != want || intl {
			t.Errorf("%q: %q %v %v", in, got, intl, err)
		}
	}
	for in, msg := range map[string]string{
		"01632 960001": MsgNotUKMobile, "07700 90012": MsgNotEnoughDigits, "07700 9001234": MsgTooManyDigits,
		"07700 9OO123": MsgLettersOrSymbols, "+33 6 12 34 56 78": MsgNoInternationalSM, "+999 123456789": MsgCountryPrefix,
		"+1 234": MsgNotEnoughDigits, "+1 2345678901234567": MsgTooManyDigits,
	} {
		_, _, err := ValidatePhone(in, false)
		var re *RecipientError
		if !errors.As(err, &re) || re.Message != msg {
			t.Errorf("%q: got %v, want %q", in, err, msg)
		}
	}
	got, intl, err := ValidatePhone("+33 6 12 34 56 78", true)
	if err != nil || got != "33612345678" || !intl {
		t.Fatalf("%q %v %v", got, intl, err)
	}
}

func FuzzValidatePhone(f *testing.F) {
	f.Add("07700 900123")
	f.Add("+1 (555) 010-9999")
	f.Fuzz(func(t *testing.T, s string) {
		n, _, err := ValidatePhone(s, true)
		if err != nil {
			return
		}
		for _, r := range n {
			if r < '0' || r > '9' {
				t.Fatalf("%q normalised to %q", s, n)
			}
		}
		if len(n) < 8 || len(n) > 15 {
			t.Fatalf("%q normalised to %q", s, n)
		}
	})
}

func FuzzValidateEmail(f *testing.F) {
	f.Add("ann@kent.gov.uk")
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ValidateEmail(s); err == nil {
			if _, err := ValidateEmail(a); err != nil {
				t.Fatalf("%q valid but %q not", s, a)
			}
		}
	})
}
