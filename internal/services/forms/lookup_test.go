package forms

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"dbtp/internal/services/definition"
)

func addressDef(required bool) (*definition.Definition, *definition.Page) {
	def := &definition.Definition{ID: "a", Version: 1, Fields: []definition.Field{
		{ID: "home", Type: definition.TypeAddress, Label: "What is your address?", Required: required}},
		Pages: []definition.Page{{ID: "p", Fields: []string{"home"}}}}
	return def, &def.Pages[0]
}

var gaz = map[string]definition.Address{
	"990000000001": {Line1: "Sessions House", Line2: "County Road", Town: "Maidstone", Postcode: "ME14 1XQ", UPRN: "990000000001"},
}

func lookupOpts() Options {
	o := testOpts()
	o.Address = func(uprn string) (definition.Address, bool) { a, ok := gaz[uprn]; return a, ok }
	return o
}

func TestDecodeChosenAddress(t *testing.T) {
	def, pg := addressDef(true)
	// Chosen from the list: the gazetteer's address and UPRN are stored,
	// whatever lines a tampered form sends beside them.
	got, _, err := Decode(def, pg, vals("home-lookup", "me14 1xq", "home-uprn", "990000000001", "home-line1", "Elsewhere"), nil, lookupOpts())
	if err != nil {
		t.Fatal(err.Fields)
	}
	if a := got["home"].(definition.Address); a != gaz["990000000001"] {
		t.Fatalf("chosen address %+v", a)
	}
	cases := []struct {
		in    []string
		field string
		msg   string
	}{
		{nil, "home-lookup", "Enter a postcode to find your address"},
		{[]string{"home-lookup", "nonsense"}, "home-lookup", MsgPostcodeInvalid},
		{[]string{"home-lookup", "ME14 1XQ"}, "home-uprn", MsgAddressChoose},
		{[]string{"home-lookup", "ME14 1XQ", "home-uprn", "123"}, "home-uprn", MsgAddressChoose},
		// A new postcode typed, Continue pressed: not the old choice.
		{[]string{"home-lookup", "CT1 2DE", "home-uprn", "990000000001"}, "home-uprn", MsgAddressChoose},
	}
	for _, c := range cases {
		_, _, err := Decode(def, pg, vals(c.in...), nil, lookupOpts())
		if m := fieldErrors(t, err); m[c.field] != c.msg || len(m) != 1 {
			t.Errorf("%v: errors %v, want %s: %s", c.in, m, c.field, c.msg)
		}
	}
	// Entered by hand: the usual typed address.
	got, _, err = Decode(def, pg, vals("home-manual", "1", "home-line1", "1 High St", "home-town", "Ashford", "home-postcode", "tn23 1as"), nil, lookupOpts())
	if err != nil || got["home"].(definition.Address).Postcode != "TN23 1AS" {
		t.Fatalf("manual: %v %v", got, err)
	}
	// Not required and left alone: no answer, no error.
	def2, pg2 := addressDef(false)
	if got, _, err := Decode(def2, pg2, vals(), nil, lookupOpts()); err != nil || len(got) != 0 {
		t.Fatalf("optional: %v %v", got, err)
	}
}

func TestBuildPicker(t *testing.T) {
	f := &definition.Field{ID: "line_manager", Type: definition.TypePerson, Label: "Your line manager"}
	all := []PersonMatch{}
	for i := 1; i <= 25; i++ {
		all = append(all, PersonMatch{ID: fmt.Sprintf("usr_%02d", i), Name: fmt.Sprintf("Pat Smith %02d", i)})
	}
	search := func(text, after string, limit int) ([]PersonMatch, string, error) {
		if text == "broken" {
			return nil, "", errors.New("refused")
		}
		var out []PersonMatch
		for _, p := range all {
			if strings.Contains(strings.ToLower(p.Name), strings.ToLower(text)) && p.ID > after {
				out = append(out, p)
			}
		}
		if len(out) > limit {
			return out[:limit], out[limit-1].ID, nil
		}
		return out, "", nil
	}
	name := func(id string) (string, bool) {
		for _, p := range all {
			if p.ID == id {
				return p.Name, true
			}
		}
		return "", false
	}
	p := BuildPicker(f, vals("line_manager-q", "smith"), search, name)
	if len(p.Matches) != 10 || p.From != 1 || p.To != 10 || p.More == "" {
		t.Fatalf("first page: %+v", p)
	}
	// The next page, as the button asks for it.
	p = BuildPicker(f, vals("line_manager-q", "smith", LookupButton, p.More), search, name)
	if len(p.Matches) != 10 || p.From != 11 || p.Matches[0].ID != "usr_11" {
		t.Fatalf("second page: %+v", p)
	}
	p = BuildPicker(f, vals("line_manager-q", "smith", LookupButton, p.More), search, name)
	if len(p.Matches) != 5 || p.To != 25 || p.More != "" {
		t.Fatalf("last page: %+v", p)
	}
	// The chosen person stays on the page although not among the results.
	p = BuildPicker(f, vals("line_manager-q", "smith 2", "line_manager", "usr_03"), search, name)
	if p.Matches[0].ID != "usr_03" || p.Selected != "usr_03" {
		t.Fatalf("chosen kept: %+v", p)
	}
	p = BuildPicker(f, vals("line_manager-q", "nobody"), search, name)
	if p.NotFound != `No one found for "nobody"` || len(p.Matches) != 0 {
		t.Fatalf("none: %+v", p)
	}
	if p = BuildPicker(f, vals("line_manager-q", "broken"), search, name); p.Failed == "" {
		t.Fatalf("failed search: %+v", p)
	}
	// Another field's lookup button does not page this one.
	p = BuildPicker(f, vals("line_manager-q", "smith", LookupButton, LookupValue("other", 11, "usr_10")), search, name)
	if p.From != 1 {
		t.Fatalf("other field's page: %+v", p)
	}
}
