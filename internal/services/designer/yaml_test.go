package designer

import (
	"bytes"
	"reflect"
	"testing"

	"dbtp/internal/services/definition"
)

// TestRoundTrip: every built-in service, written out by the designer's
// encoder, parses back through the definition checker to the very same
// definition; the designer's lenient draft reader agrees; and writing it
// again gives the same text, so saving an unchanged draft changes nothing.
func TestRoundTrip(t *testing.T) {
	srcs, err := definition.BuiltinSources()
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) < 5 {
		t.Fatalf("%d built-in services", len(srcs))
	}
	for _, s := range srcs {
		t.Run(s.Def.ID, func(t *testing.T) {
			out, err := Encode(s.Def)
			if err != nil {
				t.Fatal(err)
			}
			back, err := definition.Parse(out, s.Def.ID+".yaml")
			if err != nil {
				t.Fatalf("the designer's YAML does not parse:\n%v\n%s", err, out)
			}
			if !reflect.DeepEqual(back, s.Def) {
				t.Fatalf("round trip changed the definition:\nwant %+v\ngot  %+v\n%s", s.Def, back, out)
			}
			draft, err := decodeDraft(out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(draft, s.Def) {
				t.Fatalf("the draft reader disagrees with Parse:\nwant %+v\ngot  %+v", s.Def, draft)
			}
			again, err := Encode(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, again) {
				t.Fatalf("encoding is not stable:\n%s\n---\n%s", out, again)
			}
		})
	}
}

// TestEncodeKeepsMeaningfulZeros: a set false or 0 is written (it differs
// from leaving the key out), and text YAML would misread is quoted.
func TestEncodeKeepsMeaningfulZeros(t *testing.T) {
	no, zero := false, 0.0
	d := &definition.Definition{ID: "x", Start: definition.Start{AssistedDigital: &no},
		Fields: []definition.Field{{ID: "n", Type: definition.TypeNumber, Min: &zero}},
		Pages: []definition.Page{{ID: "p", Fields: []string{"n"}, Next: []definition.Rule{
			{If: &definition.Condition{Field: "n", Equals: "yes", Answered: &no}, Goto: "check-answers"}}}}}
	out, err := Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"assisted_digital: false", "min: 0", `equals: "yes"`, "answered: false", `fields: ["n"]`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Fatalf("lacks %q:\n%s", want, out)
		}
	}
	back, err := decodeDraft(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Fatalf("got %+v", back)
	}
}
