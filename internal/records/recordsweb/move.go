package recordsweb

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/web"
)

// Export and import: how a council hands records to an archive or leaves,
// and how it takes records in (docs/records.md, "Open export format").
// Only records managers and admins see these pages; the engine decides
// again, and audits.

func (h *handlers) routeMove(rt *web.Router, api *web.API) {
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error, o ...web.RouteOption) {
		rt.Handle(pattern, web.RequireSignedInFunc(f), o...)
	}
	archiveBody := web.MaxBody(records.DefaultImportLimits().MaxTotalBytes)
	page("GET /records/export", h.exportForm)
	page("GET /records/export/download", h.exportDownload)
	page("GET /records/import", h.importForm)
	page("POST /records/import", h.importUpload, archiveBody)

	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	api.HandleFunc("GET /api/v1/records/export", web.Op{Summary: "Export records", OperationID: "exportRecords", Tags: tagRecords, Scopes: read,
		Description: "Streams a ZIP archive in the open export format (docs/records.md): the file plan, every record's metadata, content and history, " +
			"and a manifest with each file's SHA-256. Records managers and admins only; the export is audited before the first byte is sent. " +
			"A failure part way through cuts the connection, so a broken archive is never mistaken for a whole one.",
		Params: []web.Param{{Name: "class", In: "query", Description: "A class's code (FIN.01) or ID (rcl_...): it and the classes under it. Leave out for everything."},
			{Name: "case", In: "query", Description: "Only the documents of this case."}},
		Responses: map[int]web.Response{200: {Description: "application/zip, streamed."}},
	}, h.exportDownload)
	api.HandleFunc("POST /api/v1/records/import", web.Op{Summary: "Import records", OperationID: "importRecords", Tags: tagRecords, Scopes: write,
		Description: "The body is an archive made by an export (Content-Type: application/zip). The whole archive is checked before anything is stored: " +
			"a wrong hash, a missing or extra file, an unsafe name or a record already here refuses all of it (422, or 409 for a record already here, naming the first problem). " +
			"It is kept encrypted on disk while it is checked.",
		Request:   web.Schema{"type": "string", "format": "binary", "description": "application/zip"},
		Responses: map[int]web.Response{200: {Description: "What was imported.", Schema: web.SchemaOf(records.Summary{})}},
	}, h.apiImport, archiveBody, web.StreamBody())
}

// keeper is a member of staff who keeps the file plan, or a refusal.
func keeper(r *http.Request) (*platform.Subject, error) {
	sub, err := staff(r)
	if err != nil {
		return nil, err
	}
	if !records.CanKeepPlan(sub) {
		return nil, platform.Errorf(platform.CodeForbidden, "Only records managers and administrators export or import records")
	}
	return sub, nil
}

type exportPage struct {
	*web.Form
	Classes []web.Option
}

func (h *handlers) exportForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	classes, err := h.rs.Classes(r.Context(), sub)
	if err != nil {
		return err
	}
	p := exportPage{Form: web.NewForm(r.URL.Query()), Classes: []web.Option{{Value: "", Text: "Everything: the whole file plan"}}}
	for _, c := range classes {
		p.Classes = append(p.Classes, web.Option{Value: c.Code, Text: strings.Repeat("\u00a0\u00a0", strings.Count(c.Code, ".")) + c.Code + " " + c.Title})
	}
	return web.Render(w, r, http.StatusOK, "records/export", p)
}

// exportDownload streams the archive, for the page and the API alike.
// Until the first byte, a refusal is an ordinary error page or problem;
// after it, a failure can only cut the connection (the engine has audited
// it), so the client sees a broken download rather than a short archive.
func (h *handlers) exportDownload(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	sc := records.Scope{CaseID: strings.TrimSpace(q.Get("case"))}
	if sc.ClassID, err = h.classParam(ctx, sub, strings.TrimSpace(q.Get("class"))); err != nil {
		return err
	}
	if org, err := h.dir.Org(ctx, sub, sub.OrgID); err == nil {
		sc.OrgName = org.Name
	}
	name := "records-export-" + time.Now().UTC().Format("2006-01-02") + ".zip"
	out := &lazyWriter{w: w, start: func(hd http.Header) {
		hd.Set("Content-Type", "application/zip")
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		hd.Set("Cache-Control", "private, no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
	}}
	sum, err := h.rs.Export(ctx, sub, sc, out)
	if err == nil {
		return nil
	}
	if !out.started {
		return err
	}
	if h.log != nil {
		h.log.Error("records: export stopped part way", "export", sum.ExportID, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// classParam accepts a class's code (as people and the CLI write it) or
// its ID (as the rest of the API gives it).
func (h *handlers) classParam(ctx context.Context, sub *platform.Subject, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	classes, err := h.rs.Classes(ctx, sub)
	if err != nil {
		return "", err
	}
	for _, c := range classes {
		if c.ID == v || c.Code == strings.ToUpper(v) {
			return c.ID, nil
		}
	}
	return "", platform.Invalid("There is no class "+v+" in the file plan", platform.FieldError{Field: "class", Message: "Choose a class from the file plan"})
}

// lazyWriter sets the response's headers on the first write, so that an
// error before it can still be answered properly.
type lazyWriter struct {
	w       http.ResponseWriter
	start   func(http.Header)
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

type importPage struct {
	*web.Form
	Summary *records.Summary
}

func (h *handlers) importForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := keeper(r); err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "records/import", importPage{Form: web.NewForm(nil)})
}

// importUpload takes the archive from the page. The multipart reader has
// the file (in memory, or in the temporary folder when large: see
// docs/operations.md), which gives the random access a ZIP needs.
func (h *handlers) importUpload(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	f, hdr, err := r.FormFile("archive")
	if err != nil {
		err = platform.Invalid("Choose an export archive", platform.FieldError{Field: "archive", Message: "Choose the .zip file an export made"})
		return web.Render(w, r, statusFor(err), "records/import", importPage{Form: web.FormErrors(r, err)})
	}
	defer f.Close()
	sum, err := h.rs.Import(r.Context(), sub, f, hdr.Size)
	if err != nil {
		return web.Render(w, r, statusFor(err), "records/import", importPage{Form: web.FormErrors(r, err)})
	}
	return web.Render(w, r, http.StatusOK, "records/import", importPage{Form: web.NewForm(nil), Summary: &sum})
}

// apiImport keeps the body in an encrypted spool (a ZIP is read from its
// end), then imports it.
func (h *handlers) apiImport(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/zip" && mt != "application/octet-stream" {
		return platform.Invalid("Send the archive as the request body with Content-Type: application/zip")
	}
	// Refused (and audited) before reading what may be gigabytes.
	if err := h.rs.MayMove(r.Context(), sub, "import"); err != nil {
		return err
	}
	sp, err := newSpool(r.Body)
	if err != nil {
		return readError(err)
	}
	defer sp.Close()
	sum, err := h.rs.Import(r.Context(), sub, sp, sp.Size())
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, sum)
}

// Held says what the imported archive held.
func (p importPage) Held() string {
	c := p.Summary.Counts
	return fmt.Sprintf("%d classes, %d records (%d declared, %d destroyed or transferred), %d versions, %d files (%s), %d events of history",
		c.Classes, c.Records, c.Declared, c.Tombstones, c.Versions, c.Files, platform.SizeText(c.ContentBytes), c.Events)
}
