package signing

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
)

// completionCertificate is the evidence as a PDF: each recipient, what
// they did, when, from which address and how they were identified, then
// every event with the document's SHA-256 at that point.
func completionCertificate(env Envelope, rs []Recipient, evs []Event, council, docSHA string, at time.Time) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	// Uncompressed: a page or two of text, a few kilobytes more, where each
	// page's compressor (about a megabyte of state, made afresh) was a large
	// part of the CPU and garbage of every envelope sealed.
	f.SetCompression(false)
	tr := cp1252
	f.SetTitle("Completion certificate: "+env.Title, true)
	f.SetAuthor(council, true)
	f.SetCreator("dbtp", true)
	f.SetAutoPageBreak(true, 15)
	f.AddPage()
	f.SetFont("Helvetica", "B", 16)
	f.MultiCell(0, 8, tr("Completion certificate"), "", "L", false)
	f.SetFont("Helvetica", "", 10)
	line := func(label, value string) {
		f.SetFont("Helvetica", "B", 10)
		f.CellFormat(45, 6, tr(label), "", 0, "L", false, 0, "")
		f.SetFont("Helvetica", "", 10)
		f.MultiCell(0, 6, tr(value), "", "L", false)
	}
	line("Document", env.Title)
	line("Envelope", env.ID)
	sender := env.SenderName + ", " + council
	if env.SenderName == council {
		sender = council // a case's envelope whose unit is unknown
	}
	line("Sent by", sender)
	line("Sent", certStamp(env.SentAt))
	line("Completed", certStamp(at))
	line("Original SHA-256", env.OriginalSHA256)
	line("Signed SHA-256", docSHA)
	f.Ln(3)
	f.SetFont("Helvetica", "B", 12)
	f.MultiCell(0, 7, tr("Recipients"), "", "L", false)
	for _, r := range rs {
		f.SetFont("Helvetica", "B", 10)
		f.MultiCell(0, 6, tr(fmt.Sprintf("Step %d: %s (%s)", r.Step, r.Name, r.Role)), "", "L", false)
		f.SetFont("Helvetica", "", 10)
		what := r.Status
		if r.SignatureKind != "" {
			what += fmt.Sprintf(", %s signature \u201c%s\u201d", r.SignatureKind, r.SignatureText)
		}
		if r.Reason != "" {
			what += ": " + r.Reason
		}
		for _, l := range []string{
			"Contact: " + certDash(r.Email),
			"Outcome: " + what,
			"Consented to sign electronically: " + certStamp(r.ConsentedAt),
			"Acted: " + certStamp(r.ActedAt) + " from " + certDash(r.ActedFrom),
			"Identified by: " + certDash(r.IdentifiedBy),
		} {
			f.MultiCell(0, 5, tr("    "+l), "", "L", false)
		}
		f.Ln(1)
	}
	f.Ln(2)
	f.SetFont("Helvetica", "B", 12)
	f.MultiCell(0, 7, tr("Events"), "", "L", false)
	f.SetFont("Helvetica", "", 8)
	for _, ev := range evs {
		s := fmt.Sprintf("%s  %s  %s", certStamp(ev.At), ev.Action, ev.ActorName)
		if ev.Address != "" {
			s += " from " + ev.Address
		}
		if ev.Detail != "" {
			s += ": " + ev.Detail
		}
		if ev.DocSHA256 != "" {
			s += "  [document SHA-256 " + ev.DocSHA256 + "]"
		}
		f.MultiCell(0, 4, tr(s), "", "L", false)
	}
	f.Ln(3)
	f.SetFont("Helvetica", "I", 9)
	f.MultiCell(0, 5, tr("The sealed document names this certificate's SHA-256 in its seal; both are signed by "+council+"."), "", "L", false)
	var b bytes.Buffer
	err := f.Output(&b)
	return b.Bytes(), err
}

// cp1252 turns UTF-8 into the core fonts' Windows-1252, '.' for what it
// lacks, as fpdf's own translator does; that one parses its code page file
// each time it is made (a few per cent of a seal's CPU) and is not safe for
// concurrent use, so it cannot be made once.
func cp1252(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x80 {
			b = append(b, byte(r))
			continue
		}
		c, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			c = '.'
		}
		b = append(b, c)
	}
	return string(b)
}

func certStamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2 Jan 2006 15:04:05 UTC")
}

func certDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
