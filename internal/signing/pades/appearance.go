package pades

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/signing/internal/pdfdoc"
)

// Appearance makes a new signature field visible: a framed box on a page
// with lines of text (who signed, when, why) in Helvetica and, above them,
// a picture when there is one (a signature drawn by hand).
type Appearance struct {
	// Page is the page number, from 1.
	Page int
	// Rect is the box in PDF points (1/72 inch) from the page's lower left
	// corner: lower-left x, y, upper-right x, y.
	Rect  [4]float64
	Lines []string
	// Image, when not nil, is drawn in the box above the lines, as large as
	// fits with its proportions kept: the signer's drawn signature.
	Image image.Image
}

func (a *Appearance) check() error {
	if err := checkRect(a.Rect, "signature box", 8); err != nil {
		return err
	}
	if a.Page < 1 {
		return platform.Invalid("the signature box needs a page number from 1")
	}
	return checkImage(a.Image)
}

func checkRect(r [4]float64, what string, least float64) error {
	for _, v := range r {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < -14400 || v > 14400 {
			return platform.Invalid("the " + what + " lies outside any page")
		}
	}
	if r[2]-r[0] < least || r[3]-r[1] < least {
		return platform.Invalid(fmt.Sprintf("the %s is too small to show; give it at least %g points each way", what, least))
	}
	return nil
}

// add adds the appearance to u as a form XObject (with its picture as an
// image XObject) and returns the form's object number.
func (a *Appearance) add(u *update) uint32 {
	w, h := a.Rect[2]-a.Rect[0], a.Rect[3]-a.Rect[1]
	// The text is laid out first: wrapped to the box and as large as fits,
	// never below minText. A drawing takes the room the text leaves (at
	// least a quarter of the box), the text sitting below it.
	room := h - 6
	if a.Image != nil {
		room = h*0.75 - 6
	}
	size, lines, _ := layout(a.Lines, w-8, room, maxText)
	var c bytes.Buffer
	fmt.Fprintf(&c, "q 0.96 0.97 1 rg 0 0 %s %s re f 0.1 0.2 0.45 RG 1 w 0.5 0.5 %s %s re S Q\n", num(w), num(h), num(w-1), num(h-1))
	c.WriteString("q 0.5 0.5 " + num(w-1) + " " + num(h-1) + " re W n\n")
	xobjects := ""
	if a.Image != nil {
		im := addImage(u, a.Image)
		xobjects = " /XObject << /Im1 " + pdfdoc.Ref(im, 0) + " >>"
		below := 3 + size*leading*float64(len(lines))
		c.WriteString(fitImage(a.Image, "Im1", 3, below, w-6, max(h-3-below, 1)))
	}
	c.WriteString("BT 0 0 0 rg\n")
	for i, line := range lines {
		y := h - 3 - size*leading*float64(i+1) + size*0.25
		if a.Image != nil {
			y = 3 + size*leading*float64(len(lines)-1-i) + size*0.25
		}
		fmt.Fprintf(&c, "/F1 %s Tf 1 0 0 1 4 %s Tm ", num(size), num(y))
		winAnsiString(&c, line)
		c.WriteString(" Tj\n")
	}
	c.WriteString("ET Q\n")
	return u.add(formXObject(w, h, helvetica+xobjects, c.Bytes()))
}

const helvetica = "/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >>"

// formXObject is a form XObject of size w by h with the given resources
// (the inside of the /Resources dictionary) and content.
func formXObject(w, h float64, resources string, content []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources << %s >> /Length %d >>\nstream\n",
		num(w), num(h), resources, len(content))
	b.Write(content)
	b.WriteString("\nendstream")
	return b.Bytes()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// winAnsiString writes s as a literal string in WinAnsiEncoding, the
// standard fonts' encoding: Latin-1 letters as they are, others as "?".
func winAnsiString(b *bytes.Buffer, s string) {
	b.WriteByte('(')
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '€':
			b.WriteString(`\200`)
		case r == '’':
			b.WriteString(`\222`)
		case r >= 0x20 && r < 0x7f:
			b.WriteByte(byte(r))
		case r >= 0xa0 && r <= 0xff:
			fmt.Fprintf(b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	b.WriteByte(')')
}
