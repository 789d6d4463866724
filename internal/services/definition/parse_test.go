package definition

import (
	"strings"
	"testing"

	"dbtp/internal/platform"
)

// One file with many mistakes reports every one, in line order, and each
// line of Error() names the file, line, column and path.
func TestEveryProblemIsReported(t *testing.T) {
	src := edit(t, pothole(t),
		"version: 1", "version: 0",
		"reference_prefix: POT", "reference_prefix: pot",
		"type: number", "type: integer",
		"label: A photo", "lable: A photo",
		"      - goto: details", "      - goto: detials",
		"      to: fixed", "      to: stage3",
		"roles: [caseworker]", "roles: [inspector]",
	)
	_, err := Parse([]byte(src), "pothole.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		"pothole.yaml:3:10: version: want 1 or more",
		"pothole.yaml:5:19: reference_prefix: want 2 to 6 capital letters",
		`pothole.yaml:22:5: fields[2].lable: unknown key "lable" (did you mean "label"?)`,
		"pothole.yaml:20:5: fields[2].label: missing",
		`pothole.yaml:24:11: fields[3].type: unknown field type "integer"`,
		`pothole.yaml:44:15: pages[1].next[1].goto: unknown page "detials"`,
		`workflow.transitions[0].roles[0]: unknown role "inspector"`,
		`pothole.yaml:79:11: workflow.transitions[1].to: unknown state "stage3"`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	problems := problemsOf(t, err)
	for i := 1; i < len(problems); i++ {
		if problems[i].Line < problems[i-1].Line {
			t.Errorf("problems out of line order: %v then %v", problems[i-1], problems[i])
		}
	}
	if lines := strings.Count(msg, "\n") + 1; lines != len(problems) {
		t.Errorf("Error() has %d lines for %d problems", lines, len(problems))
	}
}

// A value that cannot be decoded is reported once, not again as out of
// range.
func TestDecodeProblemsAreNotRepeated(t *testing.T) {
	src := edit(t, pothole(t), "version: 1", "version: one")
	_, err := Parse([]byte(src), "x.yaml")
	problems := problemsOf(t, err)
	if len(problems) != 1 || problems[0].Path != "version" || !strings.Contains(problems[0].Message, "whole number") {
		t.Fatalf("want one problem about version, got %v", err)
	}
}

func TestDocumentProblems(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"empty", "", 1, "empty"},
		{"comment only", "# nothing\n", 1, "empty"},
		{"not a mapping", "- a\n- b\n", 1, "mapping of keys"},
		{"syntax", "id: x\nstart:\n  who: [residents\n", 2, "YAML syntax"}, // yaml.v3 names the line where the flow began
		{"tabs", "id: x\n\tversion: 1\n", 2, "YAML syntax"},
		{"two documents", pothole(t) + "---\nid: again\n", 80, "second YAML document"},
		{"too big", "id: x\n" + strings.Repeat("#", MaxSize), 1, "at most"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "x.yaml")
			problems := problemsOf(t, err)
			for _, p := range problems {
				if strings.Contains(p.Message, tc.msg) {
					if p.Line != tc.line {
						t.Errorf("line %d, want %d: %v", p.Line, tc.line, p)
					}
					return
				}
			}
			t.Errorf("no problem containing %q: %v", tc.msg, err)
		})
	}
}

// Upload handlers map errors through platform.CodeOf; a bad definition is
// the author's mistake (400), never ours (500).
func TestValidationErrorIsInvalidInput(t *testing.T) {
	_, err := Parse([]byte("id: x\n"), "mine.yaml")
	if platform.CodeOf(err) != platform.CodeInvalid {
		t.Fatalf("code %q", platform.CodeOf(err))
	}
	pe := platform.AsError(err)
	if !strings.Contains(pe.Message, "mine.yaml") || len(pe.Fields) != len(problemsOf(t, err)) {
		t.Fatalf("platform error %+v", pe)
	}
	if !strings.HasPrefix(pe.Fields[0].Message, "line ") {
		t.Errorf("field messages carry the line: %+v", pe.Fields[0])
	}
}

func TestScalarsAreReadLikeYAML(t *testing.T) {
	src := edit(t, pothole(t), "check_answers: true", "check_answers: yes",
		"min: 0", "min: 0.5\n    max: 1e3")
	d, err := Parse([]byte(src), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f := d.Field("depth"); *f.Min != 0.5 || *f.Max != 1000 {
		t.Errorf("min/max %v %v", *f.Min, *f.Max)
	}
	for _, bad := range []string{"check_answers: maybe", "check_answers: [true]"} {
		src := edit(t, pothole(t), "check_answers: true", bad)
		if _, err := Parse([]byte(src), "x.yaml"); err == nil || !strings.Contains(err.Error(), "check_answers") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	src = edit(t, pothole(t), "min: 0", "min: .nan")
	if _, err := Parse([]byte(src), "x.yaml"); err == nil || !strings.Contains(err.Error(), "want a number") {
		t.Errorf("NaN accepted: %v", err)
	}
}

func TestProblemString(t *testing.T) {
	if s := (Problem{Line: 3, Message: "YAML syntax: x"}).String(); s != "3: YAML syntax: x" {
		t.Errorf("%q", s)
	}
	if s := (Problem{Line: 3, Column: 4, Path: "id", Message: "m"}).String(); s != "3:4: id: m" {
		t.Errorf("%q", s)
	}
}
