package post

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
)

// SendInput is one message to send: the same for the Notify API, staff
// sending from a page or a case, bulk sends and the services engine.
type SendInput struct {
	// Kind is what the caller means to send (the API's endpoint: email,
	// sms or letter); "" takes the template's kind.
	Kind       string
	TemplateID string
	// To is the email address or phone number; letters take Address.
	To string
	// Address is a letter's address lines; when empty, it is read from the
	// personalisation's address_line_1..7 (and "postcode"), as Notify's
	// API sends it.
	Address         []string
	Personalisation map[string]any
	Reference       string
	// ClientKey makes the send idempotent: a second send with the same key
	// for the same service returns the first notification.
	ClientKey    string
	CaseID       string
	PersonID     string
	ScheduledFor time.Time // zero: now; at most 24 hours ahead, as Notify
	LargePrint   bool
	Postage      string // letters: first, second (default), europe, rest-of-world
	// International lets text messages go to numbers abroad.
	International bool
	// ChannelReason is why staff chose another channel than the person's
	// preferred one (SendFromCase asks for it), kept with the message.
	ChannelReason string
}

// Limits of a message, as Notify's.
const (
	MaxEmailBytes    = 2_000_000
	MaxSMSChars      = 918
	MaxReferenceLen  = 1000
	MaxFileBytes     = 2 << 20
	maxScheduleAhead = 24 * time.Hour
)

// sendError is a refusal in Notify's words: the API writes the APIError as
// it is; pages show the message against the field.
func sendError(status int, class, field, msg string) error {
	full := msg
	if class == "ValidationError" && field != "" {
		full = field + " " + msg
	}
	code := platform.CodeInvalid
	switch status {
	case 403:
		code = platform.CodeForbidden
	case 404:
		code = platform.CodeNotFound
	case 429:
		code = platform.CodeRateLimited
	case 413:
		code = platform.CodeTooLarge
	}
	e := &platform.Error{Code: code, Message: msg, Err: &notify.APIError{Status: status, Errors: []notify.ErrorItem{{Error: class, Message: full}}}}
	if field != "" {
		e.Fields = []platform.FieldError{{Field: field, Message: msg}}
	}
	return e
}

// Send is a person sending a message through a service (a page, a case,
// a bulk upload): caseworkers, managers and designers of the owning unit.
func (s *Store) Send(ctx context.Context, sub *platform.Subject, serviceID string, in SendInput) (Notification, error) {
	sv, err := s.Service(ctx, sub, serviceID)
	if err != nil {
		return Notification{}, err
	}
	return s.send(ctx, sv, sub, nil, in)
}

// SendWithKey is the Notify API's send: key (checked by the caller
// against the token) is the service's.
func (s *Store) SendWithKey(ctx context.Context, key APIKey, in SendInput) (Notification, error) {
	sv, _, err := s.ServiceKeys(ctx, key.ServiceID) // the token check has just read it: kept
	if err != nil {
		return Notification{}, err
	}
	return s.send(ctx, sv, nil, &key, in)
}

func (s *Store) send(ctx context.Context, sv Service, sub *platform.Subject, key *APIKey, in SendInput) (Notification, error) {
	if sv.Archived {
		return Notification{}, sendError(400, "BadRequestError", "", "Service is archived: it cannot send")
	}
	if in.ClientKey != "" {
		if n, err := s.byClientKey(ctx, sv.ID, in.ClientKey); err == nil {
			return n, nil
		}
	}
	t, err := s.TemplateForService(ctx, sv.ID, in.TemplateID, 0)
	if platform.CodeOf(err) == platform.CodeNotFound || err == nil && t.Archived {
		return Notification{}, sendError(400, "BadRequestError", "template_id", "Template not found")
	}
	if err != nil {
		return Notification{}, err
	}
	n, err := s.prepare(ctx, sv, t, in)
	if err != nil {
		return Notification{}, err
	}
	n.KeyType = KeyNormal
	if key != nil {
		n.KeyType, n.APIKeyID, n.CreatedBy = key.Type, key.ID, "api:"+key.ID
	} else {
		n.CreatedBy = sub.UserID
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if sub != nil {
			if err := s.access.CheckTx(tx, sub, access.Create, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
				return err
			}
		}
		return s.insert(ctx, tx, &n, sub, key)
	})
	if store.IsUniqueViolation(err) && n.ClientKey != "" {
		return s.byClientKey(ctx, sv.ID, n.ClientKey)
	}
	return n, err
}

// prepare checks the input against the template and renders it.
func (s *Store) prepare(ctx context.Context, sv Service, t Template, in SendInput) (Notification, error) {
	kind := in.Kind
	if kind == "" {
		kind = t.Kind
	}
	if kind != t.Kind {
		return Notification{}, sendError(400, "BadRequestError", "template_id", fmt.Sprintf("%s template is not suitable for %s notification", t.Kind, kind))
	}
	now := s.now()
	n := Notification{ID: NewUUID(), OrgID: sv.OrgID, ServiceID: sv.ID, TemplateID: t.ID, TemplateVersion: t.Version, Kind: kind,
		Personalisation: in.Personalisation, Reference: in.Reference, ClientKey: in.ClientKey, CaseID: in.CaseID, PersonID: in.PersonID,
		Status: StatusCreated, LargePrint: in.LargePrint, ChannelReason: in.ChannelReason, CreatedAt: now, UpdatedAt: now}
	if n.Personalisation == nil {
		n.Personalisation = map[string]any{}
	}
	if utf8.RuneCountInString(in.Reference) > MaxReferenceLen {
		return n, sendError(400, "ValidationError", "reference", fmt.Sprintf("must be %d characters or fewer", MaxReferenceLen))
	}
	if !in.ScheduledFor.IsZero() {
		switch {
		case in.ScheduledFor.Before(now.Add(-time.Minute)):
			return n, sendError(400, "ValidationError", "scheduled_for", "datetime can not be in the past")
		case in.ScheduledFor.After(now.Add(maxScheduleAhead)):
			return n, sendError(400, "ValidationError", "scheduled_for", "datetime can only be 24 hours in the future")
		}
		if in.ScheduledFor.After(now) {
			n.ScheduledFor = in.ScheduledFor.UTC()
		}
	}
	if err := checkFiles(n.Personalisation); err != nil {
		return n, err
	}
	switch kind {
	case KindEmail:
		to := strings.TrimSpace(in.To)
		if to == "" {
			return n, sendError(400, "ValidationError", "email_address", "is a required property")
		}
		to, err := notify.ValidateEmail(to)
		if err != nil {
			return n, sendError(400, "ValidationError", "email_address", err.Error())
		}
		n.Recipient = to
	case KindSMS:
		if strings.TrimSpace(in.To) == "" {
			return n, sendError(400, "ValidationError", "phone_number", "is a required property")
		}
		to, err := notify.PhoneE164(in.To, in.International)
		if err != nil {
			return n, sendError(400, "ValidationError", "phone_number", err.Error())
		}
		n.Recipient = to
	case KindLetter:
		lines := in.Address
		if len(lines) == 0 {
			lines = addressFrom(n.Personalisation)
		}
		addr, why := checkAddress(lines)
		if why != "" {
			return n, sendError(400, "ValidationError", "personalisation", why)
		}
		n.Address, n.Recipient = addr, addr[0]
		n.Postage = in.Postage
		if n.Postage == "" {
			n.Postage = "second"
			if !isUKPostcode(addr[len(addr)-1]) {
				n.Postage = "rest-of-world"
			}
		}
		switch n.Postage {
		case "first", "second", "economy", "europe", "rest-of-world":
		default:
			return n, sendError(400, "ValidationError", "postage", "invalid. It must be either first, second, economy, europe or rest-of-world.")
		}
	default:
		return n, sendError(400, "ValidationError", "template_type", "is not one of [sms, email, letter]")
	}
	if n.PersonID != "" {
		p, err := s.PreferencesOf(ctx, sv.OrgID, n.PersonID)
		if err != nil {
			return n, err
		}
		if p.Unsubscribed && !t.Statutory {
			return n, sendError(400, "BadRequestError", "", "The recipient has unsubscribed from messages that are not statutory")
		}
		if p.Format == "large-print" {
			n.LargePrint = true
		}
	}
	r, err := notify.Render(kind, t.Subject, t.Body, n.Personalisation)
	var miss *notify.MissingError
	if errors.As(err, &miss) {
		return n, sendError(400, "BadRequestError", "personalisation", "Missing personalisation: "+strings.Join(uniqueNames(miss.Names), ", "))
	}
	if err != nil {
		return n, sendError(400, "BadRequestError", "template_id", err.Error())
	}
	n.Subject, n.Body, n.Fragments = r.Subject, r.Text, r.Fragments
	switch {
	case kind == KindEmail && len(r.Subject)+len(r.Text)+len(r.HTML) > MaxEmailBytes:
		return n, sendError(400, "BadRequestError", "personalisation", fmt.Sprintf("Your message is too long. Emails cannot be longer than %d bytes. Your message is %d bytes.",
			MaxEmailBytes, len(r.Subject)+len(r.Text)+len(r.HTML)))
	case kind == KindSMS && r.Chars > MaxSMSChars:
		return n, sendError(400, "BadRequestError", "personalisation", fmt.Sprintf("Your message is too long. Text messages cannot be longer than %d characters. Your message is %d characters.",
			MaxSMSChars, r.Chars))
	}
	return n, nil
}

// checkFiles refuses files in the personalisation ({"file": base64, ...}):
// Notify sends them as download links, which dbtp does not offer; one over
// Notify's 2 MB limit gets Notify's own answer first.
func checkFiles(p map[string]any) error {
	for k, v := range p {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		f, ok := m["file"].(string)
		if !ok {
			return sendError(400, "ValidationError", "personalisation", k+" must be a string, a number or a list")
		}
		if base64.StdEncoding.DecodedLen(len(f)) > MaxFileBytes {
			return sendError(400, "BadRequestError", "personalisation", "File is larger than 2MB")
		}
		return sendError(400, "BadRequestError", "personalisation", "Service is not allowed to send documents")
	}
	return nil
}

// addressFrom reads Notify's address personalisation: address_line_1 to
// address_line_7, and the older address_line_1..6 + postcode.
func addressFrom(p map[string]any) []string {
	low := map[string]string{}
	for k, v := range p {
		if s, ok := v.(string); ok {
			low[strings.ToLower(strings.TrimSpace(k))] = s
		}
	}
	var out []string
	for i := 1; i <= 7; i++ {
		out = append(out, low[fmt.Sprintf("address_line_%d", i)])
	}
	if low["address_line_7"] == "" && low["postcode"] != "" {
		out[6] = low["postcode"]
	}
	return out
}

// insert stores n as created and enqueues its delivery in the same write:
// once the caller hears 201, the message is durably queued.
func (s *Store) insert(ctx context.Context, tx *store.Tx, n *Notification, sub *platform.Subject, key *APIKey) error {
	if s.opts.Jobs == nil {
		return platform.Internal(errors.New("post: no jobs queue to deliver through"))
	}
	p, err := json.Marshal(n.Personalisation)
	if err != nil {
		return sendError(400, "ValidationError", "personalisation", "must be an object of names and values")
	}
	_, err = tx.Exec(ctx, `INSERT INTO post_notifications (id, org_id, service_id, template_id, template_version, kind, recipient, address,
		personalisation, subject, body, reference, client_key, case_id, person_id, key_type, api_key_id, created_by, status, large_print,
		postage, fragments, scheduled_for, created_at, updated_at, channel_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.OrgID, n.ServiceID, n.TemplateID, n.TemplateVersion, n.Kind, n.Recipient, strings.Join(n.Address, "\n"), string(p),
		n.Subject, n.Body, n.Reference, n.ClientKey, n.CaseID, n.PersonID, n.KeyType, n.APIKeyID, n.CreatedBy, n.Status, b2i(n.LargePrint),
		n.Postage, n.Fragments, store.Millis(n.ScheduledFor), store.Millis(n.CreatedAt), store.Millis(n.UpdatedAt), n.ChannelReason)
	if err != nil {
		return err
	}
	if _, err := s.opts.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: JobDeliver, OrgID: n.OrgID, Args: map[string]string{"id": n.ID},
		Key: n.ID, RunAt: n.ScheduledFor}); err != nil {
		return err
	}
	var e audit.Entry
	if sub != nil {
		e = audit.For(sub, "post.send", "post_notification", n.ID, audit.Success)
	} else {
		e = audit.Entry{OrgID: n.OrgID, ActorID: "api:" + key.ID, ActorName: "API key " + key.Name, Action: "post.send",
			ResourceType: "post_notification", ResourceID: n.ID, Outcome: audit.Success}
		// The key's last use, at most once a minute: a write per request
		// would be wasted on a busy key (key is as the token check read
		// it, at most a few seconds old).
		if n.CreatedAt.Sub(key.LastUsedAt) >= time.Minute {
			if _, err := tx.Exec(ctx, "UPDATE post_api_keys SET last_used_at = ? WHERE id = ? AND last_used_at < ?",
				store.Millis(n.CreatedAt), key.ID, store.Millis(n.CreatedAt)-60_000); err != nil {
				return err
			}
		}
	}
	e.Detail = n.Kind + " from template " + n.TemplateID
	return s.audit.Record(tx, e)
}

// uniqueNames keeps the first of names that differ only in case.
func uniqueNames(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}
