package postweb

import (
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/web"
)

// The JSON API of sending: /api/v1/post/services (sending services, their
// settings and API keys) and /api/v1/post/notifications (the messages
// sent, and sending one as a person). Council systems that speak GOV.UK
// Notify use /v2/ instead; this API is dbtp's own, with dbtp's tokens,
// for staff tools.

var (
	tagPostServices      = []string{"post services"}
	tagPostNotifications = []string{"post notifications"}
	serviceIDParam       = web.Param{Name: "id", In: "path", Required: true, Description: "The sending service's ID (a UUID)."}
	postCursorQuery      = web.Param{Name: "cursor", In: "query", Description: "next_cursor of the previous page"}
	postLimitQuery       = web.Param{Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}
)

// APIService is a sending service as the API shows it; the callback token
// is never shown back.
type APIService struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	UnitID        string    `json:"unit_id"`
	EmailReplyTo  string    `json:"email_reply_to"`
	SMSSender     string    `json:"sms_sender"`
	LetterContact string    `json:"letter_contact"`
	RatePerMinute int       `json:"rate_per_minute"`
	CallbackURL   string    `json:"callback_url"`
	HasCallback   bool      `json:"has_callback_token"`
	Archived      bool      `json:"archived"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func apiService(sv post.Service) APIService {
	return APIService{ID: sv.ID, Name: sv.Name, UnitID: sv.UnitID, EmailReplyTo: sv.EmailReplyTo, SMSSender: sv.SMSSender, LetterContact: sv.LetterContact,
		RatePerMinute: sv.RatePerMinute, CallbackURL: sv.CallbackURL, HasCallback: sv.CallbackToken != "", Archived: sv.Archived,
		CreatedAt: sv.CreatedAt, UpdatedAt: sv.UpdatedAt}
}

// ServiceCreate is the body that makes a service.
type ServiceCreate struct {
	Name          string `json:"name"`
	UnitID        string `json:"unit_id"`
	EmailReplyTo  string `json:"email_reply_to,omitempty"`
	SMSSender     string `json:"sms_sender,omitempty"`
	LetterContact string `json:"letter_contact,omitempty"`
}

// ServiceUpdate is a service's settings, all of them (PUT).
type ServiceUpdate struct {
	Name          string `json:"name"`
	EmailReplyTo  string `json:"email_reply_to"`
	SMSSender     string `json:"sms_sender"`
	LetterContact string `json:"letter_contact"`
	RatePerMinute int    `json:"rate_per_minute"`
	CallbackURL   string `json:"callback_url"`
	CallbackToken string `json:"callback_token,omitempty"`
	Archived      bool   `json:"archived"`
}

// APIKeyOut is an API key; Key, the whole key, is in the answer that made
// it only.
type APIKeyOut struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       string     `json:"key_type"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Key        string     `json:"key,omitempty"`
}

func sendTimeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func apiKeyOut(k post.APIKey) APIKeyOut {
	return APIKeyOut{ID: k.ID, Name: k.Name, Type: k.Type, CreatedAt: k.CreatedAt, LastUsedAt: sendTimeOrNil(k.LastUsedAt), RevokedAt: sendTimeOrNil(k.RevokedAt)}
}

// KeyCreate is the body that makes a key.
type KeyCreate struct {
	Name string `json:"name"`
	Type string `json:"key_type"`
}

// APINotification is a message as dbtp's API shows it.
type APINotification struct {
	ID              string         `json:"id"`
	ServiceID       string         `json:"service_id"`
	TemplateID      string         `json:"template_id"`
	TemplateVersion int            `json:"template_version"`
	Kind            string         `json:"type"`
	Status          string         `json:"status"`
	Recipient       string         `json:"recipient"`
	Address         []string       `json:"address,omitempty"`
	Subject         string         `json:"subject,omitempty"`
	Body            string         `json:"body"`
	Personalisation map[string]any `json:"personalisation"`
	Reference       string         `json:"reference,omitempty"`
	CaseID          string         `json:"case_id,omitempty"`
	PersonID        string         `json:"person_id,omitempty"`
	CreatedBy       string         `json:"created_by"`
	KeyType         string         `json:"key_type"`
	Postage         string         `json:"postage,omitempty"`
	Fragments       int            `json:"sms_fragments,omitempty"`
	Attempts        int            `json:"attempts"`
	LastError       string         `json:"last_error,omitempty"`
	ScheduledFor    *time.Time     `json:"scheduled_for"`
	CreatedAt       time.Time      `json:"created_at"`
	SentAt          *time.Time     `json:"sent_at"`
	CompletedAt     *time.Time     `json:"completed_at"`
}

func apiNotification(n post.Notification) APINotification {
	return APINotification{ID: n.ID, ServiceID: n.ServiceID, TemplateID: n.TemplateID, TemplateVersion: n.TemplateVersion, Kind: n.Kind, Status: n.Status,
		Recipient: n.Recipient, Address: n.Address, Subject: n.Subject, Body: n.Body, Personalisation: n.Personalisation, Reference: n.Reference,
		CaseID: n.CaseID, PersonID: n.PersonID, CreatedBy: n.CreatedBy, KeyType: n.KeyType, Postage: n.Postage, Fragments: n.Fragments,
		Attempts: n.Attempts, LastError: n.LastError, ScheduledFor: sendTimeOrNil(n.ScheduledFor), CreatedAt: n.CreatedAt, SentAt: sendTimeOrNil(n.SentAt),
		CompletedAt: sendTimeOrNil(n.CompletedAt)}
}

// NotificationSend is a person's send through the API.
type NotificationSend struct {
	ServiceID       string         `json:"service_id"`
	TemplateID      string         `json:"template_id"`
	To              string         `json:"to,omitempty"`
	Address         []string       `json:"address,omitempty"`
	Personalisation map[string]any `json:"personalisation,omitempty"`
	Reference       string         `json:"reference,omitempty"`
	CaseID          string         `json:"case_id,omitempty"`
	PersonID        string         `json:"person_id,omitempty"`
	ScheduledFor    *time.Time     `json:"scheduled_for,omitempty"`
	Postage         string         `json:"postage,omitempty"`
}

func (p *sendingPart) apiRoutes(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	one := func(d string) map[int]web.Response {
		return map[int]web.Response{200: {Description: d, Schema: web.SchemaOf(APIService{})}}
	}
	api.HandleFunc("GET /api/v1/post/services", web.Op{Summary: "List sending services", OperationID: "listPostServices", Tags: tagPostServices, Scopes: read,
		Description: "The sending services of the business units the caller reads, by name, archived ones last.",
		Responses:   map[int]web.Response{200: {Description: "Every service the caller may read.", Schema: web.SchemaOf(web.List[APIService]{})}},
	}, p.apiServices)
	api.HandleFunc("POST /api/v1/post/services", web.Op{Summary: "Create a sending service", OperationID: "createPostService", Tags: tagPostServices, Scopes: write,
		Description: "Managers and designers of the owning unit. Its id is a UUID: the iss of the Notify API's tokens.",
		Request:     web.SchemaOf(ServiceCreate{}), Responses: map[int]web.Response{201: {Description: "The service.", Schema: web.SchemaOf(APIService{})}},
	}, p.apiCreateService)
	api.HandleFunc("GET /api/v1/post/services/{id}", web.Op{Summary: "Get a sending service", OperationID: "getPostService", Tags: tagPostServices, Scopes: read,
		Params: []web.Param{serviceIDParam}, Responses: one("The service."),
	}, p.apiService)
	api.HandleFunc("PUT /api/v1/post/services/{id}", web.Op{Summary: "Change a sending service's settings", OperationID: "updatePostService",
		Tags: tagPostServices, Scopes: write, Params: []web.Param{serviceIDParam}, Request: web.SchemaOf(ServiceUpdate{}),
		Description: "Every setting at once. A callback URL needs a bearer token (callback_token; omitted, the current one is kept while the URL is unchanged). " +
			"rate_per_minute limits API requests a minute per key type and sends a minute per channel; 0 is no limit.",
		Responses: one("The service."),
	}, p.apiUpdateService)
	api.HandleFunc("GET /api/v1/post/services/{id}/keys", web.Op{Summary: "List a service's API keys", OperationID: "listPostKeys", Tags: tagPostServices,
		Scopes: read, Params: []web.Param{serviceIDParam}, Description: "Newest first, revoked ones included; never their secrets.",
		Responses: map[int]web.Response{200: {Description: "The keys.", Schema: web.SchemaOf(web.List[APIKeyOut]{})}},
	}, p.apiKeys)
	api.HandleFunc("POST /api/v1/post/services/{id}/keys", web.Op{Summary: "Create an API key", OperationID: "createPostKey", Tags: tagPostServices,
		Scopes: write, Params: []web.Param{serviceIDParam}, Request: web.SchemaOf(KeyCreate{}),
		Description: "key_type is normal, team or test. The answer's key is the whole key, \"{name}-{service id}-{secret}\", as GOV.UK Notify's client " +
			"libraries take it; it is shown in this answer only.",
		Responses: map[int]web.Response{201: {Description: "The key, with the whole key.", Schema: web.SchemaOf(APIKeyOut{})}},
	}, p.apiCreateKey)
	api.HandleFunc("POST /api/v1/post/services/{id}/keys/{key}/revoke", web.Op{Summary: "Revoke an API key", OperationID: "revokePostKey",
		Tags: tagPostServices, Scopes: write, Description: "At once and for good: tokens it signs are refused with Notify's \"API key revoked\".",
		Params:    []web.Param{serviceIDParam, {Name: "key", In: "path", Required: true, Description: "The key's ID."}},
		Responses: map[int]web.Response{204: {Description: "Revoked."}},
	}, p.apiRevokeKey)

	api.HandleFunc("GET /api/v1/post/notifications", web.Op{Summary: "List messages sent", OperationID: "listPostNotifications",
		Tags: tagPostNotifications, Scopes: read, Description: "The messages of the services the caller reads, newest first.",
		Params: []web.Param{{Name: "service", In: "query", Description: "A service's ID"}, {Name: "type", In: "query", Description: "email, sms or letter"},
			{Name: "status", In: "query", Description: "A status, or failed (every failure) or sending (with pending)"},
			{Name: "reference", In: "query", Description: "The sender's reference"}, {Name: "case", In: "query", Description: "A case's ID"},
			{Name: "recipient", In: "query", Description: "An email address, or a phone number in international form"}, postCursorQuery, postLimitQuery},
		Responses: map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[APINotification]{})}},
	}, p.apiNotifications)
	api.HandleFunc("POST /api/v1/post/notifications", web.Op{Summary: "Send a message", OperationID: "sendPostNotification",
		Tags: tagPostNotifications, Scopes: write,
		Description: "Caseworkers, managers and designers of the service's unit. to is the email address or phone number; letters take address (3 to 7 " +
			"lines, the last a postcode or a country). Every missing personalisation name is listed in one 422. An Idempotency-Key header makes a " +
			"retry return the first message. The message is stored and its delivery queued before the answer.",
		Params:    []web.Param{{Name: "Idempotency-Key", In: "header", Description: "Any string of up to 200 characters, unique per message"}},
		Request:   web.SchemaOf(NotificationSend{}),
		Responses: map[int]web.Response{201: {Description: "The message, queued.", Schema: web.SchemaOf(APINotification{})}},
	}, p.apiSend)
	api.HandleFunc("GET /api/v1/post/notifications/{id}", web.Op{Summary: "Get a message", OperationID: "getPostNotification",
		Tags: tagPostNotifications, Scopes: read, Params: []web.Param{{Name: "id", In: "path", Required: true, Description: "The message's ID."}},
		Responses: map[int]web.Response{200: {Description: "The message.", Schema: web.SchemaOf(APINotification{})}},
	}, p.apiNotification)
}

func (p *sendingPart) apiServices(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	svs, err := p.m.ps.Services(r.Context(), sub)
	if err != nil {
		return err
	}
	out := web.List[APIService]{Items: []APIService{}}
	for _, sv := range svs {
		out.Items = append(out.Items, apiService(sv))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *sendingPart) apiCreateService(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in ServiceCreate
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sv, err := p.m.ps.CreateService(r.Context(), sub, post.ServiceInput{Name: in.Name, UnitID: in.UnitID, EmailReplyTo: in.EmailReplyTo,
		SMSSender: in.SMSSender, LetterContact: in.LetterContact})
	if err != nil {
		return sendRenameField(err, "unit", "unit_id")
	}
	w.Header().Set("Location", "/api/v1/post/services/"+sv.ID)
	return web.WriteJSON(w, http.StatusCreated, apiService(sv))
}

func (p *sendingPart) apiService(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	sv, err := p.m.ps.Service(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiService(sv))
}

func (p *sendingPart) apiUpdateService(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in ServiceUpdate
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sv, err := p.m.ps.UpdateService(r.Context(), sub, r.PathValue("id"), post.ServiceSettings(in))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiService(sv))
}

func (p *sendingPart) apiKeys(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	keys, err := p.m.ps.APIKeys(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := web.List[APIKeyOut]{Items: []APIKeyOut{}}
	for _, k := range keys {
		out.Items = append(out.Items, apiKeyOut(k))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *sendingPart) apiCreateKey(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in KeyCreate
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	k, whole, err := p.m.ps.CreateAPIKey(r.Context(), sub, r.PathValue("id"), in.Name, in.Type)
	if err != nil {
		return err
	}
	out := apiKeyOut(k)
	out.Key = whole
	return web.WriteJSON(w, http.StatusCreated, out)
}

func (p *sendingPart) apiRevokeKey(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if err := p.m.ps.RevokeAPIKey(r.Context(), sub, r.PathValue("id"), r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (p *sendingPart) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := web.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	f := post.NotificationFilter{Kind: q.Get("type"), Reference: q.Get("reference"), CaseID: q.Get("case"), Recipient: q.Get("recipient"), Limit: limit}
	var fs []platform.FieldError
	if f.Kind != "" && sendKindText[f.Kind] == "" {
		fs = append(fs, platform.FieldError{Field: "type", Message: "must be email, sms or letter"})
	}
	if st := q.Get("status"); st != "" {
		if !post.ValidStatus(st) {
			fs = append(fs, platform.FieldError{Field: "status", Message: "is not a status"})
		}
		f.Statuses = []string{st}
	}
	if len(fs) > 0 {
		return platform.Invalid("Check the filter", fs...)
	}
	if s := q.Get("service"); s != "" {
		f.ServiceIDs = []string{s}
	}
	if f.Before, err = sendCursor(r); err != nil {
		return err
	}
	ns, more, err := p.m.ps.Notifications(r.Context(), sub, f)
	if err != nil {
		return err
	}
	out := web.List[APINotification]{Items: []APINotification{}}
	for _, n := range ns {
		out.Items = append(out.Items, apiNotification(n))
	}
	if more && len(ns) > 0 {
		out.NextCursor = web.EncodeCursor(ns[len(ns)-1].ID)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *sendingPart) apiSend(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in NotificationSend
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > 200 {
		return platform.Invalid("The Idempotency-Key header must be 200 characters or fewer")
	}
	send := post.SendInput{TemplateID: in.TemplateID, To: in.To, Address: in.Address, Personalisation: in.Personalisation, Reference: in.Reference,
		CaseID: in.CaseID, PersonID: in.PersonID, Postage: in.Postage, ClientKey: key, International: true}
	if in.ScheduledFor != nil {
		send.ScheduledFor = *in.ScheduledFor
	}
	n, err := p.m.ps.Send(r.Context(), sub, in.ServiceID, send)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/post/notifications/"+n.ID)
	return web.WriteJSON(w, http.StatusCreated, apiNotification(n))
}

func (p *sendingPart) apiNotification(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	n, _, err := p.m.ps.Notification(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, apiNotification(n))
}

// sendRenameField moves a field error to the name the API's body uses.
func sendRenameField(err error, from, to string) error {
	e := platform.AsError(err)
	if e.Code == platform.CodeInternal || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = append([]platform.FieldError(nil), e.Fields...)
	for i := range c.Fields {
		if c.Fields[i].Field == from {
			c.Fields[i].Field = to
		}
	}
	return &c
}
