package signingweb

import (
	"encoding/base64"
	"net/http"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// The ceremony's JSON API, for staff (and systems acting as them): sign,
// approve or decline at their turn, their tasks, and an envelope's
// evidence. Outside parties use the pages: their link and code are not
// API credentials.

var tagCeremony = []string{"signing: ceremony"}

type signatureInput struct {
	Consent bool              `json:"consent"`
	Kind    string            `json:"kind,omitempty"`   // typed (default) or drawn
	Typed   string            `json:"typed,omitempty"`  // the name typed as the signature
	Drawn   string            `json:"drawn,omitempty"`  // a drawn signature, PNG in base64
	Values  map[string]string `json:"values,omitempty"` // field ID to value: text, "yes" for a ticked checkbox
}

type approvalInput struct {
	Consent bool `json:"consent"`
}

type declineInput struct {
	Reason string `json:"reason"`
}

type actResult struct {
	EnvelopeID string `json:"envelope_id"`
	Action     string `json:"action"` // signed, approved, declined
}

type taskJSON struct {
	EnvelopeID string    `json:"envelope_id"`
	Title      string    `json:"title"`
	SenderName string    `json:"sender_name"`
	Step       int       `json:"step"`
	SentAt     time.Time `json:"sent_at"`
	Href       string    `json:"href"` // the page to sign at
}

func (h *ceremonyHandlers) routeAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	done := map[int]web.Response{200: {Description: "Done; when it completed the step, the next step's recipients are notified, and after the last the envelope is sealed by a job.", Schema: web.SchemaOf(actResult{})}}
	api.HandleFunc("POST /api/v1/envelopes/{id}/signature", web.Op{Summary: "Sign an envelope at your turn", OperationID: "signEnvelope",
		Description: "The token's person signs, as a signer of the current step; the signature is a PAdES signature appended to the document. consent must be true the first time.",
		Tags:        tagCeremony, Scopes: write, Request: web.SchemaOf(signatureInput{}), Responses: done}, h.apiSign)
	api.HandleFunc("POST /api/v1/envelopes/{id}/approval", web.Op{Summary: "Approve an envelope at your turn", OperationID: "approveEnvelope",
		Description: "The token's person approves, as an approver of the current step.", Tags: tagCeremony, Scopes: write,
		Request: web.SchemaOf(approvalInput{}), Responses: done}, h.apiApprove)
	api.HandleFunc("POST /api/v1/envelopes/{id}/decline", web.Op{Summary: "Decline an envelope at your turn", OperationID: "declineEnvelope",
		Description: "Ends the envelope for everyone, with the reason the sender reads.", Tags: tagCeremony, Scopes: write,
		Request: web.SchemaOf(declineInput{}), Responses: done}, h.apiDecline)
	api.HandleFunc("GET /api/v1/signing-tasks", web.Op{Summary: "Envelopes waiting for you", OperationID: "listSigningTasks",
		Description: "Envelopes whose current step asks the token's person to sign or approve.", Tags: tagCeremony, Scopes: read,
		Responses: map[int]web.Response{200: {Description: "The tasks, oldest first.", Schema: web.SchemaOf([]taskJSON{})}}}, h.apiTasks)
}

func (h *ceremonyHandlers) apiActor(r *http.Request) (signing.Actor, error) {
	sub, err := staff(r)
	if err != nil {
		return signing.Actor{}, err
	}
	return signing.Actor{Subject: sub, EnvelopeID: r.PathValue("id"), Addr: sub.Addr}, nil
}

func (h *ceremonyHandlers) apiSign(w http.ResponseWriter, r *http.Request) error {
	a, err := h.apiActor(r)
	if err != nil {
		return err
	}
	var in signatureInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sig := signing.Signature{Consent: in.Consent, Kind: in.Kind, Typed: in.Typed, Values: in.Values}
	if in.Drawn != "" {
		if sig.Drawn, err = base64.StdEncoding.DecodeString(in.Drawn); err != nil {
			return platform.Invalid("Check the signature", platform.FieldError{Field: "drawn", Message: "Send the drawn signature as a PNG in base64"})
		}
	}
	if err := h.m.ss.Sign(r.Context(), a, sig); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, actResult{EnvelopeID: a.EnvelopeID, Action: "signed"})
}

func (h *ceremonyHandlers) apiApprove(w http.ResponseWriter, r *http.Request) error {
	a, err := h.apiActor(r)
	if err != nil {
		return err
	}
	var in approvalInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.m.ss.Approve(r.Context(), a, in.Consent); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, actResult{EnvelopeID: a.EnvelopeID, Action: "approved"})
}

func (h *ceremonyHandlers) apiDecline(w http.ResponseWriter, r *http.Request) error {
	a, err := h.apiActor(r)
	if err != nil {
		return err
	}
	var in declineInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.m.ss.Decline(r.Context(), a, in.Reason); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, actResult{EnvelopeID: a.EnvelopeID, Action: "declined"})
}

func (h *ceremonyHandlers) apiTasks(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	envs, err := h.m.ss.ToSign(r.Context(), sub)
	if err != nil {
		return err
	}
	out := make([]taskJSON, 0, len(envs))
	for _, e := range envs {
		out = append(out, taskJSON{EnvelopeID: e.ID, Title: e.Title, SenderName: e.SenderName, Step: e.CurrentStep, SentAt: e.SentAt,
			Href: "/envelopes/" + e.ID + "/sign"})
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
