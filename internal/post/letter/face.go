package letter

import (
	"os"
	"sync"

	"github.com/go-pdf/fpdf"
)

// face is a TrueType typeface read from the system, so names such as
// "Łukasz" or "Siân" print as written and the binary carries no font; with
// none, letters are set in the PDF's own Helvetica, which knows only
// Windows-1252.
type face struct {
	regular, bold []byte
	has           map[uint16]uint16 // the characters it has a glyph for
}

const faceFamily = "dbtpletter"

// faceFiles are tried in order: Liberation Sans has Helvetica's (Arial's)
// widths, so the layout is the same; DejaVu Sans comes with much else.
var faceFiles = [][2]string{
	{"/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"},
	{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"},
}

// systemFace is read once per process.
var systemFace = sync.OnceValue(func() face {
	for _, f := range faceFiles {
		if fc, ok := loadFace(f[0], f[1]); ok {
			return fc
		}
	}
	return face{}
})

// loadFace reads a pair of fonts and proves fpdf can set them; one it
// cannot parse (even by panicking) leaves letters in Helvetica rather than
// failing every letter.
func loadFace(regularPath, boldPath string) (fc face, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	regular, err1 := os.ReadFile(regularPath)
	bold, err2 := os.ReadFile(boldPath)
	ttf, err3 := fpdf.TtfParse(regularPath)
	if err1 != nil || err2 != nil || err3 != nil || len(ttf.Chars) == 0 {
		return face{}, false
	}
	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddUTF8FontFromBytes(faceFamily, "", regular)
	doc.AddUTF8FontFromBytes(faceFamily, "B", bold)
	doc.AddPage()
	doc.SetFont(faceFamily, "B", 10)
	doc.Cell(0, 10, "Zoë O’Brien, Łukasz")
	var sink discard
	if err := doc.Output(&sink); err != nil {
		return face{}, false
	}
	return face{regular: regular, bold: bold, has: ttf.Chars}, true
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
