package pdfs

import (
	"dbtp/internal/pdffont"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func sampleCertificate() Certificate {
	at := time.Date(2026, 3, 14, 10, 30, 0, 0, time.UTC)
	return Certificate{
		Council:     "Kent County Council",
		Number:      "DC-2026-0007",
		DestroyedAt: at,
		Schedule:    "Adult social care case files: 8 years after closure",
		Approvals: []Approval{
			{Stage: 1, Name: "Zoë O’Brien", Role: "Records manager", At: at.Add(-48 * time.Hour)},
			{Stage: 2, Name: "Łukasz Nowak", Role: "Information governance lead", At: at.Add(-24 * time.Hour)},
		},
		Items: []CertificateItem{
			{Reference: "REC-000101", Title: "Care assessment — Mrs Ölund", Class: "ASC/CASE", Versions: 2,
				SHA256: []string{strings.Repeat("ab", 32), strings.Repeat("CD", 32)}, Bytes: 1_234_567, Verified: true},
			{Reference: "REC-000102", Title: "Review letter", Class: "ASC/CASE", Versions: 1,
				SHA256: []string{strings.Repeat("0f", 32)}, Bytes: 5120, Verified: false},
		},
		Note: "Destroyed in the March run.\nCharacters no font here has: 漢字 and 😀 and \U00010000.",
	}
}

// wantFont fails under CI when the system font is missing: the Unicode
// names would then only be tested on the Windows-1252 fallback.
func wantFont(t *testing.T) bool {
	t.Helper()
	if pdffont.System().OK() {
		return true
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no system TrueType font (Debian fonts-liberation); CI=true requires it")
	}
	t.Log("no system TrueType font: checking the Windows-1252 fallback only")
	return false
}

func TestCertificatePDF(t *testing.T) {
	needTools(t)
	out, err := CertificatePDF(sampleCertificate())
	if err != nil {
		t.Fatal(err)
	}
	if check := tool(t, out, "qpdf", "--check", "IN"); !strings.Contains(check, "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check:\n%s", check)
	}
	got := text(t, out, 0, 0)
	want := []string{"Certificate of destruction", "Kent County Council", "DC-2026-0007", "14 March 2026, 10:30 UTC",
		"Adult social care case files", "REC-000101", "REC-000102", "Records manager",
		strings.Repeat("ab", 32), strings.Repeat("cd", 32), "NOT VERIFIED", "1.2 MB (1234567 bytes)",
		"Zoë O’Brien", "page 1 of 1", "Destroyed in the March run."}
	if wantFont(t) {
		want = append(want, "Łukasz Nowak", "Mrs Ölund", "Care assessment — Mrs")
	} else {
		want = append(want, "?ukasz Nowak")
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("the certificate does not show %q:\n%s", w, got)
		}
	}
	// What no font can show is a question mark, not a failure.
	if !strings.Contains(got, "?? and ? and ?.") {
		t.Errorf("characters without a glyph should print as ?:\n%s", got)
	}
}

// The fallback when no TrueType font is installed: Windows-1252 keeps
// accents and curly quotes; what it lacks becomes "?".
func TestCP1252Fallback(t *testing.T) {
	needTools(t)
	d := newDoc(pdffont.Face{}, "t")
	d.AddPage()
	d.para("Zoë O’Brien and Łukasz, 漢, \U0001F600", 10)
	out, err := output(d.Fpdf)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, out, 0, 0); !strings.Contains(got, "Zoë O’Brien and ?ukasz, ?, ?") {
		t.Fatalf("fallback text: %q", got)
	}
}

// A long disposal run spans pages: every record is listed and every page
// is numbered out of the total.
func TestCertificateManyItems(t *testing.T) {
	needTools(t)
	c := sampleCertificate()
	c.Items = nil
	for i := range 60 {
		c.Items = append(c.Items, CertificateItem{Reference: fmt.Sprintf("REC-%06d", i), Title: strings.Repeat("Long title ", i%7+1),
			Versions: 1, SHA256: []string{strings.Repeat("9", 64)}, Bytes: int64(i), Verified: true})
	}
	out, err := CertificatePDF(c)
	if err != nil {
		t.Fatal(err)
	}
	got := text(t, out, 0, 0)
	for i := range 60 {
		if !strings.Contains(got, fmt.Sprintf("REC-%06d", i)) {
			t.Fatalf("record %d is missing", i)
		}
	}
	n := strings.Count(got, "\f")
	if n < 2 || !strings.Contains(got, fmt.Sprintf("page %d of %d", n, n)) || strings.Contains(got, "{nb}") {
		t.Fatalf("%d pages, footers not numbered out of the total:\n%s", n, got)
	}
}

func TestCertificateRefusesIncomplete(t *testing.T) {
	c := sampleCertificate()
	c.Approvals = nil
	c.Number = " "
	_, err := CertificatePDF(c)
	wantInvalid(t, err, "needs", "a number", "at least one approval")

	c = sampleCertificate()
	c.Items[1].SHA256 = []string{"not-a-hash"}
	_, err = CertificatePDF(c)
	wantInvalid(t, err, "record 2 (REC-000102)", "SHA-256")

	c = sampleCertificate()
	c.Approvals[0].Name = ""
	_, err = CertificatePDF(c)
	wantInvalid(t, err, "approval 1")
}
