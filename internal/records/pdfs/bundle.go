package pdfs

import (
	"context"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/pdffont"
	"dbtp/internal/pdfpages"
	"dbtp/internal/platform"
)

// BundleItem is one document released to the person who asked. Content is
// a PDF or a PNG or JPEG picture, as MediaType says; an item that was
// redacted should carry Redact's output, not the original.
type BundleItem struct {
	Title, Source, Date string
	Redacted            bool
	MediaType           string
	Content             []byte
}

// Bundle joins a subject access bundle into one PDF: an index listing each
// item (number, title, source, date, whether redacted, the page it starts
// on) followed by every item's pages, in order. Pictures become one page
// each; other items must be PDFs. Options.MaxPages bounds the whole bundle.
func Bundle(ctx context.Context, title, council string, requested time.Time, items []BundleItem, o Options) ([]byte, error) {
	o = o.withDefaults()
	w, err := newWorkdir(o)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	files := make([]string, len(items))
	pages := make([]int, len(items))
	total := 0
	for i, it := range items {
		files[i] = fmt.Sprintf("item%d.pdf", i+1)
		what := fmt.Sprintf("item %d (%s): ", i+1, clip(oneLine(orUntitled(it.Title)), 80))
		if pages[i], err = bundleItem(ctx, w, files[i], it, what, o); err != nil {
			return nil, err
		}
		// Checked as we go, so a bundle far too big stops at the first item over.
		if total += pages[i]; total > o.MaxPages {
			return nil, platform.Invalid(fmt.Sprintf("this bundle would have more than %d pages; split it into smaller bundles", o.MaxPages))
		}
	}

	// The index gives each item's first page, which depends on how many
	// pages the index itself takes: lay it out until that settles (the
	// page numbers are short, so it settles at once in practice).
	var index []byte
	indexPages := 1
	for range 3 {
		if index, err = bundleIndex(title, council, requested, items, pages, indexPages); err != nil {
			return nil, err
		}
		n, err := countPages(ctx, w, "index.pdf", index)
		if err != nil {
			return nil, err
		}
		if n == indexPages {
			break
		}
		indexPages = n
	}
	total += indexPages
	if total > o.MaxPages {
		return nil, platform.Invalid(fmt.Sprintf("this bundle would have more than %d pages; split it into smaller bundles", o.MaxPages))
	}
	if err := w.Write("index.pdf", index); err != nil {
		return nil, err
	}

	args := append([]string{"--empty", "--pages", "index.pdf"}, files...)
	args = append(args, "--", "bundle.pdf")
	if _, err := w.Run(ctx, "qpdf", args...); err != nil {
		// qpdf exits 3 when it succeeded with warnings (a damaged but
		// readable input it repaired); the count check below still holds.
		if pdfpages.ExitCode(err) != 3 {
			return nil, pdfpages.ToolError(err, "")
		}
	}
	// Never a silent drop: the bundle must have every page of every item.
	d, err := w.Info(ctx, "bundle.pdf", 1, 1, "")
	if err != nil {
		return nil, err
	}
	if d.Pages != total {
		return nil, platform.Internal(fmt.Errorf("bundle has %d pages, want %d", d.Pages, total))
	}
	return w.Read("bundle.pdf")
}

// bundleItem writes item it to name in the work directory as a PDF and
// returns its page count.
func bundleItem(ctx context.Context, w *pdfpages.Dir, name string, it BundleItem, what string, o Options) (int, error) {
	mt, _, err := mime.ParseMediaType(it.MediaType)
	if err != nil {
		mt = ""
	}
	switch strings.ToLower(mt) {
	case "application/pdf":
		d, err := w.OpenPDF(ctx, name, it.Content, 1, 1, what)
		if err != nil {
			return 0, err
		}
		if d.Pages > o.MaxPages {
			return 0, platform.Invalid(fmt.Sprintf("%sit has %d pages; a bundle can have at most %d", what, d.Pages, o.MaxPages))
		}
		return d.Pages, nil
	case "image/png", "image/jpeg":
		if err := ctx.Err(); err != nil {
			return 0, platform.Internal(err)
		}
		pic, err := decodeImage(it.Content, what)
		if err != nil {
			return 0, err
		}
		doc := newImageDoc()
		if err := addPicturePage(doc, "picture", pic); err != nil {
			return 0, err
		}
		b, err := output(doc)
		if err != nil {
			return 0, err
		}
		return 1, w.Write(name, b)
	}
	return 0, platform.Invalid(what + "only PDF, PNG and JPEG documents can go in a bundle; convert it to PDF first")
}

// countPages writes a PDF we made and reads back its page count.
func countPages(ctx context.Context, w *pdfpages.Dir, name string, pdf []byte) (int, error) {
	if err := w.Write(name, pdf); err != nil {
		return 0, err
	}
	d, err := w.Info(ctx, name, 1, 1, "")
	if err != nil {
		return 0, err
	}
	return d.Pages, nil
}

// bundleIndex lays out the index, given how many pages it takes.
func bundleIndex(title, council string, requested time.Time, items []BundleItem, pages []int, indexPages int) ([]byte, error) {
	d := newDoc(pdffont.System(), title)
	d.footer(title + " · index")
	d.AddPage()
	d.font("B", 18)
	d.MultiCell(0, 23, d.text(title), "", "L", false)
	d.heading(council, 12)

	intro := fmt.Sprintf("Subject access request received on %s. ", day(requested))
	redacted := 0
	for _, it := range items {
		if it.Redacted {
			redacted++
		}
	}
	switch {
	case len(items) == 0:
		intro += "No information about you was found, so this bundle holds no documents."
	default:
		intro += fmt.Sprintf("This bundle holds %d %s, listed below with the page of this bundle each one starts on.",
			len(items), plural(len(items), "document"))
	}
	if redacted > 0 {
		intro += fmt.Sprintf(" In %d of them some information has been blacked out (redacted), "+
			"because it is about someone else or is exempt from disclosure; those pages are pictures of the original pages.", redacted)
	}
	d.para(intro, 10)

	rows := make([][]string, len(items))
	start := indexPages + 1
	for i, it := range items {
		red := "No"
		if it.Redacted {
			red = "Yes"
		}
		rows[i] = []string{strconv.Itoa(i + 1), orUntitled(it.Title), it.Source, it.Date, red, strconv.Itoa(start)}
		start += pages[i]
	}
	if len(items) > 0 {
		d.table([]column{{"No.", 32}, {"Title", 178}, {"Source", 105}, {"Date", 75}, {"Redacted", 55}, {"Page", 50}}, rows)
	}
	return output(d.Fpdf)
}

func orUntitled(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(untitled)"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
