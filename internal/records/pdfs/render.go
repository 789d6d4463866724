package pdfs

import (
	"context"

	"dbtp/internal/pdfpages"
)

// previews bounds the records module's page pictures: two render at once,
// whoever asks, as the machine's cores are shared. Pictures are not kept:
// a preview is drawn from the bytes its request has just read, past the
// access check, and sent with no-store.
var previews = pdfpages.NewRenderer(2, 0)

// PageCount reads a PDF's page count.
func PageCount(ctx context.Context, pdf []byte, o Options) (int, error) {
	return pdfpages.PageCount(ctx, pdf, pdfpages.Options{Timeout: o.Timeout})
}

// RenderPage renders page (1-based) of pdf as a PNG width pixels wide (see
// pdfpages.Renderer.Render): the crop box with rotation applied, which is
// also what Redact rasterises, so redaction boxes drawn on the preview land
// in the same place.
func RenderPage(ctx context.Context, pdf []byte, page, width int, o Options) ([]byte, error) {
	return previews.Render(ctx, pdf, page, width, pdfpages.Options{Timeout: o.Timeout})
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
