package pdfs

import (
	"strings"
	"testing"
	"time"
)

// A case sets out whole: every answer (a long one too, which a table would
// clip) and every message, with who wrote it and for whom.
func TestCasePDF(t *testing.T) {
	needTools(t)
	long := strings.Repeat("The bins were not collected again. ", 40) + "THE END OF THE ANSWER"
	pdf, err := CasePDF(CaseRecord{Council: "Kent County Council", Reference: "COMP-2026-000123", Service: "Make a complaint",
		Status: "Resolved", Submitted: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Answers: []CaseAnswer{{Label: "Your full name", Lines: []string{"Zoë O’Brien"}}, {Label: "Tell us what happened", Lines: []string{long}},
			{Label: "Your address", Lines: []string{"1 High Street", "Maidstone", "ME14 1XX"}}},
		Messages: []CaseMessage{{At: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), From: "Sam Okafor", Audience: "Internal note", Body: "Called the crew"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(text(t, pdf, 0, 0)), " ")
	for _, want := range []string{"COMP-2026-000123", "Make a complaint", "Zoë O’Brien", "THE END OF THE ANSWER", "ME14 1XX", "Sam Okafor", "Internal note", "Called the crew"} {
		if !strings.Contains(got, want) {
			t.Errorf("the case PDF lacks %q:\n%s", want, got)
		}
	}
	if _, err := CasePDF(CaseRecord{}); err == nil {
		t.Error("a case without a reference was set out")
	}
	txt, err := TextPDF("Meeting notes", "Text of notes.txt", "Line one\nLine two about Chris Walker")
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, txt, 0, 0); !strings.Contains(got, "Chris Walker") || !strings.Contains(got, "Meeting notes") {
		t.Errorf("text PDF: %q", got)
	}
}
