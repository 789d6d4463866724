package inbound

import (
	"bytes"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// TypedLetter renders text as a one-page A4 PDF of a typed letter, as a
// scanner would deliver it once rasterised: for the demonstration's post
// waiting in triage and for tests that read a letter back with OCR. Lines
// are separated by "\n"; a line longer than the page wraps.
func TypedLetter(text string) []byte {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(25, 25, 25)
	pdf.SetAutoPageBreak(true, 20)
	// A fixed date makes the same text the same bytes, so a letter sent
	// twice is recognised as the same content.
	pdf.SetCreationDate(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	pdf.SetModificationDate(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 12)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	for _, line := range strings.Split(text, "\n") {
		pdf.MultiCell(0, 6.5, tr(line), "", "L", false)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		panic("inbound: rendering a typed letter: " + err.Error()) // fpdf fails only on a programming error here
	}
	return b.Bytes()
}
