package forms

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// fuzzValues spreads "|"-separated parts over a page's inputs in order,
// wrapping round so later parts add second values (checkboxes, and the
// duplicated inputs a tampered form might send).
func fuzzValues(names []string, data string) url.Values {
	v := url.Values{}
	for i, p := range strings.Split(data, "|") {
		v.Add(names[i%len(names)], p)
	}
	return v
}

// validFuzzSeed answers every input of everyField's page:
// name|ref|story|count|amount|dob d|m|y|visit d|m|y|email|phone|postcode|
// home l1|l2|town|pc|uprn|lookup|manual|contact|services|reply|evidence|
// officer|officer search, then
// wraps round to give a second checkbox.
const validFuzzSeed = "Ann Smith|AB1234|It all went wrong|3|£1,234.50|6|11|2020|1|4|2026|ann@example.com|+44 7700 900982|sw1a 2aa|" +
	"1 High St||Maidstone|ME14 1XQ|123|||post|bins|yes||usr_ann||Ann||||||||||||||||||||||tax"

// TestFuzzSeedIsAccepted keeps the fuzzer honest: at least one seed must
// get past validation, or the accepted-answers checks would never run.
func TestFuzzSeedIsAccepted(t *testing.T) {
	def := everyField()
	a, _, err := Decode(def, &def.Pages[0], fuzzValues(InputNames(def, def.Pages[0].Fields), validFuzzSeed),
		map[string]*UploadedFile{"evidence": {Name: "x.pdf", Size: 1000, Header: pdfHeader}}, testOpts())
	if err != nil {
		t.Fatalf("seed refused: %v", err.Fields)
	}
	if len(a) != 16 || !reflect.DeepEqual(a["services"], []string{"bins", "tax"}) {
		t.Fatalf("seed answered %d fields: %v", len(a), a)
	}
}

func FuzzDecode(f *testing.F) {
	def := everyField()
	page := &def.Pages[0]
	names := InputNames(def, page.Fields)
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	f.Add(validFuzzSeed, pdfHeader, int64(1000))
	f.Add("Ann||||||||||||||||||||||||", []byte{}, int64(0))
	f.Add("|x|\x00|1e9|12.345|31|2|2023|||2026|a@b|0800|GIR0AA|x||||0000000000000|fax|pool|maybe||usr_eve", pngHeader, int64(5<<20))
	f.Add("Bob|||10.5|0.01|29|feb|2024|15|mar|2026|b@example.org|020 7946 0000|M1 1AE|||||||parking|no|||", []byte("<html>"), int64(10))
	f.Fuzz(func(t *testing.T, data string, header []byte, size int64) {
		values := fuzzValues(names, data)
		var files map[string]*UploadedFile
		if len(header) > 0 || size != 0 {
			if len(header) > 512 {
				header = header[:512]
			}
			files = map[string]*UploadedFile{"evidence": {Name: data, Size: size, Header: header}}
		}
		opts := testOpts()
		a, raw, err := Decode(def, page, values, files, opts)
		for n := range raw {
			if !known[n] {
				t.Fatalf("raw holds unknown input %q", n)
			}
		}
		if err != nil {
			if err.Code != platform.CodeInvalid || len(err.Fields) == 0 {
				t.Fatalf("not an invalid error: %v", err)
			}
			for _, fe := range err.Fields {
				if !known[fe.Field] || fe.Message == "" {
					t.Fatalf("error for unknown input %q: %q", fe.Field, fe.Message)
				}
			}
			return
		}
		// The engine gives an accepted upload its ID before storing.
		if file, ok := a["evidence"].(definition.File); ok {
			file.ID = "att_fuzz"
			a["evidence"] = file
		}
		if err := ValidateAll(def, a, opts); err != nil {
			t.Fatalf("Decode accepted what ValidateAll refuses: %v\nanswers %#v", err.Fields, a)
		}
		// Shown again, the answers decode to themselves.
		opts.Saved = a
		again, _, err := Decode(def, page, Inputs(def, page, a), nil, opts)
		if err != nil || !reflect.DeepEqual(again, a) {
			t.Fatalf("Inputs round trip: %v\n got %#v\nwant %#v", err, again, a)
		}
	})
}

// FuzzNormalise feeds API bodies through Normalise and ValidateAll: no
// panics, only invalid errors, and whatever Normalise accepts fails
// ValidateAll only for questions it left unanswered.
func FuzzNormalise(f *testing.F) {
	def := everyField()
	b, _ := json.Marshal(complete())
	f.Add(b)
	f.Add([]byte(`{"amount":1e308,"home":{"line1":null},"services":[1],"evidence":{"size":-1},"x":{}}`))
	f.Add([]byte(`{"name":"Ann","postcode":"sw1a2aa","count":"1,000","dob":"2020-02-30"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in definition.Answers
		if json.Unmarshal(body, &in) != nil {
			return
		}
		out, err := Normalise(def, in, testOpts())
		if err != nil {
			if err.Code != platform.CodeInvalid {
				t.Fatalf("not an invalid error: %v", err)
			}
			return
		}
		for _, fe := range fieldErrorsOf(ValidateAll(def, out, testOpts())) {
			if _, answered := out[fe.Field]; answered {
				t.Fatalf("Normalise accepted %s = %#v but ValidateAll says %q", fe.Field, out[fe.Field], fe.Message)
			}
		}
	})
}

func fieldErrorsOf(err *platform.Error) []platform.FieldError {
	if err == nil {
		return nil
	}
	return err.Fields
}

func FuzzParsePostcode(f *testing.F) {
	for _, s := range []string{"SW1A 2AA", "gir0aa", "ec1a1bb", "Q1 1AA", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := ParsePostcode(s)
		if !ok {
			return
		}
		if again, ok := ParsePostcode(out); !ok || again != out || len(out) > 8 || strings.ToUpper(out) != out {
			t.Fatalf("%q -> %q is not stable", s, out)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"01632 960 001", "+44 (0)7700 900982", "0044 20 7946 0000", "0800 123 456", "+1 555"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := ParsePhone(s)
		if !ok {
			return
		}
		if !allDigits(out) || out[0] != '0' || len(out) < 10 || len(out) > 11 {
			t.Fatalf("%q -> %q is not a national number", s, out)
		}
		if again, ok := ParsePhone(FormatPhone(out)); !ok || again != out {
			t.Fatalf("%q -> %q -> %q -> %q", s, out, FormatPhone(out), again)
		}
	})
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"£1,234.50", "12.5", "-£5", ".99", "9999999999999.99", "1,23"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := ParseMoney(s)
		if !ok {
			return
		}
		if p > maxPence || p < -maxPence {
			t.Fatalf("%q -> %d is out of range", s, p)
		}
		for _, shown := range []string{poundsText(p), FormatMoney(p)} {
			if again, ok := ParseMoney(shown); !ok || again != p {
				t.Fatalf("%q -> %d -> %q -> %d", s, p, shown, again)
			}
		}
	})
}

func FuzzSanitiseFileName(f *testing.F) {
	for _, s := range []string{"letter.pdf", `C:\a\b.pdf`, "../..", strings.Repeat("é", 200) + ".pdf", "a\u202Eb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := SanitiseFileName(s)
		if out == "" || len(out) > maxFileName || strings.ContainsAny(out, "/\\\x00") || SanitiseFileName(out) != out {
			t.Fatalf("%q -> %q", s, out)
		}
	})
}

// BenchmarkDecodeTypicalPage decodes the "your details" page most services
// open with: name, date of birth, email, phone and address.
func BenchmarkDecodeTypicalPage(b *testing.B) {
	def := everyField()
	page := &definition.Page{ID: "details", Fields: []string{"name", "dob", "email", "phone", "home"}}
	in := vals("name", "Ann Smith", "dob-day", "6", "dob-month", "11", "dob-year", "1980", "email", "ann@example.com",
		"phone", "07700 900 982", "home-line1", "1 High Street", "home-town", "Maidstone", "home-postcode", "me14 1xq")
	opts := testOpts()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(def, page, in, nil, opts); err != nil {
			b.Fatal(err)
		}
	}
}
