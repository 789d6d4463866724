package pades

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"strings"
	"unicode/utf8"

	"dbtp/internal/platform"
	"dbtp/internal/signing/internal/pdfdoc"
)

// Fill is a value a signer gave for one of their fields: a text, a date, a
// tick, or their signature repeated in a further box. Sign writes each as a
// read-only form field whose widget shows the value at its place on the
// page, in the same incremental update as the signature: the signature
// covers the values, and every viewer (and pdftotext) shows them. Filling
// in a form while signing is what ISO 32000 lets a revision do without
// breaking the signatures before it; dbtp's verifier allows read-only
// fields only in a revision that also signs.
type Fill struct {
	// Name is the form field's name, unique in the document.
	Name string
	// Page (from 1) and Rect (points from the page's lower left corner:
	// lower-left x, y, upper-right x, y) place the box.
	Page int
	Rect [4]float64
	// Text is the value shown; for a checkbox, "yes" ticks it.
	Text string
	// Label, when set, is printed before a text's value ("Company number:
	// 01234567") so the printed page says what the value answers; the
	// field's value stays Text alone.
	Label    string
	Checkbox bool
	// Image, when not nil, is drawn in the box instead of Text (a drawn
	// signature repeated); Text stays the field's value.
	Image image.Image
}

const maxFills = 500

func checkFills(fills []Fill) error {
	if len(fills) > maxFills {
		return platform.Invalid(fmt.Sprintf("at most %d fields can be filled in at once", maxFills))
	}
	seen := map[string]bool{}
	for _, f := range fills {
		what := "box of the field " + f.Name
		if f.Name == "" || seen[f.Name] {
			return platform.Invalid("each filled field needs a name of its own")
		}
		seen[f.Name] = true
		if f.Page < 1 {
			return platform.Invalid("the " + what + " needs a page number from 1")
		}
		if err := checkRect(f.Rect, what, 4); err != nil {
			return err
		}
		if utf8.RuneCountInString(f.Text) > 2000 {
			return platform.Invalid("the value of the field " + f.Name + " is longer than 2,000 characters")
		}
		if err := checkImage(f.Image); err != nil {
			return err
		}
	}
	return nil
}

// add adds the fill's appearance (and any picture) to u and returns the
// widget's dictionary, which points at page.
func (f *Fill) add(u *update, page string) []byte {
	w, h := f.Rect[2]-f.Rect[0], f.Rect[3]-f.Rect[1]
	var b bytes.Buffer
	b.WriteString("<< /Type /Annot /Subtype /Widget /T ")
	pdfdoc.TextString(&b, f.Name)
	// Ff 1: read-only, so no viewer offers to change what was signed.
	fmt.Fprintf(&b, " /Ff 1 /F 4 /P %s /Rect [%s %s %s %s]", page, num(f.Rect[0]), num(f.Rect[1]), num(f.Rect[2]), num(f.Rect[3]))
	if f.Checkbox {
		on := u.add(formXObject(w, h, zapf, checkbox(w, h, true)))
		off := u.add(formXObject(w, h, zapf, checkbox(w, h, false)))
		state := "/Off"
		if f.Text == "yes" {
			state = "/Yes"
		}
		fmt.Fprintf(&b, " /FT /Btn /V %s /AS %s /AP << /N << /Yes %s /Off %s >> >> >>", state, state, pdfdoc.Ref(on, 0), pdfdoc.Ref(off, 0))
		return b.Bytes()
	}
	var ap uint32
	if f.Image != nil {
		im := addImage(u, f.Image)
		ap = u.add(formXObject(w, h, "/XObject << /Im1 "+pdfdoc.Ref(im, 0)+" >>", []byte(fitImage(f.Image, "Im1", 1, 1, w-2, h-2))))
	} else {
		shown := f.Text
		if l := strings.TrimSpace(f.Label); l != "" {
			shown = strings.TrimSuffix(l, ":") + ": " + f.Text
		}
		ap = u.add(formXObject(w, h, helvetica, textContent(shown, w, h)))
	}
	b.WriteString(" /FT /Tx /V ")
	pdfdoc.TextString(&b, f.Text)
	b.WriteString(" /DA (/Helv 0 Tf 0 g) /AP << /N " + pdfdoc.Ref(ap, 0) + " >> >>")
	return b.Bytes()
}

const zapf = "/Font << /ZaDb << /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >> >>"

// checkbox draws a box and, ticked, ZapfDingbats' check mark (a20, "4"),
// which text extraction reads as U+2714.
func checkbox(w, h float64, ticked bool) []byte {
	var c bytes.Buffer
	fmt.Fprintf(&c, "q 0 0 0 RG 0.8 w 0.4 0.4 %s %s re S Q\n", num(w-0.8), num(h-0.8))
	if ticked {
		size := math.Min(w, h) * 0.8
		fmt.Fprintf(&c, "BT 0 g /ZaDb %s Tf %s %s Td (4) Tj ET\n", num(size), num((w-size*0.846)/2), num((h-size*0.7)/2))
	}
	return c.Bytes()
}

// textContent lays text out in a box of w by h points: on one line when it
// fits (in 11 points at most), otherwise wrapped at spaces and smaller,
// down to 4 points; what still does not fit is clipped at the box.
func textContent(text string, w, h float64) []byte {
	const pad = 2
	size := math.Min(11, h*0.7)
	lines := wrapText(text, w-2*pad, size)
	for size > 4 && (len(lines) > 1 && float64(len(lines))*size*1.15 > h-pad || textWidth(lines[0], size) > w-2*pad) {
		size = math.Max(4, size-0.5)
		lines = wrapText(text, w-2*pad, size)
	}
	var c bytes.Buffer
	fmt.Fprintf(&c, "q 0 0 %s %s re W n BT 0 g /F1 %s Tf\n", num(w), num(h), num(size))
	// One line sits in the middle; several start at the top.
	y := (h-size)/2 + size*0.22
	if len(lines) > 1 {
		y = h - pad - size*0.9
	}
	for i, line := range lines {
		if y < -size {
			break
		}
		if i == 0 {
			fmt.Fprintf(&c, "%s %s Td ", num(pad), num(y))
		} else {
			fmt.Fprintf(&c, "0 %s Td ", num(-size*1.15))
		}
		winAnsiString(&c, line)
		c.WriteString(" Tj\n")
		y -= size * 1.15
	}
	c.WriteString("ET Q\n")
	return c.Bytes()
}

// wrapText breaks text into lines no wider than width at size, at spaces
// (and the lines it was given); a word wider than the box stays whole.
func wrapText(text string, width, size float64) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && textWidth(line+" "+word, size) > width {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		out = append(out, line)
	}
	return out
}

// textWidth is the width of s in Helvetica at size points.
func textWidth(s string, size float64) float64 {
	units := 0
	for _, r := range s {
		if r >= 32 && r < 127 {
			units += helveticaWidths[r-32]
		} else {
			units += 556
		}
	}
	return float64(units) * size / 1000
}

// helveticaWidths are Helvetica's advance widths (its AFM) for the
// printable ASCII characters, space to tilde, in thousandths of an em.
var helveticaWidths = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
}
