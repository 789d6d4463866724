package recordsweb

import (
	"io"
	"net/http"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/records/pdfs"
)

// PDFs are previewed as pictures of their pages, rendered on the server:
// the strict content security policy allows no PDF plugin in the page,
// and a picture shows the same in every browser, without JavaScript.

// maxPreviewBytes is the largest PDF previewed; bigger ones are
// downloaded instead (rendering reads the whole file).
const maxPreviewBytes = 100 << 20

// previewWidth is the width of a page picture in pixels: sharp on a
// laptop, scaled down by CSS on a phone.
const previewWidth = 900

// pdfPages counts a PDF version's pages for the page's navigation; 0 when
// it cannot be previewed (too big, damaged, protected by a password).
func (h *handlers) pdfPages(r *http.Request, id string, n int, size int64) (int, string) {
	if size > maxPreviewBytes {
		return 0, "This PDF is too large to preview: download it to read it."
	}
	pdf, err := h.readVersion(r, id, n)
	if err != nil {
		return 0, "This PDF cannot be previewed: download it to read it."
	}
	pages, err := pdfs.PageCount(r.Context(), pdf, pdfs.Options{})
	if err != nil {
		return 0, platform.AsError(err).Message
	}
	return pages, ""
}

func (h *handlers) readVersion(r *http.Request, id string, n int) ([]byte, error) {
	sub, err := staff(r)
	if err != nil {
		return nil, err
	}
	rc, _, err := h.rs.Open(r.Context(), sub, id, n)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxPreviewBytes))
}

// pagePicture serves one page of a PDF version as a PNG.
func (h *handlers) pagePicture(w http.ResponseWriter, r *http.Request) error {
	n, err1 := strconv.Atoi(r.PathValue("n"))
	p, err2 := strconv.Atoi(r.PathValue("p"))
	if err1 != nil || err2 != nil || n < 1 || p < 1 {
		return platform.NotFound("page")
	}
	pdf, err := h.readVersion(r, r.PathValue("id"), n)
	if err != nil {
		return err
	}
	png, err := pdfs.RenderPage(r.Context(), pdf, p, previewWidth, pdfs.Options{})
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "image/png")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Length", strconv.Itoa(len(png)))
	w.Write(png)
	return nil
}
