package pdfs

import (
	"fmt"
	"strings"
	"time"

	"dbtp/internal/pdffont"
	"dbtp/internal/platform"
)

// A subject access bundle holds cases as well as documents: a case has no
// file of its own, so it is set out as a PDF of what it holds (the answers
// given, the messages and notes written) for the officer to review, redact
// and release like any document.

// CaseRecord is a case as it goes into a bundle.
type CaseRecord struct {
	Council   string
	Reference string    // SAR-2026-000012
	Service   string    // the service's title
	Status    string    // the state's label
	Submitted time.Time // when it was received
	Answers   []CaseAnswer
	Messages  []CaseMessage
}

// CaseAnswer is one question and its answer, as shown to people.
type CaseAnswer struct {
	Label string
	Lines []string
}

// CaseMessage is a note or message on the case.
type CaseMessage struct {
	At       time.Time
	From     string
	Audience string // "Message to the applicant", "Internal note"
	Body     string
}

// CasePDF sets out a case as an A4 PDF. Every answer and message is given
// whole (a table would clip long text), each under its own heading.
func CasePDF(c CaseRecord) ([]byte, error) {
	if strings.TrimSpace(c.Reference) == "" {
		return nil, platform.Invalid("a case needs its reference")
	}
	title := c.Reference + " " + c.Service
	d := newDoc(pdffont.System(), title)
	d.footer(c.Council + " · " + c.Reference)
	d.AddPage()
	d.font("B", 18)
	d.MultiCell(0, 23, d.text(c.Service), "", "L", false)
	d.heading(c.Council, 12)
	d.table([]column{{"", 140}, {"", 355}}, [][]string{
		{"Reference", c.Reference},
		{"Received", when(c.Submitted)},
		{"Status", orNone(c.Status)},
	})
	d.heading("What the case records", 13)
	if len(c.Answers) == 0 {
		d.para("No answers are recorded.", 10)
	}
	for _, a := range c.Answers {
		d.font("B", 10)
		d.MultiCell(0, 13, d.text(orUntitled(a.Label)), "", "L", false)
		d.para(orNone(strings.Join(a.Lines, "\n")), 10)
	}
	d.heading("Messages and notes", 13)
	if len(c.Messages) == 0 {
		d.para("There are no messages or notes.", 10)
	}
	for _, m := range c.Messages {
		d.font("B", 10)
		d.MultiCell(0, 13, d.text(fmt.Sprintf("%s · %s · %s", when(m.At), orNone(m.From), orNone(m.Audience))), "", "L", false)
		d.para(orNone(m.Body), 10)
	}
	return output(d.Fpdf)
}

// TextPDF sets out plain text (a text file, or the text read from a
// document no tool here can turn into PDF) as an A4 PDF under a title and
// a line saying where it came from.
func TextPDF(title, source, body string) ([]byte, error) {
	d := newDoc(pdffont.System(), title)
	d.footer(oneLine(clip(title, 80)))
	d.AddPage()
	d.font("B", 16)
	d.MultiCell(0, 20, d.text(orUntitled(title)), "", "L", false)
	if source != "" {
		d.para(source, 9)
	}
	d.font("", 10)
	d.MultiCell(0, 13.5, d.text(orNone(body)), "", "L", false)
	return output(d.Fpdf)
}
