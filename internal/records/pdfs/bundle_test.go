package pdfs

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"strconv"
	"strings"
	"testing"
	"time"
)

var requested = time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)

// smallPNG is a picture of w by h pixels: white with a black bar.
func smallPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, h/2, w, h/2+2), image.Black, image.Point{}, draw.Src)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBundle(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf, secret := samplePDF(t)
	redacted, err := Redact(ctx, pdf, []Box{secret}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	items := []BundleItem{
		{Title: "Care plan", Source: "Records: ASC/CASE", Date: "3 March 2025", MediaType: "application/pdf", Content: pdf},
		{Title: "Photo of a letter to Zoë", Source: "Case SR-1234", Date: "4 April 2025", MediaType: "image/png", Content: smallPNG(t, 300, 200)},
		{Title: "Assessment, redacted", Source: "Records: ASC/CASE", Date: "5 May 2025", Redacted: true, MediaType: "application/pdf; name=x.pdf", Content: redacted},
	}
	out, err := Bundle(ctx, "Subject access request SAR-2026-0042", "Kent County Council", requested, items, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Index, two pages, one picture, two redacted pages.
	if n, err := PageCount(ctx, out, Options{}); err != nil || n != 1+2+1+2 {
		t.Fatalf("bundle has %d pages (%v), want 6", n, err)
	}
	index := text(t, out, 1, 1)
	for _, w := range []string{"Subject access request SAR-2026-0042", "Kent County Council", "1 February 2026",
		"Care plan", "Photo of a letter to Zoë", "Assessment, redacted", "Case SR-1234", "4 April 2025", "3 documents"} {
		if !strings.Contains(index, w) {
			t.Errorf("the index does not show %q:\n%s", w, index)
		}
	}
	// Each row ends with whether it was redacted and the page it starts on.
	for title, tail := range map[string]string{"Care plan": "No 2", "Photo of a letter": "No 4", "Assessment, redacted": "Yes 5"} {
		if row := lineWith(index, title); !strings.HasSuffix(strings.Join(strings.Fields(row), " "), tail) {
			t.Errorf("index row %q should end %q", row, tail)
		}
	}
	// The items follow in order: the PDF's own text on pages 2 and 3, and
	// nothing on the redacted pages.
	if p2, p3 := text(t, out, 2, 2), text(t, out, 3, 3); !strings.Contains(p2, "SECRETWORD") || !strings.Contains(p3, "Bravo") {
		t.Fatalf("pages 2 and 3 should be the care plan: %q %q", p2, p3)
	}
	if rest := strings.TrimSpace(text(t, out, 4, 6)); rest != "" {
		t.Fatalf("the picture and the redacted pages should carry no text: %q", rest)
	}
	if check := tool(t, out, "qpdf", "--check", "IN"); !strings.Contains(check, "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check:\n%s", check)
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// An index longer than a page moves every item's first page on.
func TestBundleLongIndex(t *testing.T) {
	needTools(t)
	pic := smallPNG(t, 60, 80)
	var items []BundleItem
	for i := range 70 {
		items = append(items, BundleItem{Title: fmt.Sprintf("Document %03d", i+1), Source: "Scanner", Date: "1 May 2025", MediaType: "image/jpeg", Content: pic})
	}
	// Declared JPEG but holding a PNG: the content decides.
	out, err := Bundle(context.Background(), "SAR", "Council", requested, items, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := PageCount(context.Background(), out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	indexPages := n - 70
	if indexPages < 2 {
		t.Fatalf("%d pages: the index of 70 items should take more than one", n)
	}
	all := text(t, out, 1, indexPages)
	for i := range 70 {
		row := strings.Fields(lineWith(all, fmt.Sprintf("Document %03d", i+1)))
		if len(row) == 0 || row[len(row)-1] != strconv.Itoa(indexPages+1+i) {
			t.Fatalf("item %d: row %q should end with page %d", i+1, row, indexPages+1+i)
		}
	}
	if !strings.Contains(all, fmt.Sprintf("index · page %d of %d", indexPages, indexPages)) {
		t.Fatalf("index pages should be numbered out of %d:\n%s", indexPages, all)
	}
}

func TestBundleRefusesBadItems(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf, _ := samplePDF(t)
	good := BundleItem{Title: "Good", MediaType: "application/pdf", Content: pdf}
	for _, c := range []struct {
		item BundleItem
		want []string
	}{
		{BundleItem{Title: "Notes", MediaType: "text/plain", Content: []byte("hello")}, []string{"item 2 (Notes)", "only PDF, PNG and JPEG"}},
		{BundleItem{Title: "Locked", MediaType: "application/pdf", Content: encrypt(t, pdf)}, []string{"item 2 (Locked)", "password"}},
		{BundleItem{Title: "Junk", MediaType: "application/pdf", Content: []byte("junk")}, []string{"item 2 (Junk)", "damaged"}},
		{BundleItem{Title: "Not a picture", MediaType: "image/png", Content: []byte("junk")}, []string{"item 2 (Not a picture)", "not a PNG or JPEG"}},
	} {
		_, err := Bundle(ctx, "SAR", "Council", requested, []BundleItem{good, c.item}, Options{})
		wantInvalid(t, err, c.want...)
	}
	_, err := Bundle(ctx, "SAR", "Council", requested, []BundleItem{good, good}, Options{MaxPages: 4})
	wantInvalid(t, err, "more than 4 pages")
}

// A request that found nothing still gets a bundle saying so.
func TestBundleEmpty(t *testing.T) {
	needTools(t)
	out, err := Bundle(context.Background(), "SAR", "Council", requested, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, out, 0, 0); !strings.Contains(got, "No information about you was found") {
		t.Fatalf("empty bundle: %q", got)
	}
}
