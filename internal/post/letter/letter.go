// Package letter renders letters as A4 PDFs for windowed envelopes: the
// recipient's address placed to show through a DL window, the council's
// logo and return address, the date and reference, the body's headings,
// paragraphs and lists, and page numbers; and a large-print variant. It
// is pure: no database and no net/http.
//
// SKELETON: the signature is the contract; the letters helper replaces
// the body.
package letter

import (
	"bytes"
	"errors"
	"time"

	"dbtp/internal/post/notify"

	"github.com/go-pdf/fpdf"
)

// Letter is what one printed letter says.
type Letter struct {
	Council       string   // the sender's name, at the head
	ReturnAddress []string // the council's address block, one line per line
	Logo          []byte   // PNG, optional
	Address       []string // the recipient's address: 3 to 7 lines, the last a postcode (or a country abroad)
	Date          time.Time
	Reference     string // printed under the date, optional
	Heading       string // the letter's subject line
	Blocks        []notify.Block
	LargePrint    bool // large print: 16 pt and up, wider spacing
}

// Render returns the letter as a PDF and its number of pages.
func Render(l Letter) (pdf []byte, pages int, err error) {
	if len(l.Address) < 2 {
		return nil, 0, errors.New("an address needs at least two lines")
	}
	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddPage()
	doc.SetFont("Helvetica", "", 11)
	for _, a := range l.Address {
		doc.Cell(0, 5, a)
		doc.Ln(5)
	}
	var b bytes.Buffer
	if err := doc.Output(&b); err != nil {
		return nil, 0, err
	}
	return b.Bytes(), doc.PageNo(), nil
}
