package forms

import (
	"net/url"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// The test definitions are Go literals, so these tests do not depend on
// the YAML loader.

func f64(v float64) *float64 { return &v }
func yes() *bool             { t := true; return &t }

// fixedNow is 15 March 2026, midday: dates relative to "today" are tested
// against it.
var fixedNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

var people = map[string]string{"usr_ann": "Ann Officer", "usr_bob": "Bob Manager"}

func testOpts() Options {
	return Options{
		Now:      func() time.Time { return fixedNow },
		Location: time.UTC,
		People: func(id string) (string, bool) {
			n, ok := people[id]
			return n, ok
		},
	}
}

// everyField has one field of each type (and a few variants), all on one
// page, so a decode test or fuzz run exercises every parser.
func everyField() *definition.Definition {
	fields := []definition.Field{
		{ID: "name", Type: definition.TypeText, Label: "What is your full name?", Required: true, MaxLength: 40},
		{ID: "ref", Type: definition.TypeText, Label: "Reference", Pattern: `[A-Z]{2}[0-9]{4}`, PatternMessage: "Enter a reference like AB1234"},
		{ID: "story", Type: definition.TypeLongText, Label: "Tell us what happened", MinLength: 10},
		{ID: "count", Type: definition.TypeNumber, Label: "Number of people", Min: f64(1), Max: f64(10.5)},
		{ID: "amount", Type: definition.TypeMoney, Label: "Amount claimed", Max: f64(1000000)},
		{ID: "dob", Type: definition.TypeDate, Label: "Date of birth", Before: "today"},
		{ID: "visit", Type: definition.TypeDate, Label: "Visit date", After: "yesterday", Before: "2026-12-25"},
		{ID: "email", Type: definition.TypeEmail, Label: "Email address"},
		{ID: "phone", Type: definition.TypeUKPhone, Label: "Telephone number"},
		{ID: "postcode", Type: definition.TypeUKPostcode, Label: "Postcode"},
		{ID: "home", Type: definition.TypeAddress, Label: "Address"},
		{ID: "contact", Type: definition.TypeChoice, Label: "How should we contact you?", Options: []definition.Option{
			{Value: "email", Label: "Email"}, {Value: "phone", Label: "Phone"}, {Value: "post", Label: "Post"}}},
		{ID: "services", Type: definition.TypeCheckboxes, Label: "Services you use", Options: []definition.Option{
			{Value: "bins", Label: "Bin collection"}, {Value: "parking", Label: "Parking"}, {Value: "tax", Label: "Council Tax"}}},
		{ID: "reply", Type: definition.TypeYesNo, Label: "Do you want a reply?"},
		{ID: "evidence", Type: definition.TypeFile, Label: "Evidence", Accept: []string{"application/pdf", "image/png"}, MaxBytes: 1 << 20},
		{ID: "officer", Type: definition.TypePerson, Label: "Officer"},
		{ID: "notes", Type: definition.TypeLongText, Label: "Case notes", Internal: true},
	}
	var ids []string
	for _, f := range fields {
		if !f.Internal {
			ids = append(ids, f.ID)
		}
	}
	return &definition.Definition{ID: "every", Version: 1, Title: "Every field", Fields: fields,
		Pages: []definition.Page{{ID: "all", Fields: ids}}}
}

// branching is a complaint-or-compliment form with a two-step branch:
//
//	kind -> complaint -> stage -(stage 2)-> previous -> contact
//	                           -(stage 1)-------------> contact
//	     -> compliment ----------------------------------> contact
func branching() *definition.Definition {
	return &definition.Definition{ID: "feedback", Version: 3, Title: "Feedback",
		Fields: []definition.Field{
			{ID: "kind", Type: definition.TypeChoice, Label: "What would you like to do?", Required: true, Options: []definition.Option{
				{Value: "complaint", Label: "Make a complaint"}, {Value: "compliment", Label: "Pay a compliment"}}},
			{ID: "what", Type: definition.TypeLongText, Label: "What went wrong?", Required: true},
			{ID: "stage", Type: definition.TypeChoice, Label: "Which stage is this?", Required: true, Options: []definition.Option{
				{Value: "1", Label: "Stage 1"}, {Value: "2", Label: "Stage 2"}}},
			{ID: "previous_ref", Type: definition.TypeText, Label: "Stage 1 reference", Required: true},
			{ID: "praise", Type: definition.TypeText, Label: "Who helped you?", Required: true},
			{ID: "email", Type: definition.TypeEmail, Label: "Email address"},
			{ID: "outcome", Type: definition.TypeText, Label: "Outcome", Internal: true},
		},
		Pages: []definition.Page{
			{ID: "p-kind", Fields: []string{"kind"}, Next: []definition.Rule{
				{If: &definition.Condition{Field: "kind", Equals: "complaint"}, Goto: "p-complaint"},
				{If: &definition.Condition{Field: "kind", Equals: "compliment"}, Goto: "p-compliment"},
			}},
			{ID: "p-complaint", Fields: []string{"what"}, Next: []definition.Rule{{Goto: "p-stage"}}},
			{ID: "p-stage", Fields: []string{"stage"}, Next: []definition.Rule{
				{If: &definition.Condition{Field: "stage", In: []string{"2"}}, Goto: "p-previous"},
				{Goto: "p-contact"},
			}},
			{ID: "p-previous", Fields: []string{"previous_ref"}, Next: []definition.Rule{{Goto: "p-contact"}}},
			{ID: "p-compliment", Fields: []string{"praise"}, Next: []definition.Rule{{Goto: "p-contact"}}},
			{ID: "p-contact", Fields: []string{"email"}},
		}}
}

// fieldErrors flattens an invalid error for comparison, and fails the test
// when err is some other kind of error.
func fieldErrors(t testing.TB, err *platform.Error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	if err.Code != platform.CodeInvalid || err.Message != "There is a problem" {
		t.Fatalf("want an invalid error, got %v (%s)", err, err.Code)
	}
	m := map[string]string{}
	for _, fe := range err.Fields {
		if _, dup := m[fe.Field]; dup {
			t.Errorf("two errors for %s: %v", fe.Field, err.Fields)
		}
		m[fe.Field] = fe.Message
	}
	return m
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

var pdfHeader = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
