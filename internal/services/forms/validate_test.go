package forms

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"

	"dbtp/internal/services/definition"
)

// complete is a valid, canonical set of answers to everyField.
func complete() definition.Answers {
	return definition.Answers{
		"name": "Ann Smith", "ref": "AB1234", "story": "It went wrong twice.", "count": "2", "amount": int64(1250),
		"dob": "1980-02-29", "email": "ann@example.com", "phone": "07700900982", "postcode": "ME14 1XQ",
		"home":    definition.Address{Line1: "1 High Street", Town: "Maidstone", Postcode: "ME14 1XQ"},
		"contact": "email", "services": []string{"bins"}, "reply": "yes", "officer": "usr_ann",
		"evidence": definition.File{ID: "att_1", Name: "letter.pdf", MediaType: "application/pdf", Size: 1000},
	}
}

func TestValidateAllAcceptsCompleteAnswersAndTheirJSON(t *testing.T) {
	def := everyField()
	if err := ValidateAll(def, complete(), testOpts()); err != nil {
		t.Fatalf("refused: %v", err.Fields)
	}
	// The same answers stored and read back as JSON are still valid.
	b, _ := json.Marshal(complete())
	var back definition.Answers
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := ValidateAll(def, back, testOpts()); err != nil {
		t.Fatalf("JSON round trip refused: %v", err.Fields)
	}
}

func TestValidateAllRefuses(t *testing.T) {
	def := everyField()
	cases := []struct {
		name   string
		change func(a definition.Answers)
		opts   func(*Options)
		want   map[string]string
	}{
		{"unknown field", func(a definition.Answers) { a["nmae"] = "typo" }, nil,
			map[string]string{"nmae": `"nmae" is not a question in this service`}},
		{"internal field from an applicant", func(a definition.Answers) { a["notes"] = "I am staff now" }, nil,
			map[string]string{"notes": "Case notes is filled in by council staff"}},
		{"required missing", func(a definition.Answers) { delete(a, "name") }, nil,
			map[string]string{"name": "Enter your full name"}},
		{"required blank", func(a definition.Answers) { a["name"] = " " }, nil,
			map[string]string{"name": "Enter your full name"}},
		{"money as text", func(a definition.Answers) { a["amount"] = "12.50" }, nil,
			map[string]string{"amount": "Amount claimed must be given as a whole number of pence"}},
		{"money with fractions of a penny", func(a definition.Answers) { a["amount"] = 12.5 }, nil,
			map[string]string{"amount": "Amount claimed must be given as a whole number of pence"}},
		{"money over max", func(a definition.Answers) { a["amount"] = int64(100000001) }, nil,
			map[string]string{"amount": "Amount claimed must be between £0.00 and £1,000,000.00"}},
		{"text as number", func(a definition.Answers) { a["name"] = 42 }, nil,
			map[string]string{"name": "Your full name must be given as text"}},
		{"postcode not normalised", func(a definition.Answers) { a["postcode"] = "me14 1xq" }, nil,
			map[string]string{"postcode": `Postcode must be given in its normal form, "ME14 1XQ"`}},
		{"date not canonical", func(a definition.Answers) { a["dob"] = "29/02/1980" }, nil,
			map[string]string{"dob": "Date of birth must be a real date in the form YYYY-MM-DD"}},
		{"date in the future", func(a definition.Answers) { a["dob"] = "2030-01-01" }, nil,
			map[string]string{"dob": "Date of birth must be in the past"}},
		{"choice not an option", func(a definition.Answers) { a["contact"] = "fax" }, nil,
			map[string]string{"contact": "Select an option"}},
		{"checkboxes not a list", func(a definition.Answers) { a["services"] = "bins" }, nil,
			map[string]string{"services": "Services you use must be given as a list of option values"}},
		{"checkboxes duplicated", func(a definition.Answers) { a["services"] = []string{"bins", "bins"} }, nil,
			map[string]string{"services": "Services you use must be given in its normal form"}},
		{"address with extra keys", func(a definition.Answers) { a["home"] = map[string]any{"line1": "x", "evil": "y"} }, nil,
			map[string]string{"home": "Address must be given as an address with line1, line2, town, postcode and uprn"}},
		{"address missing town", func(a definition.Answers) { a["home"] = definition.Address{Line1: "1 High St", Postcode: "ME14 1XQ"} }, nil,
			map[string]string{"home": "Enter town or city"}},
		{"file without an ID", func(a definition.Answers) {
			a["evidence"] = definition.File{Name: "a.pdf", MediaType: "application/pdf", Size: 1}
		}, nil, map[string]string{"evidence": "Evidence must refer to an uploaded file"}},
		{"file of a type not accepted", func(a definition.Answers) {
			a["evidence"] = definition.File{ID: "att_1", Name: "a.exe", MediaType: "application/octet-stream", Size: 1}
		}, nil, map[string]string{"evidence": "The selected file must be a PDF or PNG"}},
		{"file name with a path", func(a definition.Answers) {
			a["evidence"] = definition.File{ID: "att_1", Name: "../../etc/passwd", MediaType: "application/pdf", Size: 1}
		}, nil, map[string]string{"evidence": "Evidence must have a file name without folders or special characters"}},
		{"person unknown", func(a definition.Answers) { a["officer"] = "usr_eve" }, nil,
			map[string]string{"officer": "Select officer from the list"}},
		{"yes_no in capitals", func(a definition.Answers) { a["reply"] = "YES" }, nil,
			map[string]string{"reply": "Select yes if you want a reply"}},
		{"internal field of the wrong shape from staff", func(a definition.Answers) { a["notes"] = []string{"x"} }, func(o *Options) { o.AllowInternal = true },
			map[string]string{"notes": "Case notes must be given as text"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := complete()
			c.change(a)
			opts := testOpts()
			if c.opts != nil {
				c.opts(&opts)
			}
			if got := fieldErrors(t, ValidateAll(def, a, opts)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestValidateAllLetsStaffSetInternalFields(t *testing.T) {
	a := complete()
	a["notes"] = "Called the resident."
	opts := testOpts()
	opts.AllowInternal = true
	if err := ValidateAll(everyField(), a, opts); err != nil {
		t.Fatalf("refused: %v", err.Fields)
	}
}

func TestValidateAllReportsABrokenDefinitionAsInternal(t *testing.T) {
	def := branching()
	def.Pages[0].Next[0].Goto = "missing"
	if err := ValidateAll(def, definition.Answers{"kind": "complaint"}, testOpts()); err == nil || err.Code != "internal" {
		t.Fatalf("got %v", err)
	}
}

func TestNormaliseTurnsAPIAnswersCanonical(t *testing.T) {
	def := everyField()
	var in definition.Answers
	body := `{"name":" Ann Smith ","amount":1250,"postcode":"me14 1xq","phone":"+44 7700 900982","count":"02.50",
		"services":["tax","bins","tax"],"home":{"line1":"1 High Street","town":"Maidstone","postcode":"me141xq","uprn":"00123"},
		"email":"","reply":"no"}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	got, err := Normalise(def, in, testOpts())
	if err != nil {
		t.Fatalf("refused: %v", err.Fields)
	}
	want := definition.Answers{"name": "Ann Smith", "amount": int64(1250), "postcode": "ME14 1XQ", "phone": "07700900982", "count": "2.5",
		"services": []string{"bins", "tax"}, "home": definition.Address{Line1: "1 High Street", Town: "Maidstone", Postcode: "ME14 1XQ", UPRN: "123"},
		"reply": "no"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
	if _, err := Normalise(def, definition.Answers{"notes": "x", "bogus": 1, "postcode": "nope"}, testOpts()); len(fieldErrors(t, err)) != 3 {
		t.Fatalf("want three errors, got %v", err)
	}
}

func TestValidateAllNeverTrustsHugeOrOddInput(t *testing.T) {
	def := everyField()
	a := complete()
	a["name"] = strings.Repeat("x", 1<<20)
	a["story"] = map[string]any{"nested": []any{1, 2}}
	a["amount"] = 1e300
	got := fieldErrors(t, ValidateAll(def, a, testOpts()))
	if len(got) != 3 {
		t.Fatalf("got %v", got)
	}
	b := maps.Clone(complete())
	b[strings.Repeat("k", 1000)] = "v"
	for field := range fieldErrors(t, ValidateAll(def, b, testOpts())) {
		if len(field) > 64 {
			t.Fatalf("echoed a %d-byte key", len(field))
		}
	}
}
