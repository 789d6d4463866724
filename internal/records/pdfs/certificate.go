package pdfs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/pdffont"
	"dbtp/internal/platform"
)

// Certificate is the proof that records were destroyed under a retention
// schedule with the approvals it required: what, when, under which schedule
// and approved by whom. Titles and names may hold any Unicode.
type Certificate struct {
	Council, Number string // e.g. "Kent County Council", "DC-2026-0007"
	DestroyedAt     time.Time
	Schedule        string     // the retention schedule or class it was destroyed under
	Approvals       []Approval // who approved, in order (one or two stages)
	Items           []CertificateItem
	Note            string
}

// Approval is one stage of the disposal review.
type Approval struct {
	Stage      int
	Name, Role string
	At         time.Time
}

// CertificateItem is one record destroyed: SHA256 holds the hash of each
// version's content (hex), so the certificate can later prove which content
// was destroyed without keeping any of it; Verified says the content was
// confirmed gone from the store.
type CertificateItem struct {
	Reference, Title, Class string
	Versions                int
	SHA256                  []string
	Bytes                   int64
	Verified                bool
}

// CertificatePDF sets out a destruction certificate as an A4 PDF.
func CertificatePDF(c Certificate) ([]byte, error) {
	if err := checkCertificate(c); err != nil {
		return nil, err
	}
	d := newDoc(pdffont.System(), "Certificate of destruction "+c.Number)
	d.footer(fmt.Sprintf("%s · certificate of destruction %s", c.Council, c.Number))
	d.AddPage()

	d.font("B", 20)
	d.MultiCell(0, 26, d.text("Certificate of destruction"), "", "L", false)
	d.heading(c.Council, 13)

	var versions int
	var size int64
	unverified := 0
	for _, it := range c.Items {
		versions += it.Versions
		size += it.Bytes
		if !it.Verified {
			unverified++
		}
	}
	d.table([]column{{"", 160}, {"", 335}}, [][]string{
		{"Certificate number", c.Number},
		{"Destroyed", when(c.DestroyedAt)},
		{"Retention schedule", c.Schedule},
		{"Records destroyed", fmt.Sprintf("%d %s, %d %s, %s", len(c.Items), plural(len(c.Items), "record"), versions, plural(versions, "version"), byteSize(size))},
	})

	statement := fmt.Sprintf("This certifies that the records listed below, with every version of their content, "+
		"were destroyed on %s under the retention schedule \u201c%s\u201d, with the approvals shown. ",
		day(c.DestroyedAt), c.Schedule)
	if unverified == 0 {
		statement += "For every record, the content was confirmed to be gone from the council's document store."
	} else {
		statement += fmt.Sprintf("For %d of the records, marked NOT VERIFIED below, the content could not be confirmed "+
			"to be gone from the council's document store; those must be checked.", unverified)
	}
	d.para(statement, 10)

	d.heading("Approved by", 12)
	rows := make([][]string, len(c.Approvals))
	for i, a := range c.Approvals {
		rows[i] = []string{strconv.Itoa(a.Stage), a.Name, a.Role, when(a.At)}
	}
	d.table([]column{{"Stage", 45}, {"Name", 160}, {"Role", 150}, {"Approved", 140}}, rows)

	d.heading("Records destroyed", 12)
	for i, it := range c.Items {
		certificateItem(d, i+1, it)
	}
	if strings.TrimSpace(c.Note) != "" {
		d.heading("Note", 12)
		d.para(c.Note, 10)
	}
	return output(d.Fpdf)
}

// certificateItem writes one record: its reference and title, the facts,
// and the hash of each version in a fixed-width font (hashes are ASCII, so
// the built-in Courier serves whatever the face).
func certificateItem(d *doc, n int, it CertificateItem) {
	_, pageH := d.GetPageSize()
	_, _, _, bottom := d.GetMargins()
	// Keep the item's first lines together with its hashes' heading.
	if d.GetY()+60 > pageH-bottom {
		d.AddPage()
	}
	d.font("B", 10)
	d.MultiCell(0, 13, d.text(fmt.Sprintf("%d. %s \u2014 %s", n, it.Reference, clip(it.Title, 400))), "", "L", false)
	verified := "content confirmed gone from the store"
	if !it.Verified {
		verified = "NOT VERIFIED: content not confirmed gone from the store"
	}
	d.font("", 9)
	d.MultiCell(0, 12, d.text(fmt.Sprintf("Class: %s \u00b7 %d %s \u00b7 %s \u00b7 %s",
		orNone(it.Class), it.Versions, plural(it.Versions, "version"), byteSize(it.Bytes), verified)), "", "L", false)
	if len(it.SHA256) > 0 {
		d.SetFont("Courier", "", 7.5)
		for _, h := range it.SHA256 {
			d.CellFormat(0, 10, "SHA-256 "+strings.ToLower(h), "", 1, "L", false, 0, "")
		}
	}
	d.Ln(6)
}

// checkCertificate refuses a certificate that would not prove anything.
func checkCertificate(c Certificate) error {
	var missing []string
	if strings.TrimSpace(c.Council) == "" {
		missing = append(missing, "the council")
	}
	if strings.TrimSpace(c.Number) == "" {
		missing = append(missing, "a number")
	}
	if c.DestroyedAt.IsZero() {
		missing = append(missing, "when the records were destroyed")
	}
	if strings.TrimSpace(c.Schedule) == "" {
		missing = append(missing, "the retention schedule")
	}
	if len(c.Approvals) == 0 {
		missing = append(missing, "at least one approval")
	}
	if len(c.Items) == 0 {
		missing = append(missing, "at least one record")
	}
	if len(missing) > 0 {
		return platform.Invalid("a destruction certificate needs " + strings.Join(missing, ", "))
	}
	for i, a := range c.Approvals {
		if strings.TrimSpace(a.Name) == "" || a.At.IsZero() {
			return platform.Invalid(fmt.Sprintf("approval %d needs the approver's name and when they approved", i+1))
		}
	}
	for i, it := range c.Items {
		if strings.TrimSpace(it.Reference) == "" {
			return platform.Invalid(fmt.Sprintf("record %d needs its reference", i+1))
		}
		for _, h := range it.SHA256 {
			if !isSHA256(h) {
				return platform.Invalid(fmt.Sprintf("record %d (%s) has a SHA-256 that is not 64 hexadecimal digits", i+1, it.Reference))
			}
		}
	}
	return nil
}

func isSHA256(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, r := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}

// byteSize is a size people can read, with the exact count beside it.
func byteSize(n int64) string {
	exact := strconv.FormatInt(n, 10) + " bytes"
	if n == 1 {
		exact = "1 byte"
	}
	units := []string{"KB", "MB", "GB", "TB"}
	v, u := float64(n), ""
	for _, next := range units {
		if v < 1000 {
			break
		}
		v, u = v/1000, next
	}
	if u == "" {
		return exact
	}
	return fmt.Sprintf("%.1f %s (%s)", v, u, exact)
}
