package postweb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/pdfpages"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/inbound"
	"dbtp/internal/web"
)

// The inbound post pages: /post/inbound (the post room: upload one scan
// or a batch, the triage queue and the other lists, a batch's progress),
// /post/inbound/{id} (the scan beside the text OCR read from it and what
// was found, and the form to route it by hand to a case found by its
// reference or by search). No JavaScript is needed: a batch's page says
// how far reading has got and "Check again" reloads it.

func (p *inboundPart) routes(srv *web.Server) {
	rt := srv.Router()
	upload := web.MaxBody(p.bodyLimit())
	rt.Handle("GET /post/inbound", web.RequireSignedInFunc(p.listPage))
	rt.HandleFunc("POST /post/inbound", p.uploadPage, upload)
	rt.Handle("GET /post/inbound/{id}", web.RequireSignedInFunc(p.itemPage))
	rt.Handle("GET /post/inbound/{id}/scan", web.RequireSignedInFunc(p.scan))
	rt.Handle("GET /post/inbound/{id}/preview.png", web.RequireSignedInFunc(p.preview))
	rt.HandleFunc("POST /post/inbound/{id}/route", p.routePage)
	rt.HandleFunc("POST /post/inbound/{id}/move", p.movePage)
	rt.HandleFunc("POST /post/inbound/{id}/read", p.readAgainPage)
	p.api(srv)
}

// bodyLimit is an upload's largest body: a full batch, at most 200 MB.
func (p *inboundPart) bodyLimit() int64 {
	n := p.in.MaxBytes() * int64(p.in.MaxBatch())
	if n > 200<<20 {
		n = 200 << 20
	}
	return n + 1<<20
}

// inboundTabs are the lists of /post/inbound.
var inboundTabs = []web.Option{{Value: post.InboundTriage, Text: "Triage"}, {Value: post.InboundReading, Text: "Being read"},
	{Value: post.InboundRouted, Text: "Filed on cases"}, {Value: "all", Text: "All"}}

type inboundListPage struct {
	*web.Form
	Status   string
	Tabs     []inboundTab
	Items    []itemRow
	Next     string
	Batch    string
	Progress batchProgress
	CanAdd   bool
	OCR      bool
	MaxMB    int64
	MaxFiles int
}

type inboundTab struct {
	web.Option
	Count int
}

type batchProgress struct {
	Total, Reading, Triage, Routed int
}

// Done reports whether every item of the batch has been read.
func (b batchProgress) Done() bool { return b.Reading == 0 }

type itemRow struct{ post.InboundItem }

func (r itemRow) When() string { return ukTime(r.CreatedAt) }

func (r itemRow) StatusText() string { return statusText(r.Status) }

func statusText(st string) string {
	switch st {
	case post.InboundReading:
		return "Being read"
	case post.InboundTriage:
		return "Triage"
	case post.InboundRouted:
		return "Filed"
	}
	return st
}

func ukTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 January 2006 at 15:04")
}

var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

func (p *inboundPart) listPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderList(w, r, http.StatusOK, web.NewForm(nil))
}

func (p *inboundPart) renderList(w http.ResponseWriter, r *http.Request, status int, form *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg := inboundListPage{Form: form, Status: q.Get("status"), Batch: q.Get("batch"), CanAdd: canHandlePost(sub), OCR: p.in.OCRAvailable(),
		MaxMB: p.in.MaxBytes() >> 20, MaxFiles: p.in.MaxBatch()}
	if pg.Status == "" {
		pg.Status = post.InboundTriage
		if pg.Batch != "" {
			pg.Status = "all"
		}
	}
	counts, err := p.in.Counts(r.Context(), sub, pg.Batch)
	if err != nil {
		return err
	}
	pg.Progress = batchProgress{Reading: counts[post.InboundReading], Triage: counts[post.InboundTriage], Routed: counts[post.InboundRouted]}
	pg.Progress.Total = pg.Progress.Reading + pg.Progress.Triage + pg.Progress.Routed
	for _, t := range inboundTabs {
		n := counts[t.Value]
		if t.Value == "all" {
			n = pg.Progress.Total
		}
		pg.Tabs = append(pg.Tabs, inboundTab{Option: t, Count: n})
	}
	f := post.InboundFilter{Status: pg.Status, Batch: pg.Batch}
	if f.Status == "all" {
		f.Status = ""
	}
	if f.AfterAt, f.AfterID, err = itemCursor(r); err != nil {
		return err
	}
	items, err := p.in.List(r.Context(), sub, f)
	if err != nil {
		return err
	}
	for _, it := range items {
		pg.Items = append(pg.Items, itemRow{it})
	}
	if len(items) == 50 {
		last := items[len(items)-1]
		pg.Next = web.CursorURL(r, web.EncodeCursor(strconv.FormatInt(last.CreatedAt.UnixMilli(), 10), last.ID))
	}
	return web.Render(w, r, status, "post/inbound_list", pg)
}

// itemCursor is the last item of the previous page, from the opaque cursor.
func itemCursor(r *http.Request) (time.Time, string, error) {
	parts, err := web.DecodeCursor(r.URL.Query().Get("cursor"))
	if err != nil || len(parts) == 0 {
		return time.Time{}, "", err
	}
	ms, perr := strconv.ParseInt(parts[0], 10, 64)
	if len(parts) != 2 || perr != nil {
		return time.Time{}, "", platform.Invalid("The cursor is not valid; start again from the first page.",
			platform.FieldError{Field: "cursor", Message: "is not a cursor returned by this API"})
	}
	return time.UnixMilli(ms), parts[1], nil
}

// canHandlePost reports whether sub may upload and route post (the
// policy's Create on the post room), for pages deciding what to offer.
func canHandlePost(sub *platform.Subject) bool {
	return post.Policy(sub, access.Create, access.Resource{Type: post.ResourceType, OrgID: sub.OrgID}).Allowed || sub.HasRole(platform.RoleAdmin)
}

// uploads reads the files of a multipart form (already parsed by the
// server, within the route's body limit). A file input left empty sends
// a part with no name and no content: it is not a file.
func (p *inboundPart) uploads(r *http.Request) ([]post.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []post.Upload
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		b, err := readPart(fh, p.in.MaxBytes())
		if err != nil {
			return nil, err
		}
		out = append(out, post.Upload{Name: fh.Filename, Content: b})
	}
	return out, nil
}

// readPart reads at most max+1 bytes, so the engine sees a file that is
// too large as too large.
func readPart(fh *multipart.FileHeader, max int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, platform.Invalid("The upload could not be read: try again")
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, io.LimitReader(f, max+1)); err != nil {
		return nil, platform.Invalid("The upload could not be read: try again")
	}
	return b.Bytes(), nil
}

func (p *inboundPart) uploadPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	files, err := p.uploads(r)
	if err == nil {
		var batch string
		var items []post.InboundItem
		batch, items, err = p.in.Receive(r.Context(), sub, post.Arrival{Source: post.SourceUpload, Files: files})
		if err == nil {
			web.SetFlash(w, r, fmt.Sprintf("%d scanned %s uploaded: each is being read and routed", len(items), plural(len(items), "letter", "letters")))
			http.Redirect(w, r, "/post/inbound?batch="+url.QueryEscape(batch), http.StatusSeeOther)
			return nil
		}
	}
	if platform.CodeOf(err) == platform.CodeForbidden {
		return err
	}
	return p.renderList(w, r, formStatus(err), web.FormErrors(r, err))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formStatus is the status a form page is shown again with.
func formStatus(err error) int {
	switch platform.CodeOf(err) {
	case platform.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case platform.CodeConflict:
		return http.StatusConflict
	case platform.CodeNotFound:
		return http.StatusNotFound
	}
	return http.StatusUnprocessableEntity
}

type inboundItemPage struct {
	*web.Form
	Item     itemRow
	Rows     []web.SummaryRow
	Image    bool // the scan shows as an image in the page
	Preview  bool // a PDF's first page shows as an image
	Query    string
	Found    []post.CaseRef
	Searched bool
	CanRoute bool
	// CanMove: the letter is filed on a case and sub may move it.
	CanMove      bool
	Destinations []web.Option
	Moves        []moveRow
	// Mismatch asks sub to confirm filing on a case whose person the
	// letter does not name; Action is the form that asked (route, move).
	Mismatch *post.MismatchError
	Action   string
}

type moveRow struct{ post.InboundMove }

func (m moveRow) When() string { return ukTime(m.MovedAt) }

// destinations are where a filed letter can be moved.
var destinations = []web.Option{{Value: "case", Text: "Another case", Hint: "Enter its reference below"},
	{Value: "triage", Text: "Back to triage", Hint: "For someone to route it again"}}

func (p *inboundPart) itemPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderItem(w, r, http.StatusOK, web.NewForm(url.Values{"q": {r.URL.Query().Get("q")}, "to": {"case"}}), nil, "")
}

func (p *inboundPart) renderItem(w http.ResponseWriter, r *http.Request, status int, form *web.Form, mismatch *post.MismatchError, action string) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	it, err := p.in.Get(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg := inboundItemPage{Form: form, Item: itemRow{it}, Image: it.MediaType == inbound.PNG || it.MediaType == inbound.JPEG,
		Preview: it.MediaType == inbound.PDF && it.TriageReason != post.TriageDamaged, CanRoute: canHandlePost(sub) && it.Status != post.InboundRouted, Query: r.URL.Query().Get("q"),
		CanMove: it.Status == post.InboundRouted && canMovePost(sub, it), Destinations: destinations, Mismatch: mismatch, Action: action}
	from := sourceText(it)
	pg.Rows = []web.SummaryRow{{Key: "Received", Value: ukTime(it.CreatedAt)}, {Key: "From", Value: from},
		{Key: "File", Value: fmt.Sprintf("%s (%s, %s)", it.Name, it.MediaType, platform.SizeText(it.Size))}, {Key: "Status", Value: statusText(it.Status)}}
	if it.Status == post.InboundTriage && it.TriageReason != "" {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Why it is in triage", Value: it.TriageReason})
	}
	if it.Status == post.InboundRouted {
		how := "by hand"
		if it.RoutedHow == "auto" {
			how = "automatically, by the reference in the letter"
		}
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Filed on", Value: it.CaseRef + ", " + how + ", " + ukTime(it.RoutedAt)})
	}
	moves, err := p.in.Moves(r.Context(), sub, it.ID)
	if err != nil {
		return err
	}
	for _, m := range moves {
		pg.Moves = append(pg.Moves, moveRow{m})
	}
	if pg.CanRoute && pg.Query != "" {
		pg.Searched = true
		if pg.Found, err = p.in.SearchCases(r.Context(), sub, pg.Query, 10); err != nil {
			return err
		}
	}
	return web.Render(w, r, status, "post/inbound_item", pg)
}

// canReadPost reports whether sub may read an item (its unit's post).
func canReadPost(sub *platform.Subject, it post.InboundItem) bool {
	return post.Policy(sub, access.Read, access.Resource{Type: post.ResourceType, OrgID: sub.OrgID, BusinessUnit: it.UnitID}).Allowed || sub.HasRole(platform.RoleAdmin)
}

// canMovePost reports whether sub may move a filed letter: handle the
// post of the case's unit.
func canMovePost(sub *platform.Subject, it post.InboundItem) bool {
	return post.Policy(sub, access.Create, access.Resource{Type: post.ResourceType, OrgID: sub.OrgID, BusinessUnit: it.UnitID}).Allowed || sub.HasRole(platform.RoleAdmin)
}

func sourceText(it post.InboundItem) string {
	switch it.Source {
	case post.SourceEmail, post.SourceIMAP:
		if it.Sender != "" {
			return "Email from " + it.Sender
		}
		return "Email"
	}
	return "Uploaded in the post room"
}

func (p *inboundPart) routePage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	it, err := p.in.Route(r.Context(), sub, r.PathValue("id"), r.PostFormValue("reference"), r.PostFormValue("confirm") == "yes")
	if err != nil {
		return p.refused(w, r, err, "route")
	}
	web.SetFlash(w, r, "Filed on case "+it.CaseRef+" and its caseworker told")
	http.Redirect(w, r, "/post/inbound/"+it.ID, http.StatusSeeOther)
	return nil
}

// refused shows the item again after a refused route or move: asking to
// confirm a letter that seems to be another person's, or with the form's
// errors.
func (p *inboundPart) refused(w http.ResponseWriter, r *http.Request, err error, action string) error {
	var me *post.MismatchError
	if errors.As(err, &me) {
		f := web.NewForm(url.Values{})
		for k, v := range r.PostForm {
			if k != web.CSRFField {
				f.Input[k] = v
			}
		}
		return p.renderItem(w, r, http.StatusConflict, f, me, action)
	}
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeConflict:
		return p.renderItem(w, r, formStatus(err), web.FormErrors(r, err), nil, "")
	}
	return err
}

func (p *inboundPart) movePage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	to := post.MoveTo{Reference: r.PostFormValue("reference"), Reason: r.PostFormValue("reason"), Confirmed: r.PostFormValue("confirm") == "yes"}
	switch r.PostFormValue("to") {
	case "triage":
		to.Reference = ""
	case "case", "":
		if strings.TrimSpace(to.Reference) == "" {
			fs := []platform.FieldError{{Field: "reference", Message: "Enter the reference of the case the letter belongs to, or choose back to triage"}}
			if strings.TrimSpace(to.Reason) == "" {
				fs = append(fs, platform.FieldError{Field: "reason", Message: "Say why the letter is being moved, for the case's record"})
			}
			return p.refused(w, r, platform.Invalid("Check where the letter goes and why", fs...), "move")
		}
	default:
		return p.refused(w, r, platform.Invalid("Choose where the letter goes", platform.FieldError{Field: "to", Message: "Choose another case or back to triage"}), "move")
	}
	it, err := p.in.Move(r.Context(), sub, r.PathValue("id"), to)
	if err != nil {
		return p.refused(w, r, err, "move")
	}
	msg, next := "Moved back to triage", "/post/inbound/"+it.ID
	if it.Status == post.InboundRouted {
		msg = "Moved to case " + it.CaseRef + " and its caseworker told"
		if !canReadPost(sub, it) {
			// Another unit's post now: its page is theirs.
			msg, next = msg+". The letter is now the post of that case's business unit", "/post/inbound?status=routed"
		}
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (p *inboundPart) readAgainPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	it, err := p.in.ReadAgain(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "The scan is being read again")
	http.Redirect(w, r, "/post/inbound/"+it.ID, http.StatusSeeOther)
	return nil
}

// scan sends the original as it arrived. It is shown inline only when a
// browser can show it safely (PDFs and images), in a sandbox.
func (p *inboundPart) scan(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	it, rc, err := p.in.Original(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	sendScan(w, it.MediaType, it.Name, it.Size)
	if _, err := io.Copy(w, rc); err != nil {
		panic(http.ErrAbortHandler) // cut off: the client sees fewer bytes than promised
	}
	return nil
}

func sendScan(w http.ResponseWriter, mediaType, name string, size int64) {
	hd := w.Header()
	hd.Set("Content-Type", mediaType)
	hd.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if size > 0 {
		hd.Set("Content-Length", strconv.FormatInt(size, 10))
	}
}

// scanPreviewWidth is the width of a scan's preview: an A4 page at 100 dpi.
const scanPreviewWidth = 827

// preview is a PDF's first page as an image, for the item page, drawn as
// records and signing draw theirs (pdfpages).
func (p *inboundPart) preview(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	it, rc, err := p.in.Original(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	if it.MediaType != inbound.PDF {
		return platform.NotFound("preview")
	}
	pdf, err := io.ReadAll(rc)
	if err != nil {
		return platform.Internal(err)
	}
	png, err := p.pages.Render(r.Context(), pdf, 1, scanPreviewWidth, pdfpages.Options{Timeout: time.Minute})
	if err != nil {
		if errors.Is(err, pdfpages.ErrToolMissing) {
			return platform.Errorf(platform.CodeNotFound, "The scan cannot be previewed here: open it instead")
		}
		return platform.Errorf(platform.CodeNotFound, "The scan cannot be previewed: open it instead")
	}
	sendScan(w, inbound.PNG, "preview.png", int64(len(png)))
	_, err = w.Write(png)
	return err
}
