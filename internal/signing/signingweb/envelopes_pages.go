package signingweb

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"dbtp/internal/pdfpages"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
)

// The fields page shows each field on a small picture of its page, drawn
// from the draft's original PDF by poppler's pdftoppm (Debian package
// poppler-utils) through pdfpages, which the records module's previews
// share. Pictures are kept by the document's SHA-256 and page, after the
// access check that each request makes as the PDF's own download does;
// without pdftoppm the page map is blank and placing works as before.

// pagePictureWidth is a page picture's width in pixels: twice the page
// map's 238 CSS pixels, sharp on a high-density screen.
const pagePictureWidth = 476

// pictureCacheSize bounds the pictures kept (a picture is some 20 to 60
// kB); two are drawn at once, as the machine's cores are shared.
const pictureCacheSize = 64

// pictureOptions bound each pdfinfo and pdftoppm run for a picture.
var pictureOptions = pdfpages.Options{Timeout: 30 * time.Second}

// pagePicture serves /envelopes/{id}/pages/{n}: page n of the envelope's
// original PDF as a PNG, to those who may read the envelope.
func (p *envelopesPart) pagePicture(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.ss.Get(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > env.Pages {
		return platform.Errorf(platform.CodeNotFound, "The document has no such page")
	}
	png, err := p.pictures.Cached(r.Context(), env.OrgID+"/"+env.OriginalSHA256, n, pagePictureWidth, pictureOptions, func() ([]byte, error) {
		rc, _, err := p.ss.EnvelopeDocument(r.Context(), sub, env.ID, signing.DocOriginal)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		pdf, err := io.ReadAll(io.LimitReader(rc, signing.MaxPDFSize+1))
		if err != nil {
			return nil, platform.Internal(err)
		}
		return pdf, nil
	})
	if errors.Is(err, pdfpages.ErrToolMissing) {
		return platform.Errorf(platform.CodeNotFound, "Pictures of pages need pdftoppm (Debian package poppler-utils), which this server lacks")
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("X-Content-Type-Options", "nosniff")
	// Not kept by the browser: on a shared computer the next person signed
	// in would see the contract's pages from its cache (the server refuses
	// them). A page's maps still share one download (the document's own
	// list of images), and the server keeps the pictures (pdfpages).
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	_, err = w.Write(png)
	return err
}
