package recordsweb

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/web"
)

// One item of a request: its pages as pictures, the decision form, and
// the redaction form. Redactions are boxes given as percentages of the
// page (from the top left, as the preview shows it), so they can be drawn
// without JavaScript: the officer reads the position off the preview.

type boxRow struct {
	N          int
	Page       int
	X, Y, W, H string
}

type sarItemPage struct {
	*web.Form
	Req       SARRequest
	Item      *records.SARItem
	Back      string
	Action    string
	Pages     []int
	Copy      string // "redacted" when the previews show the redacted copy
	Open      bool
	Decisions []web.Option
	Boxes     []boxRow
}

// percent shows a fraction of the page as a percentage to two places,
// without float noise (0.0184 is "1.84", not "1.8399999999999999").
func percent(f float64) string { return strconv.FormatFloat(math.Round(f*10000)/100, 'f', -1, 64) }

func (h *sarHandlers) itemPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderItem(w, r, http.StatusOK, nil)
}

func (h *sarHandlers) renderItem(w http.ResponseWriter, r *http.Request, status int, form *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	req, sar, items, err := h.open(ctx, sub, r.PathValue("case"))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(items, func(it *records.SARItem) bool { return it.ID == r.PathValue("item") })
	if i < 0 {
		return platform.NotFound("item")
	}
	it := items[i]
	p := sarItemPage{Form: form, Req: req, Item: it, Back: sarURL(req.ID), Action: sarURL(req.ID) + "/" + url.PathEscape(it.ID),
		Open: req.Open && !sar.Released(),
		Decisions: []web.Option{{Value: records.DecisionInclude, Text: "Include it", Hint: "It goes in the bundle (its redacted copy, if it has one)"},
			{Value: records.DecisionExclude, Text: "Leave it out", Hint: "Say why: it is about someone else, an exemption applies, it is a duplicate"}}}
	if p.Form == nil {
		p.Form = web.NewForm(url.Values{"decision": {it.Decision}, "reason": {it.Reason}})
	}
	for n, b := range it.Boxes {
		p.Boxes = append(p.Boxes, boxRow{N: n + 1, Page: b.Page, X: percent(b.X), Y: percent(b.Y), W: percent(b.W), H: percent(b.H)})
	}
	if it.Redacted() && r.URL.Query().Get("copy") != "original" {
		p.Copy = "redacted"
	}
	// How many pages to show: reading the content to count them is a read
	// of it, audited by the store.
	content, mt, err := h.rs.SARItemContent(ctx, sub, req.ID, it.ID, p.Copy == "redacted")
	if err != nil && !formError(err) {
		return err
	}
	pages := 0
	switch {
	case err != nil:
		// Content a bundle cannot hold: the page says so; no previews.
	case mt == "application/pdf":
		if pages, err = pdfs.PageCount(ctx, content, pdfs.Options{}); err != nil && !formError(err) {
			return err
		}
	default:
		pages = 1
	}
	for n := 1; n <= min(pages, 50); n++ {
		p.Pages = append(p.Pages, n)
	}
	return web.Render(w, r, status, "records/saritem", p)
}

func (h *sarHandlers) decide(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	req, err := h.sars.SARRequest(ctx, sub, r.PathValue("case"))
	if err != nil {
		return err
	}
	it, err := h.rs.DecideSARItem(ctx, sub, req.ID, r.PathValue("item"), r.PostFormValue("decision"), r.PostFormValue("reason"))
	if formError(err) || platform.CodeOf(err) == platform.CodeConflict {
		return h.renderItem(w, r, statusFor(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	verb := "Included"
	if it.Decision == records.DecisionExclude {
		verb = "Left out"
	}
	web.SetFlash(w, r, verb+": "+it.Title)
	http.Redirect(w, r, sarURL(req.ID), http.StatusSeeOther)
	return nil
}

// redact adds a box (page and percentages) to the item's redactions, or
// removes one ("remove" is its number), and remakes the redacted copy.
func (h *sarHandlers) redact(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	req, _, items, err := h.open(ctx, sub, r.PathValue("case"))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(items, func(it *records.SARItem) bool { return it.ID == r.PathValue("item") })
	if i < 0 {
		return platform.NotFound("item")
	}
	boxes := slices.Clone(items[i].Boxes)
	msg := "Redaction added: the copy below has it burned in"
	if rm := r.PostFormValue("remove"); rm != "" {
		n, err := strconv.Atoi(rm)
		if err != nil || n < 1 || n > len(boxes) {
			return platform.Invalid("Choose a redaction to remove")
		}
		boxes = slices.Delete(boxes, n-1, n)
		msg = fmt.Sprintf("Redaction %d removed", n)
	} else {
		b, err := boxFrom(r)
		if err != nil {
			return h.renderItem(w, r, http.StatusUnprocessableEntity, web.FormErrors(r, err))
		}
		boxes = append(boxes, b)
	}
	if _, err := h.rs.RedactSARItem(ctx, sub, req.ID, items[i].ID, boxes); err != nil {
		if formError(err) || platform.CodeOf(err) == platform.CodeConflict {
			return h.renderItem(w, r, statusFor(err), web.FormErrors(r, err))
		}
		return err
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, sarURL(req.ID)+"/"+url.PathEscape(items[i].ID), http.StatusSeeOther)
	return nil
}

// boxFrom reads a redaction box from the form: a page number and the
// box's left, top, width and height as percentages of the page.
func boxFrom(r *http.Request) (pdfs.Box, error) {
	var bad []platform.FieldError
	page, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("page")))
	if err != nil || page < 1 {
		bad = append(bad, platform.FieldError{Field: "page", Message: "Enter the page number, like 1"})
	}
	num := func(name, label string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue(name)), "%"), 64)
		if err != nil || v < 0 || v > 100 {
			bad = append(bad, platform.FieldError{Field: name, Message: "Enter the " + label + " as a percentage from 0 to 100"})
			return 0
		}
		return v / 100
	}
	b := pdfs.Box{Page: page, X: num("x", "distance from the left edge"), Y: num("y", "distance from the top"), W: num("w", "width"), H: num("h", "height")}
	if len(bad) == 0 && (b.W == 0 || b.H == 0 || b.X+b.W > 1.000001 || b.Y+b.H > 1.000001) {
		bad = append(bad, platform.FieldError{Field: "w", Message: "The box must have a width and height and stay on the page"})
	}
	if len(bad) > 0 {
		return b, platform.Invalid("Check the redaction", bad...)
	}
	return b, nil
}

// preview draws one page of an item (or of its redacted copy) as a PNG.
func (h *sarHandlers) preview(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return platform.NotFound("page")
	}
	ctx := r.Context()
	content, mt, err := h.rs.SARItemContent(ctx, sub, r.PathValue("case"), r.PathValue("item"), r.URL.Query().Get("copy") == "redacted")
	if err != nil {
		return err
	}
	if mt != "application/pdf" {
		// A picture is set upright on a page as the bundle will hold it.
		if content, err = pdfs.RedactImage(ctx, content, nil); err != nil {
			return err
		}
	}
	png, err := pdfs.RenderPage(ctx, content, n, 900, pdfs.Options{})
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "image/png")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Length", strconv.Itoa(len(png)))
	w.Write(png) // an error here is the client gone away
	return nil
}
