package postweb

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"dbtp/internal/post"
)

// lettersTemplate makes a template of e.service (owned by Customer
// services) through the templates engine, as Mia, and returns its id.
func (e *env) lettersTemplate(kind, subject, body string, statutory bool) string {
	e.t.Helper()
	t, err := e.m.Store().CreateTemplate(e.ctx, e.subject("Mia"), post.TemplateInput{ServiceID: e.service.ID, Kind: kind, Name: "Test " + kind,
		Subject: subject, Body: body, Statutory: &statutory})
	noErr(e.t, err)
	return t.ID
}

// lettersPDFText is pdftotext's reading of pdf (poppler-utils; CI installs it).
func lettersPDFText(t testing.TB, pdf string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed (Debian: poppler-utils)")
		}
		t.Skip("pdftotext is not installed")
	}
	p := filepath.Join(t.TempDir(), "x.pdf")
	noErr(t, os.WriteFile(p, []byte(pdf), 0o600))
	out, err := exec.Command(bin, "-layout", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}
