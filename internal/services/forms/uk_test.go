package forms

import (
	"strings"
	"testing"
)

func TestParsePostcode(t *testing.T) {
	good := map[string]string{
		"SW1A 2AA": "SW1A 2AA", "sw1a2aa": "SW1A 2AA", " m1 1ae ": "M1 1AE", "B33 8TH": "B33 8TH", "CR2 6XH": "CR2 6XH",
		"DN55 1PT": "DN55 1PT", "W1A 0AX": "W1A 0AX", "EC1A 1BB": "EC1A 1BB", "gir0aa": "GIR 0AA", "ME14  1XQ": "ME14 1XQ",
	}
	for in, want := range good {
		if got, ok := ParsePostcode(in); !ok || got != want {
			t.Errorf("ParsePostcode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "SW1A", "SW1A 2A", "Q1 1AA", "AI1 1AA", "A1 1CA", "SW1A 2AAA", "12345", "SW1A-2AA", "ＳＷ1A 2AA", "EC1A 1BB EC1A 1BB"} {
		if got, ok := ParsePostcode(in); ok {
			t.Errorf("ParsePostcode(%q) accepted as %q", in, got)
		}
	}
}

func TestParsePhone(t *testing.T) {
	good := map[string]string{
		"01632 960 001": "01632960001", "07700 900 982": "07700900982", "07700900982": "07700900982",
		"+447700900982": "07700900982", "+44 (0)20 7946 0000": "02079460000", "0044 20 7946 0000": "02079460000",
		"+44 020 7946 0000": "02079460000", "(01632) 960-001": "01632960001", "0800 123 456": "0800123456", "01632 96000": "0163296000",
		"0300 123 4567": "03001234567",
	}
	for in, want := range good {
		if got, ok := ParsePhone(in); !ok || got != want {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "999", "07700 900 98", "07700 900 9821", "0770090098", "+1 202 555 0100", "00 7700 900982",
		"04700 900 982", "07700.900.982", "07700 900 982 ext 2", "+", strings.Repeat("0", 40)} {
		if got, ok := ParsePhone(in); ok {
			t.Errorf("ParsePhone(%q) accepted as %q", in, got)
		}
	}
}

func TestParseMoney(t *testing.T) {
	good := map[string]int64{
		"12.50": 1250, "12.5": 1250, "12": 1200, "£12": 1200, "£1,234.56": 123456, "1,234,567": 123456700, ".99": 99,
		"0.01": 1, "-5": -500, "-£5.10": -510, "£-5": -500, " £ 1 000 ": 100000, "9999999999999.99": 999999999999999,
	}
	for in, want := range good {
		if got, ok := ParseMoney(in); !ok || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "£", "12.345", "12.", "1,23", "12,3456", "1e5", "twelve", "£12p", "--5", "10000000000000",
		"12.5.0", "+5", "0x10", "١٢"} {
		if got, ok := ParseMoney(in); ok {
			t.Errorf("ParseMoney(%q) accepted as %d", in, got)
		}
	}
}

func TestParseEmail(t *testing.T) {
	for _, in := range []string{"name@example.com", "a.b-c+d@sub.example.co.uk", "x@xn--bcher-kva.example"} {
		if _, ok := parseEmail(in); !ok {
			t.Errorf("parseEmail(%q) refused", in)
		}
	}
	for _, in := range []string{"", "name", "@example.com", "name@", "name@example", "a@@example.com", "a b@example.com",
		".a@example.com", "a..b@example.com", "a@-example.com", "a@example.c", "a@example.123", "a@exa_mple.com",
		strings.Repeat("a", 65) + "@example.com", "a@" + strings.Repeat("b", 250) + ".com", "ann@example.com\n"} {
		if got, ok := parseEmail(in); ok {
			t.Errorf("parseEmail(%q) accepted as %q", in, got)
		}
	}
}

func TestSanitiseFileName(t *testing.T) {
	cases := map[string]string{
		"letter.pdf":                      "letter.pdf",
		`C:\Users\ann\letter.pdf`:         "letter.pdf",
		"../../etc/passwd":                "passwd",
		"..":                              "upload",
		".htaccess":                       "htaccess",
		"":                                "upload",
		"bad\x00name\n.pdf":               "badname.pdf",
		"invoice\u202Efdp.exe":            "invoicefdp.exe",
		`what?<b>"x"</b>|*.pdf`:           "b.pdf",
		strings.Repeat("é", 200) + ".pdf": strings.Repeat("é", 125) + ".pdf",
	}
	for in, want := range cases {
		got := SanitiseFileName(in)
		if got != want {
			t.Errorf("SanitiseFileName(%q) = %q, want %q", in, got, want)
		}
		if len(got) > 255 || SanitiseFileName(got) != got {
			t.Errorf("SanitiseFileName(%q) = %q is too long or not stable", in, got)
		}
	}
}
