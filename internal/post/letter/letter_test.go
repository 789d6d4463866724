package letter

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dbtp/internal/pdffont"
	"dbtp/internal/post/notify"
)

// tool returns the path of a poppler or qpdf tool; CI installs them, and
// there a missing one fails the test rather than skipping it.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian: poppler-utils, qpdf)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func write(t testing.TB, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func logo(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := 0; x < 120; x++ {
		for y := 0; y < 40; y++ {
			img.Set(x, y, color.RGBA{0, 48, 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sample(t testing.TB, paragraphs int) Letter {
	blocks := []notify.Block{
		{Kind: notify.Heading, Lines: []string{"What happens next"}},
		{Kind: notify.Paragraph, Lines: []string{"We have received your complaint about the state of Mill Lane and will reply within 10 working days.", "You owe £0.00."}},
		{Kind: notify.Bullets, Lines: []string{"keep your reference", "tell us if anything changes"}},
		{Kind: notify.Numbered, Lines: []string{"Read this letter", "Call us"}},
		{Kind: notify.Inset, Lines: []string{"Our offices are closed on bank holidays."}},
		{Kind: notify.Rule},
	}
	for i := 0; i < paragraphs; i++ {
		blocks = append(blocks, notify.Block{Kind: notify.Paragraph, Lines: []string{"Paragraph " + strconv.Itoa(i+1) + strings.Repeat(" of words that fill the page with text", 6)}})
	}
	return Letter{
		Council:       "Northshire Council",
		ReturnAddress: []string{"Northshire Council", "County Hall", "Northshire", "NS1 1AA"},
		Logo:          logo(t),
		Address:       []string{"Rita Resident", "12 Mill Lane", "Northtown", "ns2 3bb"},
		Date:          time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Reference:     "CMP-2026-00042",
		Heading:       "Your complaint",
		Blocks:        blocks,
	}
}

func TestRenderIsAValidLetter(t *testing.T) {
	pdf, pages, err := Render(sample(t, 30))
	if err != nil {
		t.Fatal(err)
	}
	if pages < 2 {
		t.Fatalf("30 paragraphs on %d page(s)", pages)
	}
	p := write(t, pdf)
	run(t, "qpdf", "--check", p)
	info := run(t, "pdfinfo", p)
	if !regexp.MustCompile(`Pages:\s+` + strconv.Itoa(pages) + `\n`).MatchString(info) {
		t.Fatalf("pdfinfo disagrees with %d pages:\n%s", pages, info)
	}
	if !regexp.MustCompile(`Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)`).MatchString(info) {
		t.Fatalf("not A4:\n%s", info)
	}
	text := run(t, "pdftotext", "-layout", p, "-")
	for _, s := range []string{"Rita Resident", "NS2 3BB", "County Hall", "2 March 2026", "Reference: CMP-2026-00042", "Your complaint",
		"What happens next", "You owe £0.00.", "keep your reference", "1.", "Call us", "Our offices are closed",
		"Page 1 of " + strconv.Itoa(pages), "Page " + strconv.Itoa(pages) + " of " + strconv.Itoa(pages)} {
		if !strings.Contains(text, s) {
			t.Fatalf("the letter lacks %q:\n%s", s, text)
		}
	}
}

// TestAddressInTheWindow reads where the address lines are printed: all
// inside the window's area of Notify's specification, on the first page.
func TestAddressInTheWindow(t *testing.T) {
	l := sample(t, 0)
	l.Address = []string{"Rita Resident", "Flat 3", "The Old Mill House With A Very Long Name Indeed", "12 Mill Lane", "Northtown", "Northshire", "NS2 3BB"}
	pdf, _, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	// pdftotext -bbox gives each word's box in points.
	html := run(t, "pdftotext", "-bbox", "-f", "1", "-l", "1", write(t, pdf), "-")
	word := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
	const mm = 72 / 25.4
	found := map[string]bool{}
	for _, m := range word.FindAllStringSubmatch(html, -1) {
		f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v / mm }
		switch m[5] {
		case "Resident", "Flat", "Indeed", "Northtown", "3BB":
			found[m[5]] = true
			if f(1) < addressLeft-0.1 || f(3) > addressRight+0.1 || f(2) < addressTop-0.1 || f(4) > addressBottom+0.1 {
				t.Fatalf("%q at x %.1f-%.1f y %.1f-%.1f mm: outside the window", m[5], f(1), f(3), f(2), f(4))
			}
		}
	}
	if len(found) != 5 {
		t.Fatalf("found only %v in:\n%s", found, html)
	}
}

func TestLargePrint(t *testing.T) {
	l := sample(t, 4)
	_, small, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	l.LargePrint = true
	pdf, large, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	if large <= small {
		t.Fatalf("large print on %d pages, standard on %d", large, small)
	}
	p := write(t, pdf)
	run(t, "qpdf", "--check", p)
	// The body is 16 pt or more: pdftotext's boxes are as high as
	// Helvetica's ascent and descent, 0.925 of its size.
	html := run(t, "pdftotext", "-bbox", p, "-")
	m := regexp.MustCompile(`yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">Paragraph</word>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no paragraph in:\n%s", html)
	}
	y0, _ := strconv.ParseFloat(m[1], 64)
	y1, _ := strconv.ParseFloat(m[2], 64)
	if size := (y1 - y0) / 0.925; size < 15.9 {
		t.Fatalf("large print body is %.1f pt", size)
	}
	if !strings.Contains(run(t, "pdftotext", p, "-"), "Page 1 of "+strconv.Itoa(large)) {
		t.Fatal("no page numbers")
	}
}

func TestPageBreak(t *testing.T) {
	l := sample(t, 0)
	l.Blocks = []notify.Block{{Kind: notify.Paragraph, Lines: []string{"Before"}}, {Kind: notify.PageBreak}, {Kind: notify.Paragraph, Lines: []string{"After"}}}
	pdf, pages, err := Render(l)
	if err != nil || pages != 2 {
		t.Fatalf("%d pages, %v", pages, err)
	}
	p := write(t, pdf)
	if second := run(t, "pdftotext", "-f", "2", "-l", "2", p, "-"); !strings.Contains(second, "After") || strings.Contains(second, "Before") {
		t.Fatalf("page 2:\n%s", second)
	}
}

func TestSameLetterSameBytes(t *testing.T) {
	a, _, err := Render(sample(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := Render(sample(t, 2))
	if !bytes.Equal(a, b) {
		t.Fatal("the same letter rendered twice differs")
	}
}

func TestBadAddress(t *testing.T) {
	for _, addr := range [][]string{
		nil,
		{"Rita", "NS2 3BB"},
		{"Rita", "", "  ", "NS2 3BB"},
		{"1", "2", "3", "4", "5", "6", "7", "NS2 3BB"},
		{"Rita", "12 Mill Lane", "NS2 3B"},
	} {
		_, _, err := Render(Letter{Address: addr})
		var ae *AddressError
		if !errors.As(err, &ae) {
			t.Fatalf("%q: want an AddressError, got %v", addr, err)
		}
	}
	// Abroad: a country on the last line.
	if _, _, err := Render(Letter{Address: []string{"Jean Dupont", "1 rue de la Paix", "75002 Paris", "France"}}); err != nil {
		t.Fatal(err)
	}
}

func TestPostcode(t *testing.T) {
	for in, want := range map[string]string{"ns11aa": "NS1 1AA", "SW1A 2AA": "SW1A 2AA", " m1 1ae ": "M1 1AE", "B33 8TH": "B33 8TH", "CR2 6XH": "CR2 6XH", "DN55 1PT": "DN55 1PT"} {
		if got, ok := Postcode(in); !ok || got != want {
			t.Errorf("Postcode(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "France", "NS1", "1NS 1AA", "NS1 AAA", "NS11 1AAA"} {
		if got, ok := Postcode(in); ok {
			t.Errorf("Postcode(%q) = %q", in, got)
		}
	}
}

// BenchmarkRender renders a two-page letter with a logo; the issue asks
// for 50 letters a second or more.
func BenchmarkRender(b *testing.B) {
	l := sample(b, 12)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := Render(l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
}

func TestLogo(t *testing.T) {
	if err := CheckLogo(logo(t)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{[]byte("<svg/>"), []byte("\x89PNG broken")} {
		if err := CheckLogo(bad); err == nil {
			t.Fatalf("%q accepted as a logo", bad)
		}
	}
}

// BenchmarkRenderParallel is the same letter rendered on every core at
// once, as the delivery jobs do.
func BenchmarkRenderParallel(b *testing.B) {
	l := sample(b, 12)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := Render(l); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
}

// TestListItemsWrapIndented: a list item's later lines line up with its
// first word, not with the bullet.
func TestListItemsWrapIndented(t *testing.T) {
	l := sample(t, 0)
	l.Blocks = []notify.Block{{Kind: notify.Bullets, Lines: []string{"Wrapping" + strings.Repeat(" word", 60)}}}
	pdf, _, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	html := run(t, "pdftotext", "-bbox", write(t, pdf), "-")
	word := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(Wrapping|word)</word>`)
	start, lines := -1.0, map[string]bool{}
	for _, m := range word.FindAllStringSubmatch(html, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		if m[3] == "Wrapping" {
			start = x
			continue
		}
		lines[m[2]] = true
		if x < start-0.1 {
			t.Fatalf("a wrapped line starts at %.1f pt, left of the item's text at %.1f", x, start)
		}
	}
	if start < 0 || len(lines) < 2 {
		t.Fatalf("the item did not wrap (%d lines)", len(lines))
	}
}

// TestNamesOutsideWindows1252: a name Windows-1252 cannot write prints as
// written in the system's TrueType face (Debian's fonts-liberation, or
// DejaVu, which comes with much else), or without one with "?" for the
// letters Helvetica lacks.
func TestNamesOutsideWindows1252(t *testing.T) {
	l := sample(t, 1)
	l.Address = []string{"Łukasz Wróbel", "Flat 2", "12 Mill Lane", "NS2 3BB"}
	l.Blocks = append(l.Blocks, notify.Block{Kind: notify.Bullets, Lines: []string{"Dear Ms Ştefănescu\u202e"}})
	pdf, _, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	p := write(t, pdf)
	run(t, "qpdf", "--check", p)
	text := run(t, "pdftotext", "-layout", p, "-")
	want := []string{"?ukasz Wróbel", "Dear Ms ?tef?nescu"}
	if pdffont.System().OK() {
		want = []string{"Łukasz Wróbel", "Dear Ms Ştefănescu", "•", "Page 1 of 1"}
	}
	for _, s := range want {
		if !strings.Contains(text, s) {
			t.Fatalf("the letter lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "\u202e") {
		t.Fatal("a bidirectional override was printed")
	}
}

// BenchmarkRenderUnicode is a letter that needs the TrueType face.
func BenchmarkRenderUnicode(b *testing.B) {
	l := sample(b, 12)
	l.Address[0] = "Łukasz Wróbel"
	if !pdffont.System().OK() {
		b.Skip("no TrueType face")
	}
	for i := 0; i < b.N; i++ {
		if _, _, err := Render(l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
}

func TestDatedInLondon(t *testing.T) {
	l := sample(t, 0)
	l.Date = time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC) // 00:30 on 2 July in London
	pdf, _, err := Render(l)
	if err != nil {
		t.Fatal(err)
	}
	if text := run(t, "pdftotext", write(t, pdf), "-"); !strings.Contains(text, "2 July 2026") {
		t.Fatalf("dated:\n%s", text)
	}
}
