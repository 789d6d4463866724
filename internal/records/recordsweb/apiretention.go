package recordsweb

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/web"
)

// The JSON API for retention: the disposal queue, legal holds,
// certificates and one record's retention, as the pages offer them. The
// engine decides who may (records managers and administrators; a token
// needs read to look and write to change) and audits a refusal; another
// organisation's items are not found.

// ApproveRequest approves items of the disposal queue, all or none.
type ApproveRequest struct {
	IDs  []string `json:"ids"`
	Note string   `json:"note,omitempty"` // printed on the certificate
}

// RejectRequest keeps a queued record until a later date, or marks it for
// review instead.
type RejectRequest struct {
	Reason string `json:"reason"`
	Until  string `json:"until,omitempty"` // YYYY-MM-DD, later than its due date
	Review bool   `json:"review,omitempty"`
}

// HoldRequest places a legal hold on records, classes (with every class
// under them) and cases.
type HoldRequest struct {
	Title       string   `json:"title"`
	Reason      string   `json:"reason"`
	DocumentIDs []string `json:"document_ids,omitempty"`
	ClassIDs    []string `json:"class_ids,omitempty"`
	CaseIDs     []string `json:"case_ids,omitempty"`
}

// LiftRequest lifts a legal hold.
type LiftRequest struct {
	Reason string `json:"reason"`
}

// ExtendRequest keeps one record until at least a later date.
type ExtendRequest struct {
	Until  string `json:"until"` // YYYY-MM-DD
	Reason string `json:"reason"`
}

var (
	tagRetention = []string{"retention"}
	disposalID   = web.Param{Name: "id", In: "path", Required: true, Description: "The queue item's ID (rdp_...)."}
	holdID       = web.Param{Name: "id", In: "path", Required: true, Description: "The hold's ID (rhd_...)."}
	certID       = web.Param{Name: "id", In: "path", Required: true, Description: "The certificate's ID (rct_...)."}
	cursorParam  = web.Param{Name: "cursor", In: "query", Description: "The next_cursor of the page before."}
)

func (h *handlers) routeRetentionAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	who := " Records managers and administrators only; others are 403."
	api.HandleFunc("GET /api/v1/disposal", web.Op{Summary: "The disposal queue", OperationID: "listDisposals", Tags: tagRetention, Scopes: read,
		Description: "Items of the disposal queue, soonest due first: by default those awaiting a decision or being carried out (pending, held, approved, disposing)." + who,
		Params: []web.Param{{Name: "state", In: "query", Description: "One state (pending, held, approved, disposing, done, rejected, withdrawn), or all."},
			{Name: "action", In: "query", Description: "destroy, review or transfer."}, {Name: "class", In: "query", Description: "A class's code or ID: it and the classes under it."},
			cursorParam, {Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}},
		Responses: map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[records.Disposal]{})}},
	}, h.apiQueue)
	api.HandleFunc("POST /api/v1/disposal/approve", web.Op{Summary: "Approve disposal", OperationID: "approveDisposals", Tags: tagRetention, Scopes: write,
		Description: "Approves up to 200 items, all or none. A two-stage schedule needs a second approval by someone else; the approval that completes an item " +
			"carries it out at once and the answer holds its certificate. An item under a legal hold, or no longer due, is 409." + who,
		Request:   web.SchemaOf(ApproveRequest{}),
		Responses: map[int]web.Response{200: {Description: "What the approval did.", Schema: web.SchemaOf(records.ApprovalResult{})}},
	}, h.apiApprove)
	api.HandleFunc("GET /api/v1/disposal/certificates", web.Op{Summary: "Certificates of destruction and transfer", OperationID: "listCertificates", Tags: tagRetention,
		Scopes: read, Params: []web.Param{cursorParam}, Description: "Newest first." + who,
		Responses: map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[records.Certificate]{})}},
	}, h.apiCertificates)
	api.HandleFunc("GET /api/v1/disposal/certificates/{id}", web.Op{Summary: "A certificate", OperationID: "getCertificate", Tags: tagRetention, Scopes: read,
		Params: []web.Param{certID}, Description: "What went, when, under which schedule, approved by whom, and the SHA-256 of every version destroyed." + who,
		Responses: map[int]web.Response{200: {Description: "The certificate.", Schema: web.SchemaOf(records.Certificate{})}},
	}, h.apiCertificate)
	api.HandleFunc("GET /api/v1/disposal/certificates/{id}/pdf", web.Op{Summary: "A destruction certificate as a PDF", OperationID: "getCertificatePDF", Tags: tagRetention,
		Scopes: read, Params: []web.Param{certID}, Description: "application/pdf, under the organisation's name. A transfer certificate has no PDF (404)." + who,
		Responses: map[int]web.Response{200: {Description: "The PDF."}},
	}, h.certificatePDF)
	api.HandleFunc("GET /api/v1/disposal/{id}", web.Op{Summary: "An item of the disposal queue", OperationID: "getDisposal", Tags: tagRetention, Scopes: read,
		Params: []web.Param{disposalID}, Description: "Its schedule, state, approvals and decision." + who,
		Responses: map[int]web.Response{200: {Description: "The item.", Schema: web.SchemaOf(records.Disposal{})}},
	}, h.apiDisposal)
	api.HandleFunc("POST /api/v1/disposal/{id}/reject", web.Op{Summary: "Keep a record, or mark it for review", OperationID: "rejectDisposal", Tags: tagRetention,
		Scopes: write, Params: []web.Param{disposalID}, Request: web.SchemaOf(RejectRequest{}),
		Description: "With until, keeps the record until then (its retention is extended) and closes the item; with review, turns the item into a review, " +
			"whose approval destroys. A reason is needed." + who,
		Responses: map[int]web.Response{200: {Description: "The item.", Schema: web.SchemaOf(records.Disposal{})}},
	}, h.apiReject)
	api.HandleFunc("GET /api/v1/holds", web.Op{Summary: "Legal holds", OperationID: "listHolds", Tags: tagRetention, Scopes: read,
		Params:      []web.Param{{Name: "active", In: "query", Description: "yes: in force; no: lifted; leave out for both."}, cursorParam},
		Description: "Newest first." + who,
		Responses:   map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[records.Hold]{})}},
	}, h.apiHolds)
	api.HandleFunc("POST /api/v1/holds", web.Op{Summary: "Place a legal hold", OperationID: "createHold", Tags: tagRetention, Scopes: write,
		Request: web.SchemaOf(HoldRequest{}),
		Description: "Nothing it covers is queued, approved, disposed of, deleted or moved until it is lifted; queued items it covers are held at once. " +
			"Classes cover every class under them, and a document filed later into a held class or case is held too." + who,
		Responses: map[int]web.Response{201: {Description: "The hold; Location names it.", Schema: web.SchemaOf(records.Hold{})}},
	}, h.apiCreateHold)
	api.HandleFunc("GET /api/v1/holds/{id}", web.Op{Summary: "A legal hold", OperationID: "getHold", Tags: tagRetention, Scopes: read,
		Params: []web.Param{holdID}, Description: "What it names and how many records it covers now." + who,
		Responses: map[int]web.Response{200: {Description: "The hold.", Schema: web.SchemaOf(records.Hold{})}},
	}, h.apiHold)
	api.HandleFunc("POST /api/v1/holds/{id}/lift", web.Op{Summary: "Lift a legal hold", OperationID: "liftHold", Tags: tagRetention, Scopes: write,
		Params: []web.Param{holdID}, Request: web.SchemaOf(LiftRequest{}),
		Description: "Needs a reason. Queued items no other hold covers go back to pending, and their approvals start again." + who,
		Responses:   map[int]web.Response{200: {Description: "The hold.", Schema: web.SchemaOf(records.Hold{})}},
	}, h.apiLiftHold)
	api.HandleFunc("GET /api/v1/records/{id}/retention", web.Op{Summary: "A record's retention", OperationID: "getRecordRetention", Tags: tagRetention, Scopes: read,
		Params: []web.Param{idParam},
		Description: "The schedule that applies, its trigger and due dates, the extensions given it, the legal holds covering it, where its disposal stands " +
			"and every queue item it has had (and those an import carried in)." + who,
		Responses: map[int]web.Response{200: {Description: "Its retention.", Schema: web.SchemaOf(records.Retention{})}},
	}, h.apiRetention)
	api.HandleFunc("POST /api/v1/records/{id}/retention/extend", web.Op{Summary: "Keep a record longer", OperationID: "extendRecordRetention", Tags: tagRetention,
		Scopes: write, Params: []web.Param{idParam}, Request: web.SchemaOf(ExtendRequest{}),
		Description: "Keeps the record until at least until, which must be later than its due date, any earlier extension and today: retention is only " +
			"ever extended this way. A queued item for it is withdrawn." + who,
		Responses: map[int]web.Response{200: {Description: "Its retention.", Schema: web.SchemaOf(records.Retention{})}},
	}, h.apiExtend)
}

// date reads a YYYY-MM-DD field; "" is no date.
func date(field, v string) (time.Time, error) {
	if v = strings.TrimSpace(v); v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, platform.Invalid("Check the date", platform.FieldError{Field: field, Message: "Enter a date like 2034-03-27"})
	}
	return t, nil
}

func (h *handlers) apiQueue(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := records.QueueFilter{State: q.Get("state"), Action: q.Get("action"), After: q.Get("cursor"), Limit: 50}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > 200 {
			return platform.Invalid("Check the query", platform.FieldError{Field: "limit", Message: "must be a whole number from 1 to 200"})
		}
	}
	if f.ClassID, err = h.classParam(r.Context(), sub, strings.TrimSpace(q.Get("class"))); err != nil {
		return err
	}
	p, err := h.rs.DisposalQueue(r.Context(), sub, f)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[*records.Disposal]{Items: nonNil(p.Items), NextCursor: p.Next})
}

func (h *handlers) apiDisposal(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	x, err := h.rs.Disposal(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, x)
}

func (h *handlers) apiApprove(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	var in ApproveRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := h.rs.ApproveDisposal(r.Context(), sub, in.IDs, in.Note)
	if err != nil {
		return err
	}
	res.AwaitingSecond, res.Done, res.Certificates = nonNil(res.AwaitingSecond), nonNil(res.Done), nonNil(res.Certificates)
	return web.WriteJSON(w, http.StatusOK, res)
}

func (h *handlers) apiReject(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	var in RejectRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	until, err := date("until", in.Until)
	if err != nil {
		return err
	}
	x, err := h.rs.RejectDisposal(r.Context(), sub, r.PathValue("id"), records.Rejection{Reason: in.Reason, Until: until, Review: in.Review})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, x)
}

func (h *handlers) apiHolds(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	p, err := h.rs.Holds(r.Context(), sub, r.URL.Query().Get("active"), r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[*records.Hold]{Items: nonNil(p.Holds), NextCursor: p.Next})
}

func (h *handlers) apiCreateHold(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	var in HoldRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	hold, err := h.rs.CreateHold(r.Context(), sub, records.HoldInput{Title: in.Title, Reason: in.Reason, DocumentIDs: in.DocumentIDs,
		ClassIDs: in.ClassIDs, CaseIDs: in.CaseIDs})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/holds/"+hold.ID)
	return web.WriteJSON(w, http.StatusCreated, hold)
}

func (h *handlers) apiHold(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	hold, err := h.rs.Hold(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, hold)
}

func (h *handlers) apiLiftHold(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	var in LiftRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	hold, err := h.rs.LiftHold(r.Context(), sub, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, hold)
}

func (h *handlers) apiCertificates(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	p, err := h.rs.Certificates(r.Context(), sub, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[*records.Certificate]{Items: nonNil(p.Certificates), NextCursor: p.Next})
}

func (h *handlers) apiCertificate(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	c, err := h.rs.Certificate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiRetention(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	ret, err := h.rs.Retention(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, ret)
}

func (h *handlers) apiExtend(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	var in ExtendRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	until, err := date("until", in.Until)
	if err == nil && until.IsZero() {
		err = platform.Invalid("Check the extension", platform.FieldError{Field: "until", Message: "Enter the date to keep it until, like 2034-03-27"})
	}
	if err != nil {
		return err
	}
	if _, err := h.rs.ExtendRetention(r.Context(), sub, r.PathValue("id"), until, in.Reason); err != nil {
		return err
	}
	ret, err := h.rs.Retention(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, ret)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
