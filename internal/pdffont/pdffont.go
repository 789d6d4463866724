// Package pdffont finds the TrueType typeface dbtp's generated PDFs are set
// in (letters, case bundles, certificates): read from the system so names
// such as "Łukasz" or "Siân" print as written and the binary carries no
// font. Without one, documents fall back to the PDF's own Helvetica, which
// knows only Windows-1252.
package pdffont

import (
	"os"
	"sync"

	"github.com/go-pdf/fpdf"
)

// Face is a regular and bold pair of one TrueType family.
type Face struct {
	Regular, Bold []byte
	Has           map[uint16]uint16 // the characters it has a glyph for
}

// OK reports whether a typeface was found.
func (f Face) OK() bool { return f.Regular != nil }

// Add registers the face on doc under family, in "" and "B".
func (f Face) Add(doc *fpdf.Fpdf, family string) {
	doc.AddUTF8FontFromBytes(family, "", f.Regular)
	doc.AddUTF8FontFromBytes(family, "B", f.Bold)
}

// Files are tried in order. Liberation Sans has Helvetica's (Arial's)
// widths, so a layout measured in one fits in the other; Debian's
// fonts-liberation comes with chromium (and CI installs it). DejaVu Sans
// comes with much else.
var Files = [][2]string{
	{"/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"},
	{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"},
}

// System is the first of Files that loads, read once per process: fonts do
// not change under a running server, and the files are a few hundred
// kilobytes. The zero Face when none does.
var System = sync.OnceValue(func() Face {
	for _, f := range Files {
		if fc, ok := Load(f[0], f[1]); ok {
			return fc
		}
	}
	return Face{}
})

// Load reads a pair of fonts and proves fpdf can set them by writing a
// small document; one that is missing or that fpdf cannot parse (even by
// panicking) is refused, so a bad font leaves documents in Helvetica
// rather than failing every one.
func Load(regularPath, boldPath string) (fc Face, ok bool) {
	defer func() {
		if recover() != nil {
			fc, ok = Face{}, false
		}
	}()
	regular, err1 := os.ReadFile(regularPath)
	bold, err2 := os.ReadFile(boldPath)
	ttf, err3 := fpdf.TtfParse(regularPath)
	if err1 != nil || err2 != nil || err3 != nil || len(ttf.Chars) == 0 {
		return Face{}, false
	}
	fc = Face{Regular: regular, Bold: bold, Has: ttf.Chars}
	doc := fpdf.New("P", "mm", "A4", "")
	fc.Add(doc, "check")
	doc.AddPage()
	doc.SetFont("check", "B", 10)
	doc.Cell(0, 10, "Zoë O’Brien, Łukasz")
	if err := doc.Output(discard{}); err != nil {
		return Face{}, false
	}
	return fc, true
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
