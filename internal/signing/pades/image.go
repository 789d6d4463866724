package pades

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"math"

	"dbtp/internal/platform"
	"dbtp/internal/signing/internal/pdfdoc"
)

// maxImagePixels bounds a picture drawn in a box: a signature pad gives a
// few hundred by a hundred or so pixels; a picture a thousand times larger
// would only make the file (and the memory signing it needs) grow.
const maxImagePixels = 4 << 20

func checkImage(img image.Image) error {
	if img == nil {
		return nil
	}
	b := img.Bounds()
	if b.Dx() < 1 || b.Dy() < 1 || b.Dx()*b.Dy() > maxImagePixels {
		return platform.Invalid(fmt.Sprintf("the signature picture must have from 1 to %d pixels", maxImagePixels))
	}
	return nil
}

// addImage adds img to u as an image XObject (ISO 32000-1 8.9.5): its
// colours as DeviceRGB samples and, where any pixel is not opaque, its
// alpha as a soft mask, so a drawing on a transparent canvas shows on
// the box's background. Both are Flate-compressed.
func addImage(u *update, img image.Image) uint32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	rgb := make([]byte, 0, w*h*3)
	alpha := make([]byte, 0, w*h)
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a < 0xffff {
				opaque = false
			}
			// Colours come premultiplied by alpha; the soft mask applies
			// alpha again, so undo it (a transparent pixel's colour is moot).
			if a > 0 && a < 0xffff {
				r, g, bl = r*0xffff/a, g*0xffff/a, bl*0xffff/a
			}
			rgb = append(rgb, byte(r>>8), byte(g>>8), byte(bl>>8))
			alpha = append(alpha, byte(a>>8))
		}
	}
	smask := ""
	if !opaque {
		id := u.add(imageStream(w, h, "/DeviceGray", "", alpha))
		smask = " /SMask " + pdfdoc.Ref(id, 0)
	}
	return u.add(imageStream(w, h, "/DeviceRGB", smask, rgb))
}

func imageStream(w, h int, space, extra string, samples []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(samples) // writing to memory does not fail
	zw.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8%s /Filter /FlateDecode /Length %d >>\nstream\n",
		w, h, space, extra, z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream")
	return b.Bytes()
}

// fitImage returns the content operators that draw image /name inside the
// box at x, y of size w by h, as large as fits, keeping its proportions,
// centred.
func fitImage(img image.Image, name string, x, y, w, h float64) string {
	b := img.Bounds()
	iw, ih := float64(b.Dx()), float64(b.Dy())
	scale := math.Min(w/iw, h/ih)
	dw, dh := iw*scale, ih*scale
	return fmt.Sprintf("q %s 0 0 %s %s %s cm /%s Do Q\n", num(dw), num(dh), num(x+(w-dw)/2), num(y+(h-dh)/2), name)
}
