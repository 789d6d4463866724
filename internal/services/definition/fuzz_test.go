package definition

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds the loader arbitrary bytes: definitions are uploaded by
// council admins, so Parse must never panic or hang, must either return a
// definition or a ValidationError whose every problem has a line, and must
// give the same answer twice.
func FuzzParse(f *testing.F) {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		src, _ := builtinFS.ReadFile("builtin/" + e.Name())
		f.Add(src)
		s := string(src)
		// Broken variants: a cut file, a typo, a loop, an alias bomb, a
		// flow mapping with a stray comma.
		f.Add([]byte(s[:len(s)/2]))
		f.Add([]byte(strings.Replace(s, "label:", "lable:", 1)))
		f.Add([]byte(strings.Replace(s, "goto: check-answers", "goto: "+firstPageID(s), 1)))
		f.Add([]byte(strings.Replace(s, "terminal: true", "terminal: maybe", 1)))
	}
	base, err := os.ReadFile("testdata/pothole.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(base)
	f.Add([]byte("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"))
	f.Add([]byte("id: x\nfields: [{id: a, type: choice, options: [{value: b, label: c, d}]}]\n"))
	f.Add([]byte("<<: {id: x}\n"))
	f.Add([]byte("{"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse(src, "fuzz.yaml")
		if err == nil {
			if d == nil || d.FirstPage() == nil || d.State(d.Workflow.Initial) == nil {
				t.Fatalf("a valid definition without its essentials: %+v", d)
			}
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) == 0 {
			t.Fatalf("want a ValidationError with problems, got %T %v", err, err)
		}
		for _, p := range ve.Problems {
			if p.Line < 1 || p.Message == "" {
				t.Fatalf("problem without a line or message: %+v", p)
			}
		}
		_, again := Parse(src, "fuzz.yaml")
		if again == nil || again.Error() != err.Error() {
			t.Fatalf("Parse is not deterministic:\n%v\n---\n%v", err, again)
		}
	})
}

func firstPageID(src string) string {
	_, rest, ok := strings.Cut(src, "\npages:\n  - id: ")
	if !ok {
		return "nowhere"
	}
	id, _, _ := strings.Cut(rest, "\n")
	return id
}
