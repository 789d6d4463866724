package pades

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"dbtp/internal/platform"
)

// Appearance makes a new signature field visible: a framed box on a page
// with lines of text (who signed, when, why) in Helvetica. A drawn or typed
// signature image is for the layer that places fields; this is the plain
// form every PDF viewer can show.
type Appearance struct {
	// Page is the page number, from 1.
	Page int
	// Rect is the box in PDF points (1/72 inch) from the page's lower left
	// corner: lower-left x, y, upper-right x, y.
	Rect  [4]float64
	Lines []string
}

func (a *Appearance) check() error {
	r := a.Rect
	for _, v := range r {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < -14400 || v > 14400 {
			return platform.Invalid("the signature box lies outside any page")
		}
	}
	if r[2]-r[0] < 8 || r[3]-r[1] < 8 {
		return platform.Invalid("the signature box is too small to show; give it at least 8 points each way")
	}
	if a.Page < 1 {
		return platform.Invalid("the signature box needs a page number from 1")
	}
	return nil
}

// stream returns the appearance as a form XObject, ready to be an object.
func (a *Appearance) stream() []byte {
	w, h := a.Rect[2]-a.Rect[0], a.Rect[3]-a.Rect[1]
	n := max(len(a.Lines), 1)
	size := math.Min(11, (h-6)/(float64(n)*1.2))
	size = math.Max(size, 2)
	var c bytes.Buffer
	fmt.Fprintf(&c, "q 0.96 0.97 1 rg 0 0 %s %s re f 0.1 0.2 0.45 RG 1 w 0.5 0.5 %s %s re S Q\n", num(w), num(h), num(w-1), num(h-1))
	c.WriteString("q 0.5 0.5 " + num(w-1) + " " + num(h-1) + " re W n BT 0 0 0 rg\n")
	for i, line := range a.Lines {
		fmt.Fprintf(&c, "/F1 %s Tf 1 0 0 1 4 %s Tm ", num(size), num(h-3-size*1.2*float64(i+1)+size*0.25))
		winAnsiString(&c, line)
		c.WriteString(" Tj\n")
	}
	c.WriteString("ET Q\n")
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >> >> /Length %d >>\nstream\n",
		num(w), num(h), c.Len())
	b.Write(c.Bytes())
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
