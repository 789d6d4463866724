package forms

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// field picks one field of everyField by ID, optionally changed.
func field(id string, change ...func(*definition.Field)) definition.Field {
	f := *fieldByID(everyField(), id)
	for _, c := range change {
		c(&f)
	}
	return f
}

func required(f *definition.Field) { f.Required = true }

// decodeOne decodes a page holding only f.
func decodeOne(t *testing.T, f definition.Field, in url.Values, files map[string]*UploadedFile) (any, map[string]string) {
	t.Helper()
	def := &definition.Definition{ID: "one", Fields: []definition.Field{f}, Pages: []definition.Page{{ID: "p", Fields: []string{f.ID}}}}
	a, _, err := Decode(def, &def.Pages[0], in, files, testOpts())
	if err != nil {
		return nil, fieldErrors(t, err)
	}
	if len(a) > 1 {
		t.Fatalf("answers for fields not on the page: %v", a)
	}
	return a[f.ID], nil
}

type decodeCase struct {
	name    string
	field   definition.Field
	in      url.Values
	want    any               // canonical answer; nil means no answer
	wantErr map[string]string // input name -> message
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, errs := decodeOne(t, c.field, c.in, nil)
			if !reflect.DeepEqual(errs, c.wantErr) {
				t.Fatalf("errors:\n got %v\nwant %v", errs, c.wantErr)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("answer: got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	name := field("name")
	story := field("story")
	runDecodeCases(t, []decodeCase{
		{"trimmed", name, vals("name", "  Ann Smith \t"), "Ann Smith", nil},
		{"required", name, vals("name", "   "), nil, map[string]string{"name": "Enter your full name"}},
		{"missing input", name, url.Values{}, nil, map[string]string{"name": "Enter your full name"}},
		{"max in characters not bytes", name, vals("name", strings.Repeat("é", 40)), strings.Repeat("é", 40), nil},
		{"too long", name, vals("name", strings.Repeat("a", 41)), nil, map[string]string{"name": "Your full name must be 40 characters or fewer"}},
		{"default max 500", field("ref", func(f *definition.Field) { f.Pattern = "" }), vals("ref", strings.Repeat("a", 501)), nil,
			map[string]string{"ref": "Reference must be 500 characters or fewer"}},
		{"control character", name, vals("name", "Ann\x00Smith"), nil, map[string]string{"name": "Your full name must not include special characters"}},
		{"newline in one-line text", name, vals("name", "Ann\nSmith"), nil, map[string]string{"name": "Your full name must not include special characters"}},
		{"invalid utf-8", name, vals("name", "Ann\xffSmith"), nil, map[string]string{"name": "Your full name must not include special characters"}},
		{"pattern", field("ref"), vals("ref", "AB1234"), "AB1234", nil},
		{"pattern is anchored", field("ref"), vals("ref", "xAB1234x"), nil, map[string]string{"ref": "Enter a reference like AB1234"}},
		{"pattern default message", field("ref", func(f *definition.Field) { f.PatternMessage = "" }), vals("ref", "nope"), nil,
			map[string]string{"ref": "Enter reference in the correct format"}},
		{"optional empty", field("ref"), vals("ref", ""), nil, nil},
		{"long text keeps newlines, CRLF normalised", story, vals("story", "Line one\r\nLine two\rthree"), "Line one\nLine two\nthree", nil},
		{"long text tab refused", story, vals("story", "col1\tcol2 and more"), nil, map[string]string{"story": "Your answer must not include special characters"}},
		{"min length", story, vals("story", "short"), nil, map[string]string{"story": "Your answer must be 10 characters or more"}},
		{"long text default max", story, vals("story", strings.Repeat("x", 10001)), nil, map[string]string{"story": "Your answer must be 10000 characters or fewer"}},
	})
}

func TestDecodeNumberAndMoney(t *testing.T) {
	count, amount := field("count"), field("amount")
	runDecodeCases(t, []decodeCase{
		{"number", count, vals("count", "3"), "3", nil},
		{"number shortest form", count, vals("count", "0010.50"), "10.5", nil},
		{"number at max", count, vals("count", "10.5"), "10.5", nil},
		{"number over max", count, vals("count", "10.51"), nil, map[string]string{"count": "Number of people must be between 1 and 10.5"}},
		{"number under min", count, vals("count", "0.99"), nil, map[string]string{"count": "Number of people must be between 1 and 10.5"}},
		{"number words", count, vals("count", "three"), nil, map[string]string{"count": "Number of people must be a number"}},
		{"number misplaced comma", count, vals("count", "1,5"), nil, map[string]string{"count": "Number of people must be a number"}},
		{"number exponent", count, vals("count", "1e3"), nil, map[string]string{"count": "Number of people must be a number"}},
		{"number huge", field("count", func(f *definition.Field) { f.Max = nil }), vals("count", strings.Repeat("9", 41)), nil,
			map[string]string{"count": "Number of people must be a number"}},
		{"number negative with commas", field("count", func(f *definition.Field) { f.Min, f.Max = nil, nil }), vals("count", "-1,234.500"), "-1234.5", nil},
		{"money pounds and pence", amount, vals("amount", "12.50"), int64(1250), nil},
		{"money pound sign and commas", amount, vals("amount", "£1,234.5"), int64(123450), nil},
		{"money whole pounds", amount, vals("amount", " 7 "), int64(700), nil},
		{"money pence only", amount, vals("amount", "0.99"), int64(99), nil},
		{"money three decimals", amount, vals("amount", "12.345"), nil, map[string]string{"amount": "Enter an amount in pounds and pence, like 12.50"}},
		{"money words", amount, vals("amount", "ten pounds"), nil, map[string]string{"amount": "Enter an amount in pounds and pence, like 12.50"}},
		{"money absurd", field("amount", func(f *definition.Field) { f.Max = nil }), vals("amount", "99999999999999"), nil,
			map[string]string{"amount": "Enter an amount in pounds and pence, like 12.50"}},
		{"money negative without a min", amount, vals("amount", "-5"), nil, map[string]string{"amount": "Amount claimed must be between £0.00 and £1,000,000.00"}},
		{"money over max", amount, vals("amount", "1000000.01"), nil, map[string]string{"amount": "Amount claimed must be between £0.00 and £1,000,000.00"}},
		{"money min only", field("amount", func(f *definition.Field) { f.Min, f.Max = f64(5), nil }), vals("amount", "4.99"), nil,
			map[string]string{"amount": "Amount claimed must be £5.00 or more"}},
		{"money required", field("amount", required), vals("amount", ""), nil, map[string]string{"amount": "Enter amount claimed"}},
	})
}

func TestDecodeDates(t *testing.T) {
	dob, visit := field("dob"), field("visit")
	date := func(id, d, m, y string) url.Values { return vals(id+"-day", d, id+"-month", m, id+"-year", y) }
	runDecodeCases(t, []decodeCase{
		{"real date", dob, date("dob", "6", "11", "2020"), "2020-11-06", nil},
		{"month name", dob, date("dob", "06", "November", "2020"), "2020-11-06", nil},
		{"month abbreviation", dob, date("dob", "6", "nov", "2020"), "2020-11-06", nil},
		{"leap day", dob, date("dob", "29", "2", "2024"), "2024-02-29", nil},
		{"not a leap year", dob, date("dob", "29", "2", "2023"), nil, map[string]string{"dob-day": "Date of birth must be a real date"}},
		{"31 April", dob, date("dob", "31", "4", "2020"), nil, map[string]string{"dob-day": "Date of birth must be a real date"}},
		{"month 13", dob, date("dob", "1", "13", "2020"), nil, map[string]string{"dob-day": "Date of birth must be a real date"}},
		{"month words", dob, date("dob", "1", "Novembre", "2020"), nil, map[string]string{"dob-month": "Date of birth must be a real date"}},
		{"day sign", dob, date("dob", "+1", "1", "2020"), nil, map[string]string{"dob-day": "Date of birth must be a real date"}},
		{"two-digit year", dob, date("dob", "1", "1", "20"), nil, map[string]string{"dob-year": "Year must include 4 numbers"}},
		{"missing month", dob, date("dob", "1", "", "2020"), nil, map[string]string{"dob-month": "Date of birth must include a month"}},
		{"missing day and year", dob, date("dob", "", "3", ""), nil, map[string]string{"dob-day": "Date of birth must include a day and year"}},
		{"all empty optional", dob, date("dob", " ", "", ""), nil, nil},
		{"all empty required", field("dob", required), date("dob", "", "", ""), nil, map[string]string{"dob-day": "Enter date of birth"}},
		{"today is not in the past", dob, date("dob", "15", "3", "2026"), nil, map[string]string{"dob-day": "Date of birth must be in the past"}},
		{"yesterday is", dob, date("dob", "14", "3", "2026"), "2026-03-14", nil},
		{"after yesterday allows today", visit, date("visit", "15", "3", "2026"), "2026-03-15", nil},
		{"after yesterday refuses yesterday", visit, date("visit", "14", "3", "2026"), nil, map[string]string{"visit-day": "Visit date must be today or in the future"}},
		{"before a fixed date", visit, date("visit", "25", "12", "2026"), nil, map[string]string{"visit-day": "Visit date must be before 25 December 2026"}},
		{"after today", field("visit", func(f *definition.Field) { f.After, f.Before = "today", "" }), date("visit", "15", "3", "2026"), nil,
			map[string]string{"visit-day": "Visit date must be in the future"}},
		{"before tomorrow", field("visit", func(f *definition.Field) { f.After, f.Before = "", "tomorrow" }), date("visit", "16", "3", "2026"), nil,
			map[string]string{"visit-day": "Visit date must be today or in the past"}},
		{"after a fixed date", field("visit", func(f *definition.Field) { f.After, f.Before = "2020-01-01", "" }), date("visit", "1", "1", "2020"), nil,
			map[string]string{"visit-day": "Visit date must be after 1 January 2020"}},
	})
}

func TestTodayIsLondonsDay(t *testing.T) {
	if _, err := time.LoadLocation("Europe/London"); err != nil {
		t.Skip("no zone database here")
	}
	// 23:30 UTC on 30 June is already 1 July in London (BST), whatever
	// zone the server runs in.
	opts := Options{Now: func() time.Time { return time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC) }}
	if got := opts.today().Format(dateLayout); got != "2026-07-01" {
		t.Fatalf("today = %s, want 2026-07-01", got)
	}
}

func TestDecodeUKFormatsAndEmail(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{"email", field("email"), vals("email", " Ann.Smith+council@Example.GOV.uk "), "Ann.Smith+council@example.gov.uk", nil},
		{"email two addresses", field("email"), vals("email", "a@example.com, b@example.com"), nil,
			map[string]string{"email": "Enter an email address in the correct format, like name@example.com"}},
		{"email no domain dot", field("email"), vals("email", "ann@localhost"), nil,
			map[string]string{"email": "Enter an email address in the correct format, like name@example.com"}},
		{"email required", field("email", required), vals("email", ""), nil, map[string]string{"email": "Enter email address"}},
		{"phone", field("phone"), vals("phone", "01632 960 001"), "01632960001", nil},
		{"phone international", field("phone"), vals("phone", "+44 (0)7700-900 982"), "07700900982", nil},
		{"phone brackets", field("phone"), vals("phone", "(020) 7946 0000"), "02079460000", nil},
		{"phone abroad", field("phone"), vals("phone", "+33 1 23 45 67 89"), nil,
			map[string]string{"phone": "Enter a telephone number, like 01632 960 001 or 07700 900 982"}},
		{"phone letters", field("phone"), vals("phone", "0800 FLOWERS"), nil,
			map[string]string{"phone": "Enter a telephone number, like 01632 960 001 or 07700 900 982"}},
		{"postcode", field("postcode"), vals("postcode", "sw1a2aa"), "SW1A 2AA", nil},
		{"postcode GIR", field("postcode"), vals("postcode", "gir 0aa"), "GIR 0AA", nil},
		{"postcode bad", field("postcode"), vals("postcode", "SW1A 2AAA"), nil, map[string]string{"postcode": "Enter a UK postcode, like SW1A 2AA"}},
		{"postcode required", field("postcode", required), vals("postcode", ""), nil, map[string]string{"postcode": "Enter postcode"}},
	})
}

func TestDecodeAddress(t *testing.T) {
	home := field("home")
	addr := func(l1, l2, town, pc, uprn string) url.Values {
		return vals("home-line1", l1, "home-line2", l2, "home-town", town, "home-postcode", pc, "home-uprn", uprn)
	}
	runDecodeCases(t, []decodeCase{
		{"full", home, addr(" 1 High Street ", "", "Maidstone", "me14 1xq", "000200003656"),
			definition.Address{Line1: "1 High Street", Town: "Maidstone", Postcode: "ME14 1XQ", UPRN: "200003656"}, nil},
		{"optional and empty", home, addr("", "", "", "", ""), nil, nil},
		{"required and empty", field("home", required), addr("", "", "", "", ""), nil, map[string]string{
			"home-line1": "Enter address line 1, typically the building and street", "home-town": "Enter town or city", "home-postcode": "Enter postcode"}},
		{"partly filled", home, addr("1 High Street", "", "", "ME14 1XQ", ""), nil, map[string]string{"home-town": "Enter town or city"}},
		{"bad postcode and UPRN", home, addr("1 High Street", "", "Maidstone", "ME14", "12345678901234"), nil, map[string]string{
			"home-postcode": "Enter a UK postcode, like SW1A 2AA", "home-uprn": "UPRN must be a number of up to 12 digits"}},
		{"control character", home, addr("1 High\x07 Street", "", "Maidstone", "ME14 1XQ", ""), nil,
			map[string]string{"home-line1": "Address line 1 must not include special characters"}},
	})
}

func TestDecodeChoices(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{"choice", field("contact"), vals("contact", "phone"), "phone", nil},
		{"choice not an option", field("contact"), vals("contact", "pigeon"), nil, map[string]string{"contact": "Select an option"}},
		{"choice required", field("contact", required), vals(), nil, map[string]string{"contact": "Select an option"}},
		{"checkboxes de-duplicated in option order", field("services"), url.Values{"services": {"tax", "bins", "tax", ""}}, []string{"bins", "tax"}, nil},
		{"checkboxes not an option", field("services"), url.Values{"services": {"bins", "pool"}}, nil,
			map[string]string{"services": "Select services you use from the list"}},
		{"checkboxes required means one", field("services", required), vals("services", ""), nil, map[string]string{"services": "Select services you use"}},
		{"yes", field("reply"), vals("reply", "yes"), "yes", nil},
		{"no", field("reply"), vals("reply", "no"), "no", nil},
		{"yes_no other", field("reply"), vals("reply", "maybe"), nil, map[string]string{"reply": "Select yes if you want a reply"}},
		{"yes_no required", field("reply", required), vals(), nil, map[string]string{"reply": "Select yes if you want a reply"}},
		{"person", field("officer"), vals("officer", "usr_ann"), "usr_ann", nil},
		{"person unknown", field("officer"), vals("officer", "usr_eve"), nil, map[string]string{"officer": "Select officer from the list"}},
		{"person required", field("officer", required), vals(), nil, map[string]string{"officer": "Select officer"}},
	})
}

func TestDecodePersonWithoutLookupIsRefused(t *testing.T) {
	def := everyField()
	opts := testOpts()
	opts.People = nil
	_, _, err := DecodeFields(def, []string{"officer"}, vals("officer", "usr_ann"), nil, opts)
	if fieldErrors(t, err)["officer"] != "Select officer" {
		t.Fatalf("got %v", err)
	}
}

func TestDecodeFiles(t *testing.T) {
	ev := field("evidence")
	cases := []struct {
		name    string
		up      *UploadedFile
		want    any
		wantErr string
	}{
		{"pdf", &UploadedFile{Name: `C:\Users\ann\Desktop\letter.pdf`, Size: 2200000 / 4, Header: pdfHeader},
			definition.File{Name: "letter.pdf", MediaType: "application/pdf", Size: 550000}, ""},
		{"png named pdf is still a png", &UploadedFile{Name: "photo.pdf", Size: 10, Header: pngHeader},
			definition.File{Name: "photo.pdf", MediaType: "image/png", Size: 10}, ""},
		{"claims pdf but is html", &UploadedFile{Name: "x.pdf", Size: 20, Header: []byte("<html><script>alert(1)</script>")}, nil,
			"The selected file must be a PDF or PNG"},
		{"empty", &UploadedFile{Name: "a.pdf", Size: 0}, nil, "The selected file is empty"},
		{"too big", &UploadedFile{Name: "a.pdf", Size: 1<<20 + 1, Header: pdfHeader}, nil, "The selected file must be smaller than 1 MB"},
		{"no file, required", nil, nil, "Select evidence"},
	}
	ev.Required = true
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var files map[string]*UploadedFile
			if c.up != nil {
				files = map[string]*UploadedFile{"evidence": c.up}
			}
			got, errs := decodeOne(t, ev, url.Values{}, files)
			if errs["evidence"] != c.wantErr || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, %v; want %#v, %q", got, errs, c.want, c.wantErr)
			}
		})
	}
}

func TestDecodeFileKeepsTheSavedFile(t *testing.T) {
	def := everyField()
	opts := testOpts()
	saved := map[string]any{"id": "att_1", "name": "letter.pdf", "media_type": "application/pdf", "size": float64(1000)} // as read back from JSON
	opts.Saved = definition.Answers{"evidence": saved}
	a, _, err := DecodeFields(def, []string{"evidence"}, url.Values{}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := definition.File{ID: "att_1", Name: "letter.pdf", MediaType: "application/pdf", Size: 1000}
	if a["evidence"] != want {
		t.Fatalf("got %#v", a["evidence"])
	}
}

func TestDecodeOfficeDocumentsByNameAndContent(t *testing.T) {
	f := field("evidence", func(f *definition.Field) { f.Accept = []string{ooxml[".docx"]} })
	zip := []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
	got, errs := decodeOne(t, f, nil, map[string]*UploadedFile{"evidence": {Name: "Report.DOCX", Size: 100, Header: zip}})
	if errs != nil || got.(definition.File).MediaType != ooxml[".docx"] {
		t.Fatalf("docx: %v %v", got, errs)
	}
	_, errs = decodeOne(t, f, nil, map[string]*UploadedFile{"evidence": {Name: "archive.zip", Size: 100, Header: zip}})
	if errs["evidence"] != "The selected file must be a DOCX" {
		t.Fatalf("zip: %v", errs)
	}
}

func TestDecodeWholePageKeepsRawInputsAndReportsInPageOrder(t *testing.T) {
	def := everyField()
	in := vals("name", "", "dob-day", "31", "dob-month", "2", "dob-year", "2001", "email", "not-an-email",
		"amount", "£12", "csrf", "token", "unrelated", "x")
	a, raw, err := Decode(def, &def.Pages[0], in, nil, testOpts())
	if a != nil {
		t.Fatalf("answers returned with errors: %v", a)
	}
	var order []string
	for _, fe := range err.Fields {
		order = append(order, fe.Field)
	}
	if want := []string{"name", "dob-day", "email"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("error order %v, want %v", order, want)
	}
	if raw.Get("dob-day") != "31" || raw.Get("dob-month") != "2" || raw.Get("email") != "not-an-email" || raw.Get("amount") != "£12" {
		t.Fatalf("raw inputs lost: %v", raw)
	}
	if raw.Has("csrf") || raw.Has("unrelated") {
		t.Fatalf("raw holds inputs that are not the page's: %v", raw)
	}
}

func TestDecodeSkipsInternalFieldsForApplicants(t *testing.T) {
	def := everyField()
	a, _, err := DecodeFields(def, []string{"notes"}, vals("notes", "staff only"), nil, testOpts())
	if err != nil || len(a) != 0 {
		t.Fatalf("applicant set an internal field: %v %v", a, err)
	}
	opts := testOpts()
	opts.AllowInternal = true
	a, _, err = DecodeFields(def, []string{"notes"}, vals("notes", "staff only"), nil, opts)
	if err != nil || a["notes"] != "staff only" {
		t.Fatalf("staff could not set an internal field: %v %v", a, err)
	}
}

func TestDecodeUnknownFieldOnPageIsInternal(t *testing.T) {
	def := everyField()
	_, _, err := DecodeFields(def, []string{"nope"}, url.Values{}, nil, testOpts())
	if err == nil || err.Code != platform.CodeInternal {
		t.Fatalf("got %v", err)
	}
}

func TestInputsRoundTrip(t *testing.T) {
	def := everyField()
	want := definition.Answers{
		"name": "Ann Smith", "ref": "AB1234", "story": "It went wrong\ntwice.", "count": "2.5", "amount": int64(123450),
		"dob": "1980-02-29", "visit": "2026-04-01", "email": "ann@example.com", "phone": "07700900982", "postcode": "ME14 1XQ",
		"home":    definition.Address{Line1: "1 High Street", Line2: "Flat 2", Town: "Maidstone", Postcode: "ME14 1XQ", UPRN: "200003656"},
		"contact": "post", "services": []string{"bins", "tax"}, "reply": "no", "officer": "usr_bob",
		"evidence": definition.File{ID: "att_1", Name: "letter.pdf", MediaType: "application/pdf", Size: 1000},
	}
	opts := testOpts()
	opts.Saved = want
	got, _, err := Decode(def, &def.Pages[0], Inputs(def, &def.Pages[0], want), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, want)
	}
	if err := ValidateAll(def, got, opts); err != nil {
		t.Fatalf("decoded answers fail ValidateAll: %v", err.Fields)
	}
}
