package signingweb

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// The JSON API of envelopes: the same engine calls as the pages, with
// its own JSON shapes (the engine's types carry no JSON tags).

var (
	tagEnvelopes = []string{"envelopes"}
	envIDParam   = web.Param{Name: "id", In: "path", Required: true, Description: "The envelope's ID (env_...)."}
)

// EnvelopeJSON is an envelope as the API shows it.
type EnvelopeJSON struct {
	ID              string          `json:"id"`
	Title           string          `json:"title"`
	Message         string          `json:"message,omitempty"`
	Status          string          `json:"status"`
	BusinessUnitID  string          `json:"business_unit_id,omitempty"`
	SenderID        string          `json:"sender_id"`
	SenderName      string          `json:"sender_name"`
	CaseID          string          `json:"case_id,omitempty"`
	Pages           int             `json:"pages"`
	OriginalSHA256  string          `json:"original_sha256"`
	CurrentStep     int             `json:"current_step"`
	RemindEveryDays int             `json:"remind_every_days,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	ExpiresAt       time.Time       `json:"expires_at,omitzero"`
	CreatedAt       time.Time       `json:"created_at"`
	SentAt          time.Time       `json:"sent_at,omitzero"`
	CompletedAt     time.Time       `json:"completed_at,omitzero"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Sealed          bool            `json:"sealed"`
	TemplateID      string          `json:"template_id,omitempty"`      // the template it was made from
	TemplateVersion int             `json:"template_version,omitempty"` // and that template's version
	Recipients      []RecipientJSON `json:"recipients,omitempty"`
	Fields          []FieldJSON     `json:"fields,omitempty"`
}

// RecipientJSON is a recipient as the API shows it.
type RecipientJSON struct {
	ID           string    `json:"id"`
	Step         int       `json:"step"`
	Role         string    `json:"role"`
	UserID       string    `json:"user_id,omitempty"`
	Name         string    `json:"name"`
	Email        string    `json:"email,omitempty"`
	Phone        string    `json:"phone,omitempty"`   // +447...: their code goes by text message
	CodeBy       string    `json:"code_by,omitempty"` // outside parties: email or sms
	Status       string    `json:"status"`
	ActedAt      time.Time `json:"acted_at,omitzero"`
	IdentifiedBy string    `json:"identified_by,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	MayReassign  bool      `json:"may_reassign,omitempty"`
}

// FieldJSON is a field as the API shows it.
type FieldJSON struct {
	ID          string  `json:"id"`
	RecipientID string  `json:"recipient_id"`
	Kind        string  `json:"kind"`
	Page        int     `json:"page"`
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	Width       float64 `json:"width"`
	Height      float64 `json:"height"`
	Required    bool    `json:"required"`
	Label       string  `json:"label,omitempty"`
	Value       string  `json:"value,omitempty"`
}

// EventJSON is one piece of evidence.
type EventJSON struct {
	Action      string    `json:"action"`
	RecipientID string    `json:"recipient_id,omitempty"`
	Actor       string    `json:"actor,omitempty"`
	Address     string    `json:"address,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	DocSHA256   string    `json:"doc_sha256,omitempty"`
	At          time.Time `json:"at"`
}

// CreateEnvelopeInput is the body of POST /api/v1/envelopes.
type CreateEnvelopeInput struct {
	signing.Composed
	// PDF is the document, base64 (standard alphabet).
	PDF []byte `json:"pdf"`
}

// VoidInput is the body of the void call.
type VoidInput struct {
	Reason string `json:"reason"`
}

func envelopeJSON(e signing.Envelope) EnvelopeJSON {
	out := EnvelopeJSON{ID: e.ID, Title: e.Title, Message: e.Message, Status: e.Status, BusinessUnitID: e.UnitID, SenderID: e.SenderID, SenderName: e.SenderName,
		CaseID: e.CaseID, Pages: e.Pages, OriginalSHA256: e.OriginalSHA256, CurrentStep: e.CurrentStep, RemindEveryDays: e.RemindEveryDays, Reason: e.Reason,
		ExpiresAt: e.ExpiresAt, CreatedAt: e.CreatedAt, SentAt: e.SentAt, CompletedAt: e.CompletedAt, UpdatedAt: e.UpdatedAt, Sealed: e.SealedBlob != "",
		TemplateID: e.TemplateID, TemplateVersion: e.TemplateVersion}
	for _, r := range e.Recipients {
		rj := RecipientJSON{ID: r.ID, Step: r.Step, Role: r.Role, UserID: r.UserID, Name: r.Name, Email: r.Email, Phone: r.Phone, Status: r.Status,
			ActedAt: r.ActedAt, IdentifiedBy: r.IdentifiedBy, Reason: r.Reason, MayReassign: r.MayReassign}
		switch {
		case r.UserID != "":
		case r.Phone != "":
			rj.CodeBy = signing.CodeBySMS
		default:
			rj.CodeBy = signing.CodeByEmail
		}
		out.Recipients = append(out.Recipients, rj)
	}
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, FieldJSON{ID: f.ID, RecipientID: f.RecipientID, Kind: f.Kind, Page: f.Page, X: f.X, Y: f.Y, Width: f.Width, Height: f.Height,
			Required: f.Required, Label: f.Label, Value: f.Value})
	}
	return out
}

func (p *envelopesPart) routeAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	one := func(d string) map[int]web.Response {
		return map[int]web.Response{200: {Description: d, Schema: web.SchemaOf(EnvelopeJSON{})}}
	}
	api.HandleFunc("GET /api/v1/envelopes", web.Op{Summary: "List envelopes", OperationID: "listEnvelopes", Tags: tagEnvelopes, Scopes: read,
		Description: "The envelopes the caller sent and their business units'; administrators and records managers see all. Latest change first; without recipients and fields.",
		Params: []web.Param{{Name: "status", In: "query", Description: "draft, sent, sealing, completed, declined, voided, expired, or active (not finished); empty: all"},
			{Name: "q", In: "query", Description: "Words in the title"}, {Name: "mine", In: "query", Description: "true: only those the caller sent"},
			{Name: "cursor", In: "query", Description: "next_cursor of the previous page"},
			{Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 100}}},
		Responses: map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[EnvelopeJSON]{})}},
	}, p.apiList)
	api.HandleFunc("POST /api/v1/envelopes", web.Op{Summary: "Create (and send) an envelope", OperationID: "createEnvelope", Tags: tagEnvelopes, Scopes: write,
		Description: "A draft from a PDF (base64 in pdf; up to 20 MB, not encrypted, not already signed) with, optionally, its recipients in steps (the same step: a parallel group) " +
			"and fields (each naming its recipient by position in recipients, from 0; at page, x, y in points from the bottom-left corner, or a named position " +
			"such as \"bottom of the last page\"). send: true sends it in the same call. All or nothing: a refusal writes nothing.",
		Request:   web.SchemaOf(CreateEnvelopeInput{}),
		Responses: map[int]web.Response{201: {Description: "The envelope; Location names it.", Schema: web.SchemaOf(EnvelopeJSON{})}},
	}, p.apiCreate, web.MaxBody(signing.MaxPDFSize*4/3+1<<20))
	api.HandleFunc("GET /api/v1/envelopes/{id}", web.Op{Summary: "Get an envelope", OperationID: "getEnvelope", Tags: tagEnvelopes, Scopes: read,
		Params: []web.Param{envIDParam}, Responses: one("The envelope with its recipients and fields.")}, p.apiGet)
	api.HandleFunc("PUT /api/v1/envelopes/{id}/recipients", web.Op{Summary: "Set a draft's recipients", OperationID: "setEnvelopeRecipients", Tags: tagEnvelopes, Scopes: write,
		Description: "Replaces them; fields of recipients who stay (same person, same role) are kept. Staff by user_id; others by name and email.",
		Params:      []web.Param{envIDParam}, Request: web.SchemaOf([]signing.RecipientInput{}), Responses: one("The envelope.")}, p.apiRecipients)
	api.HandleFunc("PUT /api/v1/envelopes/{id}/fields", web.Op{Summary: "Set a draft's fields", OperationID: "setEnvelopeFields", Tags: tagEnvelopes, Scopes: write,
		Description: "Replaces them. page is 1-based, or -1 for the last page; x and y are points from the bottom-left corner; or a position: " + strings.Join(signing.Positions, ", ") + ".",
		Params:      []web.Param{envIDParam}, Request: web.SchemaOf([]signing.FieldInput{}), Responses: one("The envelope.")}, p.apiFields)
	api.HandleFunc("POST /api/v1/envelopes/{id}/send", web.Op{Summary: "Send a draft", OperationID: "sendEnvelope", Tags: tagEnvelopes, Scopes: write,
		Description: "Needs someone who signs or approves and a signature field for each signer; step 1 is asked at once.",
		Params:      []web.Param{envIDParam}, Responses: one("The envelope.")}, p.apiSend)
	api.HandleFunc("POST /api/v1/envelopes/{id}/void", web.Op{Summary: "Void an envelope", OperationID: "voidEnvelope", Tags: tagEnvelopes, Scopes: write,
		Description: "Stops an envelope out for signing, with a reason kept in its evidence.",
		Params:      []web.Param{envIDParam}, Request: web.SchemaOf(VoidInput{}), Responses: one("The envelope.")}, p.apiVoid)
	api.HandleFunc("DELETE /api/v1/envelopes/{id}", web.Op{Summary: "Discard a draft", OperationID: "discardEnvelope", Tags: tagEnvelopes, Scopes: write,
		Description: "Only a draft never sent; the audit log keeps that it existed.", Params: []web.Param{envIDParam},
		Responses: map[int]web.Response{204: {Description: "Discarded."}}}, p.apiDiscard)
	api.HandleFunc("GET /api/v1/envelopes/{id}/evidence", web.Op{Summary: "An envelope's evidence", OperationID: "getEnvelopeEvidence", Tags: tagEnvelopes, Scopes: read,
		Description: "What happened to the envelope, oldest first, with the document's SHA-256 where it changed: what the completion certificate lists.",
		Params:      []web.Param{envIDParam}, Responses: map[int]web.Response{200: {Description: "What happened, oldest first.", Schema: web.SchemaOf(web.List[EventJSON]{})}}}, p.apiEvidence)
	// The evidence's first address: clients that name it are sent on.
	api.Handle("GET /api/v1/envelopes/{id}/events", web.Op{Summary: "Moved: an envelope's evidence", OperationID: "listEnvelopeEventsMoved", Tags: tagEnvelopes, Public: true,
		Description: "Moved to GET /api/v1/envelopes/{id}/evidence: answers with a permanent redirect (308) there.", Params: []web.Param{envIDParam},
		Responses: map[int]web.Response{308: {Description: "Location names /api/v1/envelopes/{id}/evidence."}}}, moved(func(r *http.Request) string {
		return "/api/v1/envelopes/" + url.PathEscape(r.PathValue("id")) + "/evidence"
	}))
	api.HandleFunc("GET /api/v1/envelopes/{id}/documents/{which}", web.Op{Summary: "Download an envelope's PDF", OperationID: "getEnvelopeDocument", Tags: tagEnvelopes, Scopes: read,
		Params:    []web.Param{envIDParam, {Name: "which", In: "path", Required: true, Description: "original, current (with the signatures so far) or sealed"}},
		Responses: map[int]web.Response{200: {Description: "The PDF (application/pdf)."}}}, p.document)
}

func (p *envelopesPart) apiList(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := web.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	res, err := p.ss.List(r.Context(), sub, signing.ListQuery{Status: q.Get("status"), Q: q.Get("q"), Mine: q.Get("mine") == "true", Cursor: q.Get("cursor"), Limit: min(limit, 100)})
	if err != nil {
		return err
	}
	out := web.List[EnvelopeJSON]{Items: []EnvelopeJSON{}, NextCursor: res.Next}
	for _, e := range res.Envelopes {
		out.Items = append(out.Items, envelopeJSON(e))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *envelopesPart) apiCreate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in CreateEnvelopeInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	in.Composed.PDF = in.PDF
	env, err := p.ss.Compose(r.Context(), sub, p.dir, in.Composed)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/envelopes/"+env.ID)
	return web.WriteJSON(w, http.StatusCreated, envelopeJSON(env))
}

func (p *envelopesPart) apiGet(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.ss.Get(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, envelopeJSON(env))
}

func (p *envelopesPart) apiRecipients(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in []signing.RecipientInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := p.ss.SetRecipients(r.Context(), sub, p.dir, r.PathValue("id"), in); err != nil {
		return err
	}
	return p.apiGet(w, r)
}

func (p *envelopesPart) apiFields(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in []signing.FieldInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := p.ss.SetFields(r.Context(), sub, r.PathValue("id"), in); err != nil {
		return err
	}
	return p.apiGet(w, r)
}

func (p *envelopesPart) apiSend(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.ss.Send(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, envelopeJSON(env))
}

func (p *envelopesPart) apiVoid(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in VoidInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	env, err := p.ss.Void(r.Context(), sub, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, envelopeJSON(env))
}

func (p *envelopesPart) apiEvidence(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	evs, err := p.ss.Events(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := web.List[EventJSON]{Items: []EventJSON{}}
	for _, e := range evs {
		out.Items = append(out.Items, EventJSON{Action: e.Action, RecipientID: e.RecipientID, Actor: e.ActorName, Address: e.Address, Detail: e.Detail, DocSHA256: e.DocSHA256, At: e.At})
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *envelopesPart) apiDiscard(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if err := p.ss.Discard(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
