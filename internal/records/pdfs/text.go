package pdfs

import (
	"dbtp/internal/pdffont"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"
)

// fontFamily is the name the TrueType font is registered under.
const fontFamily = "dbtpsans"

// doc is an A4 document in points with the face's fonts and the function
// that makes any text showable in them.
type doc struct {
	*fpdf.Fpdf
	utf8   bool
	has    map[uint16]uint16
	cp1252 func(string) string
}

func newDoc(fc pdffont.Face, title string) *doc {
	pdf := fpdf.New("P", "pt", "A4", "")
	pdf.SetMargins(50, 50, 50)
	pdf.SetAutoPageBreak(true, 50)
	pdf.SetCreator("dbtp", false)
	// The alias must be set before a UTF-8 font is added: fpdf sizes the
	// font subset by it.
	pdf.AliasNbPages("{nb}")
	d := &doc{Fpdf: pdf}
	if fc.OK() {
		fc.Add(pdf, fontFamily)
		d.utf8, d.has = true, fc.Has
	} else {
		d.cp1252 = pdf.UnicodeTranslatorFromDescriptor("")
	}
	pdf.SetTitle(d.plain(title), true)
	return d
}

// font selects the document's face in a style ("" or "B") and size.
func (d *doc) font(style string, size float64) {
	if d.utf8 {
		d.SetFont(fontFamily, style, size)
	} else {
		d.SetFont("Helvetica", style, size)
	}
}

// plain is s as valid UTF-8 in composed form (a name typed on a Mac may
// arrive as "e" plus a combining mark) with line breaks kept, tabs as
// spaces, and control and format characters dropped: they are invisible,
// and bidirectional overrides could make a line read other than it says.
func (d *doc) plain(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// text makes s showable in the current face: characters the font has no
// glyph for (or Windows-1252 lacks, on Helvetica) become "?". It never
// fails, so an unusual name can never stop a certificate being made.
func (d *doc) text(s string) string {
	var b strings.Builder
	for _, r := range d.plain(s) {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case d.utf8:
			// fpdf indexes a 65,536-entry width table by rune: anything
			// beyond the Basic Multilingual Plane must not reach it.
			if r > 0xFFFF || d.has[uint16(r)] == 0 {
				b.WriteByte('?')
			} else {
				b.WriteRune(r)
			}
		default:
			if t := d.cp1252(string(r)); t != "." {
				b.WriteString(t)
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}

// line is text on one line: line breaks become spaces.
func (d *doc) line(s string) string { return d.text(strings.ReplaceAll(s, "\n", " ")) }

// clip shortens s to n characters, so one long field cannot make a row
// taller than a page.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// wrap breaks showable text into lines no wider than w points in the
// current font, between words where it can and inside a word that is wider
// than a whole line.
func (d *doc) wrap(s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		cur := ""
		for _, word := range strings.Split(para, " ") {
			cand := word
			if cur != "" {
				cand = cur + " " + word
			}
			if d.GetStringWidth(cand) <= w {
				cur = cand
				continue
			}
			if cur != "" {
				lines = append(lines, cur)
			}
			for d.GetStringWidth(word) > w {
				n := d.fit(word, w)
				lines = append(lines, word[:n])
				word = word[n:]
			}
			cur = word
		}
		lines = append(lines, cur)
	}
	return lines
}

// fit is how many bytes of s fit in w points, at least one character.
// Characters are runes in a UTF-8 face and single bytes in Windows-1252.
func (d *doc) fit(s string, w float64) int {
	size := func(i int) int {
		if !d.utf8 {
			return 1
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		return n
	}
	n := size(0)
	for n < len(s) && d.GetStringWidth(s[:n+size(n)]) <= w {
		n += size(n)
	}
	return n
}

// column is one column of a table: its heading and width in points.
type column struct {
	head  string
	width float64
}

// table draws rows under a heading row, wrapping each cell, keeping each
// row on one page and repeating the heading on every page it spans.
func (d *doc) table(cols []column, rows [][]string) {
	const size, lineH, pad = 9.0, 11.0, 3.0
	left, _, _, bottom := d.GetMargins()
	_, pageH := d.GetPageSize()
	layout := func(cells []string, style string) ([][]string, float64) {
		d.font(style, size)
		wrapped := make([][]string, len(cols))
		lines := 1
		for i, c := range cols {
			wrapped[i] = d.wrap(d.text(clip(cells[i], 400)), c.width-2*pad)
			lines = max(lines, len(wrapped[i]))
		}
		return wrapped, float64(lines)*lineH + 2*pad
	}
	paint := func(wrapped [][]string, h float64, style string) {
		d.font(style, size)
		y, x := d.GetY(), left
		for i, c := range cols {
			if style == "B" {
				d.Rect(x, y, c.width, h, "FD")
			} else {
				d.Rect(x, y, c.width, h, "D")
			}
			for j, l := range wrapped[i] {
				d.Text(x+pad, y+pad+float64(j)*lineH+size, l)
			}
			x += c.width
		}
		d.SetXY(left, y+h)
	}
	// A table whose columns have no headings (label and value pairs) has
	// no heading row.
	heads, hasHead := make([]string, len(cols)), false
	for i, c := range cols {
		heads[i], hasHead = c.head, hasHead || c.head != ""
	}
	headWrapped, headH := layout(heads, "B")
	head := func() {
		if hasHead {
			paint(headWrapped, headH, "B")
		}
	}
	d.SetDrawColor(120, 120, 120)
	d.SetFillColor(235, 235, 235)
	if d.GetY()+headH+lineH+2*pad > pageH-bottom {
		d.AddPage()
	}
	head()
	for _, r := range rows {
		wrapped, h := layout(r, "")
		if d.GetY()+h > pageH-bottom {
			d.AddPage()
			head()
		}
		paint(wrapped, h, "")
	}
	d.Ln(8)
}

// heading writes a bold line with space around it.
func (d *doc) heading(s string, size float64) {
	d.Ln(size / 2)
	d.font("B", size)
	d.MultiCell(0, size*1.3, d.text(s), "", "L", false)
	d.Ln(size / 4)
}

// para writes wrapped text.
func (d *doc) para(s string, size float64) {
	d.font("", size)
	d.MultiCell(0, size*1.35, d.text(s), "", "L", false)
	d.Ln(size / 2)
}

// footer puts text and "page n of m" at the foot of every page.
func (d *doc) footer(text string) {
	d.SetFooterFunc(func() {
		d.SetY(-35)
		d.font("", 8)
		d.SetTextColor(80, 80, 80)
		d.CellFormat(0, 10, d.line(fmt.Sprintf("%s · page %d of {nb}", text, d.PageNo())), "", 0, "C", false, 0, "")
		d.SetTextColor(0, 0, 0)
	})
}

// when formats a time in its own location, as people in the council read it.
func when(t time.Time) string { return t.Format("2 January 2006, 15:04 MST") }

// day formats a date.
func day(t time.Time) string { return t.Format("2 January 2006") }
