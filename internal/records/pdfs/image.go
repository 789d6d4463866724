package pdfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"

	"dbtp/internal/platform"

	"github.com/go-pdf/fpdf"
)

// maxImagePixels bounds an uploaded picture we decode (40 megapixels, 160 MB
// in memory): larger than any phone photo or A3 scan at 300 dpi, small
// enough that a crafted header cannot make us allocate gigabytes.
const maxImagePixels = 40_000_000

// decodeImage decodes a PNG or JPEG into opaque RGBA pixels, turned upright
// by the photo's EXIF orientation (browsers show photos turned that way, so
// boxes drawn on the preview refer to the turned picture) and flattened onto
// white (a transparent area must not print as black). Decoding and encoding
// again also drops every metadata block, including a photo's GPS position.
func decodeImage(b []byte, what string) (*image.RGBA, error) {
	bad := what + "this image is damaged or is not a PNG or JPEG"
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || (format != "png" && format != "jpeg") {
		return nil, &platform.Error{Code: platform.CodeInvalid, Message: bad, Err: err}
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, platform.Invalid(fmt.Sprintf("%sthis image is %d × %d pixels; the most we take is %d megapixels",
			what, cfg.Width, cfg.Height, maxImagePixels/1_000_000))
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, &platform.Error{Code: platform.CodeInvalid, Message: bad, Err: err}
	}
	r := src.Bounds()
	flat := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(flat, flat.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(flat, flat.Bounds(), src, r.Min, draw.Over)
	if format == "jpeg" {
		return orient(flat, exifOrientation(b)), nil
	}
	return flat, nil
}

// exifOrientation returns the EXIF Orientation tag (1 to 8) of a JPEG, or 1
// when there is none or the EXIF block is malformed: a bad tag must never
// stop a document going out, only leave the picture as stored.
func exifOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0xFF {
			i += 2 // markers without a length
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data: no EXIF after this
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from the first IFD of a TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for k := 0; k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns src upright for EXIF orientation o: for each pixel of the
// result, the source pixel it comes from.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 { // the four orientations that swap width and height
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs a quarter turn clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // needs a quarter turn anticlockwise
				sx, sy = w-1-y, x
			}
			copy(dst.Pix[dst.PixOffset(x, y):][:4], src.Pix[src.PixOffset(sx, sy):][:4])
		}
	}
	return dst
}

// encodePage encodes a page picture for fpdf and says in which format. Most
// pages are black on white: those are stored grey, as the smaller of PNG
// (sharpest for text) and JPEG (far smaller for a noisy photocopy). A page
// with colour is stored as JPEG at quality 90: encoding it as PNG too costs
// more time than the few bytes it would sometimes save.
func encodePage(img *image.RGBA) ([]byte, string, error) {
	var j bytes.Buffer
	if g := asGray(img); g != nil {
		var p bytes.Buffer
		if err := png.Encode(&p, g); err != nil {
			return nil, "", platform.Internal(err)
		}
		if err := jpeg.Encode(&j, g, &jpeg.Options{Quality: 90}); err != nil {
			return nil, "", platform.Internal(err)
		}
		if p.Len() <= j.Len() {
			return p.Bytes(), "PNG", nil
		}
		return j.Bytes(), "JPG", nil
	}
	if err := jpeg.Encode(&j, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, "", platform.Internal(err)
	}
	return j.Bytes(), "JPG", nil
}

// asGray returns img as grey levels if every pixel is grey, or nil.
func asGray(img *image.RGBA) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride:][:4*b.Dx()]
		out := g.Pix[y*g.Stride:][:b.Dx()]
		for x := range out {
			r, gg, bb := row[4*x], row[4*x+1], row[4*x+2]
			if r != gg || r != bb {
				return nil
			}
			out[x] = r
		}
	}
	return g
}

// placeImage draws an encoded picture at x, y (points from the top left of
// the current page), w by h points. name must be unique in the document.
func placeImage(pdf *fpdf.Fpdf, name string, data []byte, kind string, x, y, w, h float64) {
	opt := fpdf.ImageOptions{ImageType: kind}
	pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(data))
	pdf.ImageOptions(name, x, y, w, h, false, opt, 0, "")
}

// newImageDoc starts a document in points whose pages are pictures; no
// title, author or other metadata is carried over from the source.
func newImageDoc() *fpdf.Fpdf {
	pdf := fpdf.New("P", "pt", "A4", "")
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetCreator("dbtp", false)
	return pdf
}

// imagePageSize is the A4 page (portrait or landscape, as the picture is)
// for a picture of w by h pixels, and where the picture goes on it: at 150
// dpi if it fits within a 10 mm margin, otherwise scaled down to fit,
// centred either way.
func imagePageSize(w, h int) (pageW, pageH, x, y, iw, ih float64) {
	pageW, pageH = 595.28, 841.89
	if w > h {
		pageW, pageH = pageH, pageW
	}
	const margin = 28.35
	iw, ih = float64(w)*72/150, float64(h)*72/150
	if s := min((pageW-2*margin)/iw, (pageH-2*margin)/ih); s < 1 {
		iw, ih = iw*s, ih*s
	}
	return pageW, pageH, (pageW - iw) / 2, (pageH - ih) / 2, iw, ih
}

// addPicturePage adds a page showing one picture, sized by imagePageSize.
func addPicturePage(pdf *fpdf.Fpdf, name string, img *image.RGBA) error {
	data, kind, err := encodePage(img)
	if err != nil {
		return err
	}
	pw, ph, x, y, iw, ih := imagePageSize(img.Bounds().Dx(), img.Bounds().Dy())
	pdf.AddPageFormat("P", fpdf.SizeType{Wd: pw, Ht: ph})
	placeImage(pdf, name, data, kind, x, y, iw, ih)
	return nil
}
