// Package letter renders letters as A4 PDFs for windowed envelopes: the
// recipient's address placed to show through a DL window, the council's
// logo and return address, the date and reference, the body's headings,
// paragraphs and lists, and page numbers; and a large-print variant. It
// is pure: no database and no net/http.
//
// The page follows GOV.UK Notify's letter specification, which printers
// of hybrid mail already accept: the address in the area 24.6 mm from the
// left, 39.5 mm to 66.3 mm from the top and no wider than 95.4 mm (where
// a C5/DL window shows it), the logo in the top left corner no lower than
// 30 mm, the return address from 125 mm across, ending above 95 mm, where
// the body begins, and nothing within 15 mm of the sides or 5 mm of the
// top and bottom.
package letter

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"dbtp/internal/pdffont"
	"dbtp/internal/post/notify"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Letter is what one printed letter says.
type Letter struct {
	Council       string   // the sender's name, at the head
	ReturnAddress []string // the council's address block, one line per line
	Logo          []byte   // PNG or JPEG, optional
	Address       []string // the recipient's address: 3 to 7 lines, the last a postcode (or a country abroad)
	Date          time.Time
	Reference     string // printed under the date, optional
	Heading       string // the letter's subject line
	Blocks        []notify.Block
	LargePrint    bool // large print: 16 pt and up, wider spacing
}

// The page's fixed positions, in millimetres from the top left corner.
const (
	pageW, pageH = 210.0, 297.0
	marginSide   = 15.0 // nothing printed nearer the sides
	marginTop    = 5.0
	marginBottom = 5.0

	addressLeft   = 24.6
	addressTop    = 39.5
	addressBottom = 66.3
	addressRight  = 120.0

	logoLeft, logoTop, logoBottom, logoRight = 15.0, 5.0, 30.0, 125.0

	returnLeft   = 125.0
	bodyTop      = 95.0
	footerHeight = 15.0 // the page number lives here, above the bottom margin
	laterTop     = 20.0 // where the body starts on the second page on
)

// faceFamily is the name the system typeface (pdffont.System) is
// registered under in a letter.
const faceFamily = "dbtpletter"

// sizes are a letter's type sizes, in points, and line heights, in mm.
type sizes struct {
	body, heading, title, small float64
	line, gap                   float64
}

var (
	standard   = sizes{body: 11, heading: 13, title: 14, small: 9, line: 5, gap: 3}
	largePrint = sizes{body: 16, heading: 19, title: 20, small: 16, line: 8, gap: 5}
)

// Render returns the letter as a PDF and its number of pages.
func Render(l Letter) (pdf []byte, pages int, err error) {
	addr, err := CheckAddress(l.Address)
	if err != nil {
		return nil, 0, err
	}
	sz := standard
	if l.LargePrint {
		sz = largePrint
	}
	doc := fpdf.New("P", "mm", "A4", "")
	// Uncompressed: fpdf makes a new zlib writer (about 600 KB) for each
	// stream, which made rendering four times slower for letters that
	// are only about 4 KB a page without it.
	doc.SetCompression(false)
	doc.SetCatalogSort(true)
	// A fixed creation date makes the same letter the same bytes, so a
	// retried delivery stores the same file.
	when := l.Date
	if when.IsZero() {
		when = time.Unix(0, 0)
	}
	doc.SetCreationDate(when)
	doc.SetModificationDate(when)
	doc.SetTitle(l.Heading, true)
	doc.SetAuthor(l.Council, true)
	doc.SetLang("en-GB")
	doc.SetMargins(marginSide, laterTop, marginSide)
	doc.SetAutoPageBreak(true, marginBottom+footerHeight)
	// The alias is set before a UTF-8 font is added: fpdf sizes the
	// font's subset by it.
	doc.AliasNbPages("{nb}")
	w := newWriter(doc, sz, l)
	doc.SetFooterFunc(func() {
		doc.SetY(pageH - marginBottom - 10)
		w.font("", sz.small)
		doc.CellFormat(0, 6, "Page "+strconv.Itoa(doc.PageNo())+" of {nb}", "", 0, "C", false, 0, "")
	})
	doc.AddPage()
	w.head(l, addr)
	w.body(l.Heading, l.Blocks)
	if err := doc.Error(); err != nil {
		return nil, 0, fmt.Errorf("letter: %w", err)
	}
	var b bytes.Buffer
	if err := doc.Output(&b); err != nil {
		return nil, 0, fmt.Errorf("letter: %w", err)
	}
	return b.Bytes(), doc.PageNo(), nil
}

type writer struct {
	doc    *fpdf.Fpdf
	sz     sizes
	family string            // the font family set
	has    map[uint16]uint16 // a TrueType face's characters; nil: Helvetica in Windows-1252
	bullet string
}

// newWriter sets the letter in Helvetica, or in the system's TrueType
// face when its text needs a character outside Windows-1252: embedding
// a face costs ten times the time of the whole letter, and few letters
// need one.
func newWriter(doc *fpdf.Fpdf, sz sizes, l Letter) *writer {
	w := &writer{doc: doc, sz: sz, family: "Helvetica", bullet: "\x95"} // the bullet in Windows-1252
	if !needsFace(l) {
		return w
	}
	if f := pdffont.System(); f.OK() {
		f.Add(doc, faceFamily)
		w.family, w.has, w.bullet = faceFamily, f.Has, "\u2022"
	}
	return w
}

// needsFace reports whether any of the letter's text has a character
// Windows-1252 lacks.
func needsFace(l Letter) bool {
	texts := append(append([]string{l.Council, l.Reference, l.Heading}, l.ReturnAddress...), l.Address...)
	for _, b := range l.Blocks {
		texts = append(texts, b.Lines...)
	}
	for _, t := range texts {
		for _, r := range norm.NFC.String(t) {
			if r >= 0x80 && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) {
				if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
					return true
				}
			}
		}
	}
	return false
}

// font selects the letter's typeface in a style ("" or "B") and size.
func (w *writer) font(style string, size float64) { w.doc.SetFont(w.family, style, size) }

// head writes the first page's fixed parts: logo (or the council's name),
// return address, date and reference on the right, and the address in
// the window.
func (w *writer) head(l Letter, addr []string) {
	d := w.doc
	if len(l.Logo) > 0 {
		opt := fpdf.ImageOptions{ImageType: imageType(l.Logo), ReadDpi: true}
		info := d.RegisterImageOptionsReader("logo", opt, bytes.NewReader(l.Logo))
		if info != nil && d.Ok() {
			// Fit inside the logo area, keeping the aspect ratio.
			bw, bh := logoRight-logoLeft-10, logoBottom-logoTop
			iw, ih := info.Extent()
			scale := min(bw/iw, bh/ih)
			d.ImageOptions("logo", logoLeft, logoTop, iw*scale, ih*scale, false, opt, 0, "")
		}
	} else if l.Council != "" {
		w.font("B", 16)
		d.SetXY(logoLeft, logoTop+8)
		d.CellFormat(logoRight-logoLeft-10, 8, w.tr(l.Council), "", 0, "L", false, 0, "")
	}

	// The return address, date and reference on the right, ending above
	// the body. Large print makes them larger too: they are what the
	// reader needs to reply.
	right := w.trLines(l.ReturnAddress)
	right = append(right, "")
	if !l.Date.IsZero() {
		right = append(right, l.Date.In(london()).Format("2 January 2006"))
	}
	if l.Reference != "" {
		right = append(right, w.tr("Reference: "+l.Reference))
	}
	size, lh := 9.0, 4.0
	if w.sz.body > standard.body {
		size, lh = 12, 5.2
	}
	top := bodyTop - 4 - float64(len(right))*lh
	if top < marginTop {
		top = marginTop
	}
	w.font("", size)
	for i, line := range right {
		d.SetXY(returnLeft, top+float64(i)*lh)
		d.CellFormat(pageW-marginSide-returnLeft, lh, line, "", 0, "L", false, 0, "")
	}

	// The address: a fixed size whatever the print, so seven lines always
	// fit the window (26.8 mm). A line too long for the window's width is
	// shrunk rather than cut.
	w.font("", 10)
	lineH := (addressBottom - addressTop) / MaxAddressLines
	for i, a := range addr {
		s := w.tr(a)
		fs := 10.0
		for fs > 6 && d.GetStringWidth(s) > addressRight-addressLeft {
			fs -= 0.5
			d.SetFontSize(fs)
		}
		d.SetXY(addressLeft, addressTop+float64(i)*lineH)
		d.CellFormat(addressRight-addressLeft, lineH, s, "", 0, "L", false, 0, "")
		d.SetFontSize(10)
	}
	d.SetXY(marginSide, bodyTop)
}

// london is the letters' time zone: a letter made at 23:30 UTC in summer
// is dated the next day, as the reader's calendar says. Without the zone
// database, UTC.
var london = sync.OnceValue(func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
})

// imageType names a logo's format from its first bytes; fpdf reports an
// error for anything else.
func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		return "PNG"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8}):
		return "JPG"
	}
	return "unknown"
}

// CheckLogo reports whether logo can head a letter, for settings read at
// start-up: a bad logo would otherwise fail every letter.
func CheckLogo(logo []byte) error {
	if t := imageType(logo); t == "unknown" {
		return errors.New("the logo must be a PNG or JPEG image")
	}
	_, _, err := Render(Letter{Logo: logo, Address: []string{"A", "B", "NS1 1AA"}})
	return err
}

// body writes the heading and the blocks from the body's top on.
func (w *writer) body(heading string, blocks []notify.Block) {
	d, sz := w.doc, w.sz
	width := pageW - 2*marginSide
	if heading != "" {
		w.font("B", sz.title)
		d.MultiCell(width, sz.line*1.2, w.tr(heading), "", "L", false)
		d.Ln(sz.gap)
	}
	for _, b := range blocks {
		switch b.Kind {
		case notify.Heading:
			// A heading is never the last thing on a page: it goes over
			// with the lines it heads.
			if d.GetY()+sz.line*4 > pageH-marginBottom-footerHeight {
				d.AddPage()
			}
			d.Ln(sz.gap / 2)
			w.font("B", sz.heading)
			d.MultiCell(width, sz.line*1.1, w.tr(strings.Join(b.Lines, " ")), "", "L", false)
			d.Ln(sz.gap / 2)
		case notify.Bullets, notify.Numbered:
			w.font("", sz.body)
			indent := sz.body * 0.6
			for i, item := range b.Lines {
				mark := w.bullet
				if b.Kind == notify.Numbered {
					mark = strconv.Itoa(i+1) + "."
				}
				d.SetX(marginSide + 2)
				d.CellFormat(indent, sz.line, mark, "", 0, "L", false, 0, "")
				// An item's later lines line up with its first, not the mark.
				d.SetLeftMargin(marginSide + 2 + indent)
				d.MultiCell(width-indent-2, sz.line, w.tr(item), "", "L", false)
				d.SetLeftMargin(marginSide)
				d.Ln(sz.gap / 3)
			}
			d.Ln(sz.gap * 2 / 3)
		case notify.Inset:
			// Inset text: indented with a bar down its left, as GOV.UK's
			// inset text is.
			w.font("", sz.body)
			y0, p0 := d.GetY(), d.PageNo()
			d.SetLeftMargin(marginSide + 6)
			d.SetX(marginSide + 6)
			d.MultiCell(width-6, sz.line, w.tr(strings.Join(b.Lines, "\n")), "", "L", false)
			d.SetLeftMargin(marginSide)
			if y1 := d.GetY(); d.PageNo() == p0 {
				d.SetLineWidth(1)
				d.SetDrawColor(177, 180, 182)
				d.Line(marginSide+1.5, y0, marginSide+1.5, y1)
				d.SetLineWidth(0.2)
				d.SetDrawColor(0, 0, 0)
			}
			d.Ln(sz.gap)
		case notify.Rule:
			y := d.GetY() + sz.gap/2
			d.SetLineWidth(0.3)
			d.Line(marginSide, y, pageW-marginSide, y)
			d.SetY(y + sz.gap)
		case notify.PageBreak:
			d.AddPage()
		default: // paragraphs, and any kind added later
			w.font("", sz.body)
			d.MultiCell(width, sz.line, w.tr(strings.Join(b.Lines, "\n")), "", "L", false)
			d.Ln(sz.gap)
		}
	}
}

// tr makes s printable in the letter's typeface: in composed form (a
// name typed on a Mac may arrive as "e" and a combining accent), without
// control or format characters (a bidirectional override could make a
// line read other than it says), and any character the face lacks as
// "?" rather than an empty box. With Helvetica that is anything outside
// Windows-1252, the encoding of the PDF's standard fonts.
func (w *writer) tr(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "?"))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '\u2011', '\u2010', '\u2212':
			r = '-'
		case '\u00a0', '\u202f', '\u2009':
			r = ' '
		}
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		case w.has != nil:
			if _, ok := w.has[uint16(r)]; ok && r <= 0xffff {
				b.WriteRune(r)
			} else {
				b.WriteByte('?')
			}
		case r < 0x80:
			b.WriteByte(byte(r))
		default:
			if c, ok := charmap.Windows1252.EncodeRune(r); ok {
				b.WriteByte(c)
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}

func (w *writer) trLines(lines []string) []string {
	out := make([]string, 0, len(lines)+3)
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, w.tr(l))
		}
	}
	return out
}
