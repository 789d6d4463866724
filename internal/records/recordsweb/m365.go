package recordsweb

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/graph"
	"dbtp/internal/web"
)

// Files in OneDrive and SharePoint are declared as records by pasting
// their link: dbtp fetches the file through Microsoft Graph (with the
// council's app registration, see docs/records.md), checks Microsoft's
// hash of it while streaming it into the encrypted store, and files it as
// a declared record. The same file is captured once; a second capture
// points to the first.

// captureM365 files one OneDrive or SharePoint item as a declared record.
func (h *handlers) captureM365(ctx context.Context, sub *platform.Subject, link string, m records.Metadata) (*records.Document, error) {
	if h.graph == nil {
		return nil, platform.Errorf(platform.CodeInvalid, "Capture from Microsoft 365 is not set up: an administrator sets DBTP_RECORDS_GRAPH_TENANT, DBTP_RECORDS_GRAPH_CLIENT_ID and DBTP_RECORDS_GRAPH_CLIENT_SECRET (see the operations guide)")
	}
	if strings.TrimSpace(link) == "" {
		return nil, platform.Invalid("Check the capture", platform.FieldError{Field: "link", Message: "Paste the link to the file in OneDrive or SharePoint"})
	}
	it, err := h.graph.ItemByURL(ctx, link)
	if err != nil {
		if platform.CodeOf(err) == platform.CodeInvalid || platform.CodeOf(err) == platform.CodeNotFound {
			return nil, platform.Invalid("Check the capture", platform.FieldError{Field: "link", Message: platform.AsError(err).Message})
		}
		return nil, err
	}
	if it.Folder {
		return nil, platform.Invalid("Check the capture", platform.FieldError{Field: "link", Message: "That link is to a folder: paste the link to one file"})
	}
	if strings.TrimSpace(m.Title) == "" {
		m.Title = strings.TrimSuffix(it.Name, path.Ext(it.Name))
	}
	body, err := h.graph.Download(ctx, it)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return h.rs.Create(ctx, sub, records.NewDocument{Metadata: m, Name: it.Name, MediaType: detectType(it.Name, nil), Content: body,
		Source: records.SourceM365, SourceRef: it.DriveID + "/" + it.ID, Declare: true,
		Note: "Captured from Microsoft 365: " + it.WebURL})
}

type m365Page struct {
	metaForm
	Configured bool
}

func (h *handlers) m365Form(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	v := url.Values{"classification": {string(platform.Official)}}
	if len(sub.BusinessUnits) > 0 {
		v.Set("unit_id", sub.BusinessUnits[0])
	}
	return h.renderM365(w, r, sub, http.StatusOK, web.NewForm(v))
}

func (h *handlers) renderM365(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form) error {
	mf, err := h.formOptions(r.Context(), sub, f)
	if err != nil {
		return err
	}
	return web.Render(w, r, status, "records/m365", m365Page{metaForm: mf, Configured: h.graph != nil})
}

func (h *handlers) m365Capture(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	d, err := h.captureM365(r.Context(), sub, r.PostFormValue("link"), metadataFrom(r))
	if platform.CodeOf(err) == platform.CodeConflict && d != nil {
		web.SetNotice(w, r, "That file was captured before: this is its record")
		http.Redirect(w, r, docURL(d.ID), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return h.renderM365(w, r, sub, statusFor(err), web.FormErrors(r, err))
	}
	web.SetFlash(w, r, "Captured from Microsoft 365 and declared a record")
	http.Redirect(w, r, docURL(d.ID), http.StatusSeeOther)
	return nil
}

// CaptureRequest declares a OneDrive or SharePoint file a record.
type CaptureRequest struct {
	Link string `json:"link"` // the file's sharing or browser link
	DocumentInput
}

func (h *handlers) apiCaptureM365(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	var in CaptureRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := h.captureM365(r.Context(), sub, in.Link, in.metadata())
	if err != nil {
		if platform.CodeOf(err) == platform.CodeConflict && d != nil {
			w.Header().Set("Location", "/api/v1/records/"+d.ID)
		}
		return err
	}
	w.Header().Set("Location", "/api/v1/records/"+d.ID)
	return web.WriteJSON(w, http.StatusCreated, d)
}

// newGraph builds the Graph client from the module's settings; nil when
// capture from Microsoft 365 is not set up.
func newGraph(cfg *graph.Config, getenv func(string) string) (*graph.Client, error) {
	if cfg == nil {
		c, ok, err := graph.ConfigFromEnv(getenv)
		if err != nil || !ok {
			return nil, err
		}
		cfg = &c
	}
	return graph.New(*cfg)
}
