package auditweb

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// When is a moment shown in UK time with its ISO form for <time datetime>.
type When struct {
	ISO   string
	Local string
}

func whenOf(t time.Time) When {
	return When{ISO: t.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Local: t.In(london).Format("2 Jan 2006 15:04:05 MST")}
}

// Row is one entry as the viewer shows it.
type Row struct {
	audit.Entry
	Href         string
	When         When
	Who          string
	WhoHref      string // the viewer filtered by this actor; empty for an anonymous actor
	Resource     string
	ResourceHref string
	OutcomeText  string
	OutcomeClass string
}

func rowOf(e audit.Entry) Row {
	r := Row{Entry: e, Href: "/audit/" + strconv.FormatInt(e.Index, 10), When: whenOf(e.At), Who: e.ActorName}
	if e.ActorID != "" {
		r.WhoHref = "/audit?" + url.Values{"actor": {e.ActorID}}.Encode()
		if r.Who == "" {
			r.Who = e.ActorID
		}
	} else if r.Who == "" {
		r.Who = "Not signed in"
	}
	r.Resource = e.ResourceType
	q := url.Values{"resource_type": {e.ResourceType}}
	if e.ResourceID != "" {
		r.Resource += " " + e.ResourceID
		q.Set("resource_id", e.ResourceID)
	}
	r.ResourceHref = "/audit?" + q.Encode()
	switch e.Outcome {
	case audit.Success:
		r.OutcomeText, r.OutcomeClass = "Success", "govuk-tag--green"
	case audit.Denied:
		r.OutcomeText, r.OutcomeClass = "Denied", "govuk-tag--red"
	case audit.Failure:
		r.OutcomeText, r.OutcomeClass = "Failed", "govuk-tag--orange"
	default:
		r.OutcomeText, r.OutcomeClass = string(e.Outcome), "govuk-tag--grey"
	}
	return r
}

// HeadView is the signed tree head as the pages show it.
type HeadView struct {
	Size    int64
	Root    string
	When    When
	Status  headStatus
	Present bool
}

func (h *handlers) headView(head audit.Head, ok bool) HeadView {
	if !ok {
		return HeadView{}
	}
	return HeadView{Size: head.Size, Root: head.Root.String(), When: whenOf(head.CreatedAt), Status: h.checkHead(head), Present: true}
}

// ListPage is the data of audit/list.
type ListPage struct {
	*web.Form
	Head    HeadView
	Rows    []Row
	Caption string
	Empty   string
	Pages   web.Pagination
	First   string // back to the newest entries, on later pages
	Invalid bool   // the filters need fixing, so nothing was listed
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) error {
	s, err := h.authorize(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, bad := parsePageFilter(q)
	data := ListPage{Form: &web.Form{Input: q, Errors: bad}, Caption: "Audit entries, newest first"}
	var page audit.Page
	data.Invalid = len(bad) > 0
	if !data.Invalid {
		f.OrgID = s.OrgID
		page, err = h.log.List(r.Context(), f)
		if platform.CodeOf(err) == platform.CodeInvalid {
			// Only the cursor can be wrong here: the filters were checked.
			data.Form.Message, data.Invalid, err = "The page link is not valid. Start again from the newest entries.", true, nil
			data.First = firstPage(r)
		}
		if err != nil {
			return err
		}
	}
	status := http.StatusOK
	if data.Invalid {
		status = http.StatusBadRequest
	} else if err := h.recordRead(r.Context(), s, "", filterDetail(f, len(page.Entries))); err != nil {
		return err
	}
	head, ok, err := h.treeHead(r.Context(), s.OrgID)
	if err != nil {
		return err
	}
	data.Head = h.headView(head, ok)
	for _, e := range page.Entries {
		data.Rows = append(data.Rows, rowOf(e))
	}
	filtered := f.ActorID != "" || f.Action != "" || f.ResourceType != "" || f.ResourceID != "" || !f.From.IsZero() || !f.To.IsZero()
	data.Empty = "There are no audit entries yet."
	if filtered {
		data.Caption = "Audit entries matching your filters, newest first"
		data.Empty = "No audit entries match these filters."
	}
	if f.Cursor != "" && !data.Invalid {
		data.Caption += " (continued)"
		data.Empty = "There are no more entries."
		data.First = firstPage(r)
	}
	if page.Next != "" {
		data.Pages.Next = web.CursorURL(r, page.Next)
	}
	return web.Render(w, r, status, "audit/list", data)
}

// firstPage is the current address without its cursor.
func firstPage(r *http.Request) string { return web.CursorURL(r, "") }

// EntryPage is the data of audit/entry.
type EntryPage struct {
	Row
	Head HeadView
	// The inclusion proof of the entry against Head.
	LeafHash  string
	Proof     []string
	Covered   bool   // Head includes the entry
	ProofOK   bool   // tlog.CheckRecord accepted the proof for the content shown
	ProofFail string // why there is no proof, when it could not be built
}

func (h *handlers) entryPage(w http.ResponseWriter, r *http.Request) error {
	s, err := h.authorize(r)
	if err != nil {
		return err
	}
	idx, ok := parseCount(r.PathValue("index"))
	if !ok {
		return platform.NotFound("audit entry")
	}
	ctx := r.Context()
	e, err := h.entry(ctx, s, idx)
	if err != nil {
		return err
	}
	if err := h.recordRead(ctx, s, strconv.FormatInt(idx, 10), "read entry"); err != nil {
		return err
	}
	head, ok, err := h.treeHead(ctx, s.OrgID)
	if err != nil {
		return err
	}
	leaf := leafHash(e)
	data := EntryPage{Row: rowOf(e), Head: h.headView(head, ok), LeafHash: leaf.String(), Covered: ok && idx < head.Size}
	if data.Covered {
		proof, err := h.log.InclusionProof(ctx, s.OrgID, idx, head.Size)
		switch {
		case err != nil:
			// Damaged stored hashes are exactly when a reader needs to see
			// the failure rather than an error page; the cause is logged.
			data.ProofFail = "The proof could not be built from the stored hashes."
			slog.Default().ErrorContext(ctx, "auditweb: inclusion proof failed; run dbtp audit verify",
				"request_id", web.RequestID(r), "index", idx, "err", err.Error())
		default:
			data.Proof = hashStrings(proof)
			data.ProofOK = tlog.CheckRecord(proof, head.Size, head.Root, idx, leaf) == nil
		}
	}
	return web.Render(w, r, http.StatusOK, "audit/entry", data)
}
