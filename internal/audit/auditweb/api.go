package auditweb

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// EntryDetail is one entry with its leaf hash, the input to an inclusion
// proof check (tlog.CheckRecord).
type EntryDetail struct {
	audit.Entry
	LeafHash string `json:"leaf_hash"` // base64 SHA-256 record hash
}

// TreeHead is the latest signed tree head of the organisation's log in a
// form clients can check: note.Open(Note, verifier for VerifierKey), then
// the checkpoint text (Origin, size and root hash on three lines).
type TreeHead struct {
	Origin      string    `json:"origin"` // "dbtp-audit/<organisation ID>": whose log the head is of
	Size        int64     `json:"size"`
	RootHash    string    `json:"root_hash"` // base64
	Note        string    `json:"note"`      // the signed note: checkpoint text plus signature lines
	CreatedAt   time.Time `json:"created_at"`
	KeyName     string    `json:"key_name"`
	KeyHash     string    `json:"key_hash"`               // 8 hex digits, as in the verifier key
	VerifierKey string    `json:"verifier_key,omitempty"` // "name+hash+base64 Ed25519 public key", when configured
}

// InclusionProof proves entry Index is in the tree of TreeSize entries.
type InclusionProof struct {
	Index    int64    `json:"index"`
	TreeSize int64    `json:"tree_size"`
	LeafHash string   `json:"leaf_hash"`
	RootHash string   `json:"root_hash,omitempty"` // when tree_size is the latest signed head's
	Proof    []string `json:"proof"`
}

// ConsistencyProof proves the tree of OldSize entries is a prefix of the
// tree of NewSize entries.
type ConsistencyProof struct {
	OldSize     int64    `json:"old_size"`
	NewSize     int64    `json:"new_size"`
	NewRootHash string   `json:"new_root_hash,omitempty"` // when new_size is the latest signed head's
	Proof       []string `json:"proof"`
}

var (
	tags   = []string{"audit"}
	scopes = []string{"admin"}
	count  = web.Schema{"type": "integer", "minimum": 0}
	sizeS  = web.Schema{"type": "integer", "minimum": 1}
	denied = "Reading the audit log needs an organisation admin's token with the admin scope. A refusal is itself audited."
)

func (h *handlers) registerAPI(api *web.API) {
	api.Handle("GET /api/v1/audit/entries", web.Op{
		Summary: "List audit entries", OperationID: "listAuditEntries", Tags: tags, Scopes: scopes,
		Description: "Entries of the token's organisation, newest first, matching every filter given. " +
			"Dates (YYYY-MM-DD) are whole days in UK time; times are RFC 3339 (escape \"+\" as %2B). " +
			"Unknown or repeated parameters are refused with 400. Listing is recorded in the audit log. " + denied,
		Params: []web.Param{
			{Name: "actor", In: "query", Description: "Only entries by this user or API token ID."},
			{Name: "action", In: "query", Description: "Only this action, e.g. user.create."},
			{Name: "resource_type", In: "query", Description: "Only this resource type, e.g. user."},
			{Name: "resource_id", In: "query", Description: "Only this resource ID."},
			{Name: "from", In: "query", Description: "Entries at or after this time, or from the start of this day (UK time)."},
			{Name: "to", In: "query", Description: "Entries before this time, or up to the end of this day (UK time)."},
			{Name: "cursor", In: "query", Description: "next_cursor from the previous page."},
			{Name: "limit", In: "query", Description: "Page size, 1 to 200 (default 50).", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}},
		},
		Responses: map[int]web.Response{200: {Description: "One page of entries.", Schema: web.SchemaOf(web.List[audit.Entry]{})}},
	}, h.api(h.listEntries))
	api.Handle("GET /api/v1/audit/entries/{index}", web.Op{
		Summary: "Get an audit entry", OperationID: "getAuditEntry", Tags: tags, Scopes: scopes,
		Description: "One entry of the token's organisation with its leaf hash. Reading is recorded in the audit log. " + denied,
		Params:      []web.Param{{Name: "index", In: "path", Required: true, Description: "The entry's position in the organisation's log.", Schema: count}},
		Responses:   map[int]web.Response{200: {Description: "The entry.", Schema: web.SchemaOf(EntryDetail{})}},
	}, h.api(h.getEntry))
	api.Handle("GET /api/v1/audit/tree-head", web.Op{
		Summary: "Latest signed tree head", OperationID: "getAuditTreeHead", Tags: tags, Scopes: scopes,
		Description: "The size and root hash of the organisation's own log (each organisation has its own Merkle tree, so this says nothing about any other), " +
			"as a checkpoint (origin dbtp-audit/<organisation ID>, size, root hash) signed with the platform's Ed25519 audit key as a golang.org/x/mod/sumdb/note. " +
			"Keep copies and ask for consistency proofs between them to detect rewriting. " + denied,
		Responses: map[int]web.Response{200: {Description: "The signed tree head.", Schema: web.SchemaOf(TreeHead{})}},
	}, h.api(h.getTreeHead))
	api.Handle("GET /api/v1/audit/proofs/inclusion", web.Op{
		Summary: "Inclusion proof for an entry", OperationID: "getAuditInclusionProof", Tags: tags, Scopes: scopes,
		Description: "Proof that an entry is in a signed tree of the token's organisation's log; check it with tlog.CheckRecord. " + denied,
		Params: []web.Param{
			{Name: "index", In: "query", Required: true, Description: "The entry's index.", Schema: count},
			{Name: "size", In: "query", Description: "Tree size to prove against; default the latest signed head's.", Schema: sizeS},
		},
		Responses: map[int]web.Response{200: {Description: "The proof.", Schema: web.SchemaOf(InclusionProof{})}},
	}, h.api(h.getInclusionProof))
	api.Handle("GET /api/v1/audit/proofs/consistency", web.Op{
		Summary: "Consistency proof between two tree sizes", OperationID: "getAuditConsistencyProof", Tags: tags, Scopes: scopes,
		Description: "Proof that the organisation's tree of old entries is a prefix of its tree of new entries; check it with tlog.CheckTree. " + denied,
		Params: []web.Param{
			{Name: "old", In: "query", Required: true, Description: "The earlier tree size.", Schema: sizeS},
			{Name: "new", In: "query", Description: "The later tree size; default the latest signed head's.", Schema: sizeS},
		},
		Responses: map[int]web.Response{200: {Description: "The proof.", Schema: web.SchemaOf(ConsistencyProof{})}},
	}, h.api(h.getConsistencyProof))
}

// api adapts a handler: the caller must be signed in (401 otherwise), and
// query parameter errors answer 400 naming each parameter in errors. (The
// shell maps field errors to 422, which is for request bodies; a bad query
// parameter is a malformed request.)
func (h *handlers) api(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return web.RequireSignedInFunc(func(w http.ResponseWriter, r *http.Request) error {
		err := fn(w, r)
		if e := platform.AsError(err); err != nil && e.Code == platform.CodeInvalid && len(e.Fields) > 0 {
			writeBadRequest(w, r, e)
			return nil
		}
		return err
	})
}

func writeBadRequest(w http.ResponseWriter, r *http.Request, e *platform.Error) {
	b, _ := json.MarshalIndent(web.ProblemDetails{
		Type: "about:blank", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest,
		Detail: e.Message, Instance: r.URL.Path, Code: platform.CodeInvalid, RequestID: web.RequestID(r), Errors: e.Fields,
	}, "", "  ")
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	w.Write(append(b, '\n'))
}

func (h *handlers) listEntries(w http.ResponseWriter, r *http.Request) error {
	s, err := h.authorize(r)
	if err != nil {
		return err
	}
	f, err := parseAPIFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.OrgID = s.OrgID
	page, err := h.log.List(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.recordRead(r.Context(), s, "", filterDetail(f, len(page.Entries))+"; via API"); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[audit.Entry]{Items: page.Entries, NextCursor: page.Next})
}

func (h *handlers) getEntry(w http.ResponseWriter, r *http.Request) error {
	s, err := h.authorize(r)
	if err != nil {
		return err
	}
	if err := invalidParams(onlyParams(r.URL.Query())); err != nil {
		return err
	}
	idx, ok := parseCount(r.PathValue("index"))
	if !ok {
		return invalidParams([]platform.FieldError{{Field: "index", Message: "must be a whole number from 0"}})
	}
	e, err := h.entry(r.Context(), s, idx)
	if err != nil {
		return err
	}
	if err := h.recordRead(r.Context(), s, strconv.FormatInt(idx, 10), "read entry via API"); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, EntryDetail{Entry: e, LeafHash: leafHash(e).String()})
}

func (h *handlers) getTreeHead(w http.ResponseWriter, r *http.Request) error {
	s, err := h.authorize(r)
	if err != nil {
		return err
	}
	if err := invalidParams(onlyParams(r.URL.Query())); err != nil {
		return err
	}
	head, ok, err := h.treeHead(r.Context(), s.OrgID)
	if err != nil {
		return err
	}
	if !ok {
		return platform.NotFound("signed tree head")
	}
	st := h.checkHead(head)
	return web.WriteJSON(w, http.StatusOK, TreeHead{
		Origin: head.Origin, Size: head.Size, RootHash: head.Root.String(), Note: head.Note, CreatedAt: head.CreatedAt,
		KeyName: st.KeyName, KeyHash: fmt.Sprintf("%08x", st.KeyHash), VerifierKey: h.vkey,
	})
}

// sizeParam reads an optional tree size no larger than the latest signed
// head's; absent, it is that size.
func sizeParam(q map[string][]string, name string, headSize int64) (int64, *platform.FieldError) {
	v, ok := q[name]
	if !ok {
		return headSize, nil
	}
	n, valid := parseCount(v[0])
	switch {
	case !valid || n < 1:
		return 0, &platform.FieldError{Field: name, Message: "must be a whole number from 1"}
	case n > headSize:
		return 0, &platform.FieldError{Field: name, Message: fmt.Sprintf("must be at most %d, the size of the latest signed tree head", headSize)}
	}
	return n, nil
}

func (h *handlers) getInclusionProof(w http.ResponseWriter, r *http.Request) error {
	s, err := h.authorize(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := invalidParams(onlyParams(q, "index", "size")); err != nil {
		return err
	}
	head, ok, err := h.treeHead(r.Context(), s.OrgID)
	if err != nil {
		return err
	}
	if !ok {
		return platform.NotFound("signed tree head")
	}
	idx, valid := parseCount(q.Get("index"))
	if !valid {
		return invalidParams([]platform.FieldError{{Field: "index", Message: "is required: a whole number from 0"}})
	}
	size, bad := sizeParam(q, "size", head.Size)
	if bad != nil {
		return invalidParams([]platform.FieldError{*bad})
	}
	if idx >= size {
		return invalidParams([]platform.FieldError{{Field: "index", Message: fmt.Sprintf("must be less than the tree size, %d", size)}})
	}
	e, err := h.entry(r.Context(), s, idx)
	if err != nil {
		return err
	}
	proof, err := h.log.InclusionProof(r.Context(), s.OrgID, idx, size)
	if err != nil {
		return err
	}
	out := InclusionProof{Index: idx, TreeSize: size, LeafHash: leafHash(e).String(), Proof: hashStrings(proof)}
	if size == head.Size {
		out.RootHash = head.Root.String()
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (h *handlers) getConsistencyProof(w http.ResponseWriter, r *http.Request) error {
	s, err := h.authorize(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := invalidParams(onlyParams(q, "old", "new")); err != nil {
		return err
	}
	head, ok, err := h.treeHead(r.Context(), s.OrgID)
	if err != nil {
		return err
	}
	if !ok {
		return platform.NotFound("signed tree head")
	}
	if _, given := q["old"]; !given {
		return invalidParams([]platform.FieldError{{Field: "old", Message: "is required: a tree size you hold a signed head for"}})
	}
	newSize, bad := sizeParam(q, "new", head.Size)
	if bad != nil {
		return invalidParams([]platform.FieldError{*bad})
	}
	oldSize, bad := sizeParam(q, "old", head.Size)
	if bad != nil {
		return invalidParams([]platform.FieldError{*bad})
	}
	if oldSize > newSize {
		return invalidParams([]platform.FieldError{{Field: "old", Message: fmt.Sprintf("must be at most new, %d", newSize)}})
	}
	proof, err := h.log.ConsistencyProof(r.Context(), s.OrgID, oldSize, newSize)
	if err != nil {
		return err
	}
	out := ConsistencyProof{OldSize: oldSize, NewSize: newSize, Proof: hashStrings(proof)}
	if newSize == head.Size {
		out.NewRootHash = head.Root.String()
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func hashStrings(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}
