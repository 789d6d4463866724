package signingtest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os/exec"
	"strings"
	"testing"
)

// WordsIn returns the words poppler's pdftotext reads on page (from 1)
// whose middle lies inside box (points from the page's lower left corner,
// as PDF places fields: lower-left x, y, upper-right x, y), space
// separated: what a reader sees at that place.
func WordsIn(t testing.TB, doc []byte, page int, box [4]float64) string {
	t.Helper()
	Need(t, "pdftotext")
	file := WriteTemp(t, "words.pdf", doc)
	out, err := exec.Command("pdftotext", "-bbox", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	var html struct {
		Pages []struct {
			Height float64 `xml:"height,attr"`
			Words  []struct {
				XMin float64 `xml:"xMin,attr"`
				YMin float64 `xml:"yMin,attr"`
				XMax float64 `xml:"xMax,attr"`
				YMax float64 `xml:"yMax,attr"`
				Text string  `xml:",chardata"`
			} `xml:"word"`
		} `xml:"body>doc>page"`
	}
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	if err := d.Decode(&html); err != nil || len(html.Pages) != 1 {
		t.Fatalf("pdftotext -bbox gave %d pages: %v\n%s", len(html.Pages), err, out)
	}
	p := html.Pages[0]
	var words []string
	for _, w := range p.Words {
		x, y := (w.XMin+w.XMax)/2, p.Height-(w.YMin+w.YMax)/2
		if x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3] {
			words = append(words, w.Text)
		}
	}
	return strings.Join(words, " ")
}

// ImagesOn lists the images poppler's pdfimages finds on page, one line
// each (pdfimages -list without its header): "type width height ...".
func ImagesOn(t testing.TB, doc []byte, page int) []string {
	t.Helper()
	Need(t, "pdfimages")
	file := WriteTemp(t, "images.pdf", doc)
	out, err := exec.Command("pdfimages", "-list", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfimages -list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var images []string
	for _, l := range lines[min(2, len(lines)):] {
		if f := strings.Fields(l); len(f) > 3 {
			images = append(images, strings.Join(f[2:5], " "))
		}
	}
	return images
}

// Drawing is a signature as a signing page's canvas gives it: dark strokes
// on a transparent background, w by h pixels.
func Drawing(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := 4; x < w-4; x++ {
		y := h/2 + (x%23-11)*h/40
		for d := -1; d <= 1; d++ {
			img.SetNRGBA(x, y+d, color.NRGBA{R: 20, G: 30, B: 90, A: 255})
		}
	}
	return img
}

// DrawingPNG is Drawing as a PNG file.
func DrawingPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, Drawing(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
