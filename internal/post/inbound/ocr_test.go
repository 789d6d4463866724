package inbound

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const letter = `Mr Arthur Dent
155 Country Lane
Cottington
NS4 2XY

Northshire Council
County Hall

Your reference: COMP-2026-000042

Dear Sir or Madam,

I am writing again about my complaint. The bypass is still planned.

Yours faithfully,

Arthur Dent`

// needTools skips without the OCR tools, except in CI where they are
// installed (.ci/run) and their absence is a failure.
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// TestReadTypedLetter renders a letter to a PDF and to a PNG image (as a
// scanner makes), reads both with the real tesseract and finds the case
// reference, postcode and names in what it read.
func TestReadTypedLetter(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf := TypedLetter(letter)
	if MediaType(pdf) != PDF || Encrypted(pdf) {
		t.Fatal("TypedLetter did not make a plain PDF")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "l.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "200", "-png", "-singlefile", in, filepath.Join(dir, "l")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	png, err := os.ReadFile(filepath.Join(dir, "l.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		content []byte
	}{{"pdf", pdf}, {"png", png}} {
		text, err := Reader{}.Read(ctx, c.content, MediaType(c.content))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f := Find(text)
		if !slices.Equal(f.References, []string{"COMP-2026-000042"}) || !slices.Contains(f.Postcodes, "NS4 2XY") || !slices.Equal(f.Names, []string{"Mr Arthur Dent"}) {
			t.Errorf("%s: findings %+v in\n%s", c.name, f, text)
		}
	}
}

func TestReadWithoutTesseract(t *testing.T) {
	r := Reader{Tesseract: filepath.Join(t.TempDir(), "no-tesseract")}
	if r.Available() {
		t.Fatal("a missing tesseract is available")
	}
	_, err := r.Read(context.Background(), TypedLetter("x"), PDF)
	if !errors.Is(err, ErrNoTesseract) {
		t.Fatalf("err %v", err)
	}
}

func TestReadBrokenPDF(t *testing.T) {
	needTools(t)
	_, err := Reader{}.Read(context.Background(), []byte("%PDF-1.4 this is not really a PDF"), PDF)
	if !errors.Is(err, ErrDamagedPDF) || strings.Contains(err.Error(), "exit status") {
		t.Fatalf("err %v", err)
	}
}
