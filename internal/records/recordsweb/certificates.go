package recordsweb

import (
	"net/http"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/web"
)

type certificatesPage struct {
	Certificates []*records.Certificate
	Next         string
}

func (h *handlers) certificatesPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	p, err := h.rs.Certificates(r.Context(), sub, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	out := certificatesPage{Certificates: p.Certificates}
	if p.Next != "" {
		out.Next = web.CursorURL(r, p.Next)
	}
	return web.Render(w, r, http.StatusOK, "records/certificates", out)
}

type certificatePage struct {
	C   *records.Certificate
	PDF bool // a PDF can be made (destruction certificates)
}

func (h *handlers) certificatePage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	c, err := h.rs.Certificate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "records/certificate", certificatePage{C: c, PDF: c.Action == records.ActionDestroy})
}

// certificatePDF sends a destruction certificate as a PDF, under the name
// of the organisation it belongs to. Transfer certificates have no PDF
// layout yet: their page is the record.
func (h *handlers) certificatePDF(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := h.rs.Certificate(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.Action != records.ActionDestroy {
		return platform.Errorf(platform.CodeNotFound, "Only destruction certificates are made as PDFs: this transfer certificate is shown on its page")
	}
	org, err := h.dir.Org(ctx, sub, c.OrgID)
	if err != nil {
		return err
	}
	in := pdfs.Certificate{Council: org.Name, Number: c.Number, DestroyedAt: c.DestroyedAt, Schedule: c.Schedule, Note: c.Note}
	for _, a := range c.Approvals {
		in.Approvals = append(in.Approvals, pdfs.Approval{Stage: a.Stage, Name: a.Name, Role: a.Role, At: a.At})
	}
	for _, it := range c.Items {
		in.Items = append(in.Items, pdfs.CertificateItem{Reference: it.Reference, Title: it.Title, Class: it.Class, Versions: it.Versions,
			SHA256: it.SHA256, Bytes: it.Bytes, Verified: it.Verified})
	}
	pdf, err := pdfs.CertificatePDF(in)
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/pdf")
	hd.Set("Content-Disposition", `attachment; filename="`+c.Number+`.pdf"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Length", strconv.Itoa(len(pdf)))
	_, err = w.Write(pdf)
	return err
}
