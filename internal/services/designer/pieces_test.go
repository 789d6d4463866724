package designer

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"dbtp/internal/services/definition"
)

func TestLineDiff(t *testing.T) {
	got := lineDiff("a\nb\nc\nd\n", "a\nc\nx\nd\n")
	var b strings.Builder
	for _, l := range got {
		b.WriteString(string(l.Op) + l.Text + "\n")
	}
	if want := " a\n-b\n c\n+x\n d\n"; b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	if got := lineDiff("", "x\n"); len(got) != 1 || !got[0].Added() {
		t.Fatalf("from nothing: %+v", got)
	}
	if got := lineDiff("same\n", "same\n"); len(got) != 1 || got[0].Op != ' ' {
		t.Fatalf("no change: %+v", got)
	}
}

// TestProblemsLinkToTheirPart: each of the checker's problems names the
// part of the designer where it is fixed.
func TestProblemsLinkToTheirPart(t *testing.T) {
	def := skeleton("pothole", "Report a pothole")
	def.Workflow.Transitions[0].To = "nowhere"
	def.Fields = append(def.Fields, definition.Field{ID: "depth", Type: definition.TypeChoice, Label: "How deep?"})
	src, err := Encode(def)
	noErr(t, err)
	dr := Draft{ServiceID: "pothole", Source: src, Def: def}
	links := map[string]string{}
	for _, p := range problemsOf(dr) {
		links[p.Path] = p.Href
	}
	for path, href := range map[string]string{
		"reference_prefix":           "/designer/pothole/details",
		"workflow.transitions[0].to": "/designer/pothole/transitions/close",
		"fields[1].options":          "/designer/pothole/fields/depth",
	} {
		if links[path] != href {
			t.Errorf("%s links to %q, want %q (all: %v)", path, links[path], href, links)
		}
	}
}

// TestRenamesFollowReferences: renaming a question, a page or a state
// renames it wherever the definition names it.
func TestRenamesFollowReferences(t *testing.T) {
	yes := true
	def := skeleton("x", "X")
	def.Fields = append(def.Fields, definition.Field{ID: "note", Type: definition.TypeText, Label: "Note", Internal: true})
	def.Pages[0].Next = []definition.Rule{{If: &definition.Condition{Field: "details", Answered: &yes}, Goto: "check-answers"}}
	def.ListFields = []string{"details"}
	def.Workflow.Transitions[0].Requires = []string{"note"}
	renameField(def, "details", "what")
	renameField(def, "note", "remark")
	renameState(def, "submitted", "received")
	if def.Pages[0].Fields[0] != "what" || def.Pages[0].Next[0].If.Field != "what" || def.ListFields[0] != "what" ||
		def.Workflow.Transitions[0].Requires[0] != "remark" || def.Workflow.Initial != "received" || def.Workflow.Transitions[0].From[0] != "received" {
		t.Fatalf("%+v", def)
	}
}

func TestReadOptions(t *testing.T) {
	got, msg := readOptions("partly_upheld | Partly upheld | Some of it\nNot upheld\n\n")
	want := []definition.Option{{Value: "partly_upheld", Label: "Partly upheld", Hint: "Some of it"}, {Value: "not_upheld", Label: "Not upheld"}}
	if msg != "" || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v %q", got, msg)
	}
	if _, msg := readOptions("a | b | c | d"); !strings.Contains(msg, "Line 1") {
		t.Fatalf("four parts: %q", msg)
	}
	if _, msg := readOptions(" | label"); !strings.Contains(msg, "needs a value") {
		t.Fatalf("no value: %q", msg)
	}
}

// TestDocsExampleRoundTrips: the complete example in docs/services.md,
// written by hand with comments and flow mappings, comes back from the
// designer's encoder as the same definition.
func TestDocsExampleRoundTrips(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/services.md")
	noErr(t, err)
	_, rest, _ := strings.Cut(string(doc), "<!-- example: report-a-pothole")
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	example, _, _ := strings.Cut(rest, "```")
	def, err := definition.Parse([]byte(example), "example")
	noErr(t, err)
	out, err := Encode(def)
	noErr(t, err)
	back, err := definition.Parse(out, "encoded")
	noErr(t, err)
	if !reflect.DeepEqual(def, back) {
		t.Fatalf("the example changed:\n%s", out)
	}
}
