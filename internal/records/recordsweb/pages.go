package recordsweb

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/graph"
	"dbtp/internal/web"
)

type handlers struct {
	rs       *records.Store
	dir      platform.Directory
	maxBytes int64
	graph    *graph.Client // nil: capture from Microsoft 365 is not set up
	log      *slog.Logger  // for failures after a response has started
	sar      *sarHandlers  // nil: no services engine to answer subject access requests with
}

func (h *handlers) routePages(rt *web.Router) {
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error, o ...web.RouteOption) {
		rt.Handle(pattern, web.RequireSignedInFunc(f), o...)
	}
	upload := web.MaxBody(h.maxBytes + 1<<20) // room for the other fields
	page("GET /records", h.home)
	page("GET /file-plan/{id}", h.classPage)
	page("GET /file-plan/new", h.classForm)
	page("POST /file-plan/new", h.saveClass)
	page("GET /file-plan/{id}/edit", h.classForm)
	page("POST /file-plan/{id}/edit", h.saveClass)
	page("GET /records/capture/m365", h.m365Form)
	page("POST /records/capture/m365", h.m365Capture)
	page("GET /records/new", h.newForm)
	page("POST /records/new", h.create, upload)
	page("GET /records/{id}", h.docPage)
	page("GET /records/{id}/{page}", h.docSubpage) // the edit page, and /records/sars/{case} (sar.go)
	page("POST /records/{id}/edit", h.edit)
	page("POST /records/{id}/declare", h.declare)
	page("GET /records/{id}/delete", h.delete)
	page("POST /records/{id}/delete", h.delete)
	page("POST /records/{id}/versions", h.addVersion, upload)
	page("GET /records/{id}/versions/{n}/content", h.download)
	page("GET /records/{id}/versions/{n}/preview", h.preview)
	page("GET /records/{id}/versions/{n}/pages/{p}", h.pagePicture)
}

// staff refuses anyone who is not staff: records pages are the council's.
func staff(r *http.Request) (*platform.Subject, error) {
	sub := web.SubjectOf(r)
	if !sub.IsStaff() {
		return nil, platform.Errorf(platform.CodeForbidden, "Records are kept for the council's staff. To ask for a copy of the information held about you, choose Ask for a copy of your personal information under Services (/services)")
	}
	return sub, nil
}

// planRow is a class as the file plan page shows it.
type planRow struct {
	records.Class
	Depth int
}

type homePage struct {
	Plan     []planRow
	Recent   []docRow
	KeepPlan bool
	Next     string
}

// docRow is a document in a list.
type docRow struct {
	*records.Document
	ClassLabel string
	UnitName   string
}

func (h *handlers) home(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	classes, err := h.rs.Classes(ctx, sub)
	if err != nil {
		return err
	}
	p := homePage{Plan: planRows(classes), KeepPlan: records.CanKeepPlan(sub)}
	page, err := h.rs.List(ctx, sub, records.Filter{After: r.URL.Query().Get("cursor"), Limit: 25})
	if err != nil {
		return err
	}
	p.Recent = h.rows(ctx, sub, classes, page.Documents)
	if page.Next != "" {
		p.Next = web.CursorURL(r, page.Next)
	}
	return web.Render(w, r, http.StatusOK, "records/home", p)
}

// planRows orders classes as a tree (codes sort parents first).
func planRows(classes []records.Class) []planRow {
	out := make([]planRow, len(classes))
	for i, c := range classes {
		out[i] = planRow{Class: c, Depth: strings.Count(c.Code, ".")}
	}
	return out
}

// rows labels documents with their class and unit names.
func (h *handlers) rows(ctx context.Context, sub *platform.Subject, classes []records.Class, docs []*records.Document) []docRow {
	byID := map[string]records.Class{}
	for _, c := range classes {
		byID[c.ID] = c
	}
	units := h.unitNames(ctx, sub)
	out := make([]docRow, len(docs))
	for i, d := range docs {
		c := byID[d.ClassID]
		out[i] = docRow{Document: d, ClassLabel: c.Code + " " + c.Title, UnitName: units[d.UnitID]}
	}
	return out
}

func (h *handlers) unitNames(ctx context.Context, sub *platform.Subject) map[string]string {
	out := map[string]string{}
	us, err := h.dir.Units(ctx, platform.System(sub.OrgID))
	if err != nil {
		return out
	}
	for _, u := range us {
		out[u.ID] = u.Name
	}
	return out
}

type classPage struct {
	Class    records.Class
	Parents  []records.Class
	Children []records.Class
	Docs     []docRow
	Next     string
	KeepPlan bool
	Filing   bool // documents may be filed here (a transaction class, open)
}

func (h *handlers) classPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	classes, err := h.rs.Classes(ctx, sub)
	if err != nil {
		return err
	}
	p := classPage{KeepPlan: records.CanKeepPlan(sub)}
	found := false
	byID := map[string]records.Class{}
	for _, c := range classes {
		byID[c.ID] = c
		if c.ID == r.PathValue("id") {
			p.Class, found = c, true
		}
	}
	if !found {
		return platform.NotFound("class")
	}
	for c := byID[p.Class.ParentID]; c.ID != ""; c = byID[c.ParentID] {
		p.Parents = append([]records.Class{c}, p.Parents...)
	}
	for _, c := range classes {
		if c.ParentID == p.Class.ID {
			p.Children = append(p.Children, c)
		}
	}
	p.Filing = p.Class.Level == records.LevelTransaction && !p.Class.Closed
	page, err := h.rs.List(ctx, sub, records.Filter{ClassID: p.Class.ID, After: r.URL.Query().Get("cursor"), Limit: 50})
	if err != nil {
		return err
	}
	p.Docs = h.rows(ctx, sub, classes, page.Documents)
	if page.Next != "" {
		p.Next = web.CursorURL(r, page.Next)
	}
	return web.Render(w, r, http.StatusOK, "records/class", p)
}

type docPage struct {
	Back       string // the search it was opened from, else its class in the file plan
	FromSearch bool   // Back is a search: the preview's page links carry it on
	Doc        *records.Document
	Class      records.Class
	UnitName   string
	Versions   []records.Version
	Latest     records.Version
	Preview    string // "image" or "pdf" when the latest version can be shown in the page
	Page       int    // the PDF page shown
	Pages      int    // how many pages the PDF has
	PrevPage   int
	NextPage   int
	PreviewMsg string // why a PDF is not previewed
	CanEdit    bool
	CanDeclare bool
	CanDelete  bool
	// CanHold: a records manager sees the legal holds on the document
	// (Holds, active ones) and may place one on it.
	CanHold bool
	Holds   []*records.Hold
	Confirm []web.Option
	*web.Form
}

func (h *handlers) docPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderDoc(w, r, http.StatusOK, nil)
}

func (h *handlers) renderDoc(w http.ResponseWriter, r *http.Request, status int, form *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := h.rs.Document(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	vs, err := h.rs.Versions(ctx, sub, d.ID)
	if err != nil {
		return err
	}
	c, err := h.rs.Class(ctx, sub, d.ClassID)
	if err != nil && platform.CodeOf(err) != platform.CodeNotFound {
		return err
	}
	p := docPage{Back: backTo(r, "/file-plan/"+d.ClassID), Doc: d, Class: c, UnitName: h.unitNames(ctx, sub)[d.UnitID], Versions: vs, Form: form,
		Confirm: []web.Option{{Value: "yes", Text: "This document is final and should be kept as a record"}}}
	p.FromSearch = p.Back != "/file-plan/"+d.ClassID
	if p.Form == nil {
		p.Form = web.NewForm(nil)
	}
	if len(vs) > 0 {
		p.Latest = vs[0]
		switch {
		case d.State != records.StateActive:
		case previewable(p.Latest.MediaType):
			p.Preview = "image"
		case p.Latest.MediaType == "application/pdf":
			p.Pages, p.PreviewMsg = h.pdfPages(r, d.ID, p.Latest.Number, p.Latest.Size)
			if p.Pages > 0 {
				p.Preview = "pdf"
				p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
				p.Page = min(max(p.Page, 1), p.Pages)
				if p.Page > 1 {
					p.PrevPage = p.Page - 1
				}
				if p.Page < p.Pages {
					p.NextPage = p.Page + 1
				}
			}
		}
	}
	active := d.State == records.StateActive
	p.CanEdit = active && !d.Declared() && h.rs.Can(sub, access.Update, d)
	p.CanDeclare = p.CanEdit
	p.CanDelete = active && !d.Declared() && h.rs.Can(sub, access.Delete, d)
	if active && records.CanKeepPlan(sub) {
		p.CanHold = true
		if p.Holds, err = h.rs.HoldsOn(ctx, sub, d.ID); err != nil {
			return err
		}
	}
	return web.Render(w, r, status, "records/document", p)
}

// previewable are the image types a browser shows safely in an <img>
// (never SVG, which can carry script).
func previewable(mt string) bool {
	switch mt {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// sniff detects what content is from its first bytes and its name; the
// browser's claim is not trusted.
func sniff(br *bufio.Reader, name string) string {
	head, _ := br.Peek(512)
	return detectType(name, head)
}

// back is the page a form returns to: the document page.
func docURL(id string) string { return "/records/" + url.PathEscape(id) }

// backTo is where a page's back link leads: the records search it was
// opened from (?back=, only ever a search on this site), else def.
func backTo(r *http.Request, def string) string {
	u, err := url.Parse(r.URL.Query().Get("back"))
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path != "/records/search" {
		return def
	}
	return "/records/search?" + u.Query().Encode()
}
