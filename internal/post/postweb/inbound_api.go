package postweb

import (
	"net/http"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/web"
)

// The inbound post API: /api/v1/post/inbound. An upload answers 202 at
// once with the items being read; callers follow each item (or the
// batch) until it is routed or waits in triage.

type inboundList struct {
	Items      []post.InboundItem `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

type inboundBatch struct {
	BatchID string             `json:"batch_id"`
	Total   int                `json:"total"`
	Reading int                `json:"reading"`
	Triage  int                `json:"triage"`
	Routed  int                `json:"routed"`
	Items   []post.InboundItem `json:"items,omitempty"`
}

type routeInput struct {
	Reference string `json:"reference"`
	// Confirm files the letter although the name or postcode read from it
	// differ from the case's person (otherwise a 409 says how).
	Confirm bool `json:"confirm,omitempty"`
}

type moveInput struct {
	Reference string `json:"reference,omitempty"` // the case to move it to; empty: back to triage
	Reason    string `json:"reason"`
	Confirm   bool   `json:"confirm,omitempty"`
}

type movesList struct {
	Moves []post.InboundMove `json:"moves"`
}

func (p *inboundPart) api(srv *web.Server) {
	api := srv.API()
	tags := []string{"post"}
	item := web.SchemaOf(post.InboundItem{})
	api.HandleFunc("GET /api/v1/post/inbound", web.Op{Summary: "List inbound post", Tags: tags, Scopes: []string{platform.ScopeRead},
		Description: "Scanned post, newest first: status triage (waiting for a person), reading (OCR under way) or routed (filed on a case).",
		Params: []web.Param{{Name: "status", In: "query", Description: "triage, reading or routed; all when absent"},
			{Name: "batch", In: "query", Description: "only the items of one upload or email"},
			{Name: "cursor", In: "query", Description: "next_cursor of the previous page"}, {Name: "limit", In: "query", Description: "1 to 200, default 50"}},
		Responses: map[int]web.Response{200: {Description: "A page of items", Schema: web.SchemaOf(inboundList{})}}}, p.apiList)
	api.HandleFunc("POST /api/v1/post/inbound", web.Op{Summary: "Upload scanned post", Tags: tags, Scopes: []string{platform.ScopeWrite},
		Description: "multipart/form-data with one or more parts named files, each a PDF or an image (PNG, JPEG, TIFF). All are kept or, if one is refused (not a scan, too large, an encrypted PDF), none is. Each is then read with OCR in the background and routed.",
		Request:     web.Schema{"type": "object", "description": "multipart/form-data: parts named files"},
		Responses:   map[int]web.Response{202: {Description: "Kept; being read", Schema: web.SchemaOf(inboundBatch{})}}}, p.apiUpload, web.MaxBody(p.bodyLimit()))
	api.HandleFunc("GET /api/v1/post/inbound-batches/{batch}", web.Op{Summary: "Follow a batch of inbound post", Tags: tags, Scopes: []string{platform.ScopeRead},
		Responses: map[int]web.Response{200: {Description: "How far reading and routing have got", Schema: web.SchemaOf(inboundBatch{})}}}, p.apiBatch)
	api.HandleFunc("GET /api/v1/post/inbound/{id}", web.Op{Summary: "Get an inbound item", Tags: tags, Scopes: []string{platform.ScopeRead},
		Responses: map[int]web.Response{200: {Description: "The item, with the text OCR read and what was found in it", Schema: item}}}, p.apiGet)
	api.HandleFunc("GET /api/v1/post/inbound/{id}/scan", web.Op{Summary: "Download an inbound item's scan", Tags: tags, Scopes: []string{platform.ScopeRead},
		Responses: map[int]web.Response{200: {Description: "The original, as it arrived (application/pdf or an image)"}}}, p.scan)
	api.HandleFunc("POST /api/v1/post/inbound/{id}/route", web.Op{Summary: "Route an inbound item to a case", Tags: tags, Scopes: []string{platform.ScopeWrite},
		Description: "Files the scan on the case with the reference (as a record) and tells its caseworker. When the name or postcode read from the letter differ from the case's person, the answer is 409 saying how, and the letter is filed only when asked again with confirm.",
		Request:     web.SchemaOf(routeInput{}),
		Responses:   map[int]web.Response{200: {Description: "The routed item", Schema: item}}}, p.apiRoute)
	api.HandleFunc("POST /api/v1/post/inbound/{id}/move", web.Op{Summary: "Move a filed inbound item to another case or back to triage", Tags: tags, Scopes: []string{platform.ScopeWrite},
		Description: "For a letter filed on the wrong case: files it on the case with the reference (or, without one, sends it back to triage), takes it off the old case with a note, and keeps the move and its reason. 409 as for routing when the letter seems to be another person's, unless confirm.",
		Request:     web.SchemaOf(moveInput{}),
		Responses:   map[int]web.Response{200: {Description: "The moved item", Schema: item}}}, p.apiMove)
	api.HandleFunc("GET /api/v1/post/inbound/{id}/moves", web.Op{Summary: "List the moves of an inbound item", Tags: tags, Scopes: []string{platform.ScopeRead},
		Responses: map[int]web.Response{200: {Description: "Its moves, oldest first", Schema: web.SchemaOf(movesList{})}}}, p.apiMoves)
	api.HandleFunc("POST /api/v1/post/inbound/{id}/read", web.Op{Summary: "Read an inbound item again", Tags: tags, Scopes: []string{platform.ScopeWrite},
		Description: "Queues an item that could not be read (tesseract was missing, or the scan would not render) to be read and routed again.",
		Responses:   map[int]web.Response{202: {Description: "Being read again", Schema: item}}}, p.apiReadAgain)
}

func (p *inboundPart) apiReadAgain(w http.ResponseWriter, r *http.Request) error {
	it, err := p.in.ReadAgain(r.Context(), web.SubjectOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, it)
}

func (p *inboundPart) apiList(w http.ResponseWriter, r *http.Request) error {
	pr, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	f := post.InboundFilter{Status: r.URL.Query().Get("status"), Batch: r.URL.Query().Get("batch"), Limit: pr.Limit}
	if f.AfterAt, f.AfterID, err = itemCursor(r); err != nil {
		return err
	}
	items, err := p.in.List(r.Context(), web.SubjectOf(r), f)
	if err != nil {
		return err
	}
	out := inboundList{Items: items}
	if out.Items == nil {
		out.Items = []post.InboundItem{}
	}
	if len(items) == pr.Limit {
		last := items[len(items)-1]
		out.NextCursor = web.EncodeCursor(strconv.FormatInt(last.CreatedAt.UnixMilli(), 10), last.ID)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *inboundPart) apiUpload(w http.ResponseWriter, r *http.Request) error {
	files, err := p.uploads(r)
	if err != nil {
		return err
	}
	batch, items, err := p.in.Receive(r.Context(), web.SubjectOf(r), post.Arrival{Source: post.SourceUpload, Files: files})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, inboundBatch{BatchID: batch, Total: len(items), Reading: len(items), Items: items})
}

func (p *inboundPart) apiBatch(w http.ResponseWriter, r *http.Request) error {
	sub := web.SubjectOf(r)
	batch := r.PathValue("batch")
	if !platform.ValidID("pib", batch) {
		return platform.NotFound("batch")
	}
	counts, err := p.in.Counts(r.Context(), sub, batch)
	if err != nil {
		return err
	}
	out := inboundBatch{BatchID: batch, Reading: counts[post.InboundReading], Triage: counts[post.InboundTriage], Routed: counts[post.InboundRouted]}
	out.Total = out.Reading + out.Triage + out.Routed
	if out.Total == 0 {
		return platform.NotFound("batch")
	}
	if out.Items, err = p.in.List(r.Context(), sub, post.InboundFilter{Batch: batch, Limit: 200}); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *inboundPart) apiGet(w http.ResponseWriter, r *http.Request) error {
	it, err := p.in.Get(r.Context(), web.SubjectOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, it)
}

func (p *inboundPart) apiRoute(w http.ResponseWriter, r *http.Request) error {
	var in routeInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	it, err := p.in.Route(r.Context(), web.SubjectOf(r), r.PathValue("id"), in.Reference, in.Confirm)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, it)
}

func (p *inboundPart) apiMove(w http.ResponseWriter, r *http.Request) error {
	var in moveInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	it, err := p.in.Move(r.Context(), web.SubjectOf(r), r.PathValue("id"), post.MoveTo{Reference: in.Reference, Reason: in.Reason, Confirmed: in.Confirm})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, it)
}

func (p *inboundPart) apiMoves(w http.ResponseWriter, r *http.Request) error {
	ms, err := p.in.Moves(r.Context(), web.SubjectOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []post.InboundMove{}
	}
	return web.WriteJSON(w, http.StatusOK, movesList{Moves: ms})
}
