package postweb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

// GOV.UK Notify's v2 API, at the same paths: POST /v2/notifications/email,
// /sms and /letter, GET /v2/notifications/{id}, GET /v2/notifications,
// GET /v2/template/{id} (and /version/{v}), GET /v2/templates and POST
// /v2/template/{id}/preview. The JSON, the token check and the errors are
// Notify's, so Notify's own client libraries work against dbtp by setting
// their base URL.

// maxSendBody is the most a send may carry: a precompiled letter of 5 MB
// in base64 and its wrapping. Anything larger is refused unread.
const maxSendBody = 8 << 20

func (p *sendingPart) v2Routes(srv *web.Server) {
	rt := srv.Router()
	h := func(f func(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sv, key, err := p.authenticate(r.Context(), r)
			if err == nil {
				err = f(w, r, sv, key)
			}
			if err != nil {
				p.writeAPIError(w, r, err)
			}
		})
	}
	rt.Handle("POST /v2/notifications/{kind}", h(p.v2Send), web.DeviceCredential(), web.MaxBody(maxSendBody))
	rt.Handle("GET /v2/notifications/{id}", h(p.v2Get), web.DeviceCredential())
	rt.Handle("GET /v2/notifications/{id}/pdf", h(p.v2PDF), web.DeviceCredential())
	rt.Handle("GET /v2/notifications", h(p.v2List), web.DeviceCredential())
	rt.Handle("GET /v2/template/{id}", h(p.v2GetTemplate), web.DeviceCredential())
	rt.Handle("GET /v2/template/{id}/version/{version}", h(p.v2GetTemplate), web.DeviceCredential())
	rt.Handle("GET /v2/templates", h(p.v2Templates), web.DeviceCredential())
	rt.Handle("POST /v2/template/{id}/preview", h(p.v2Preview), web.DeviceCredential(), web.MaxBody(1<<20))
}

// v2Validation collects Notify's ValidationErrors for one request; Notify
// reports every schema error at once.
type v2Validation struct{ items []notify.ErrorItem }

func (v *v2Validation) add(format string, args ...any) {
	v.items = append(v.items, notify.ErrorItem{Error: "ValidationError", Message: fmt.Sprintf(format, args...)})
}

func (v *v2Validation) err() error {
	if len(v.items) == 0 {
		return nil
	}
	return &notify.APIError{Status: 400, Errors: v.items}
}

func v2BadRequest(msg string) *notify.APIError {
	return &notify.APIError{Status: 400, Errors: []notify.ErrorItem{{Error: "BadRequestError", Message: msg}}}
}

// readBody reads a JSON object's fields, or says why not in Notify's words.
func v2ReadBody(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &notify.APIError{Status: 413, Errors: []notify.ErrorItem{{Error: "BadRequestError", Message: "Request body is too large"}}}
	}
	if err != nil {
		return nil, v2BadRequest("Invalid JSON supplied in POST data")
	}
	var fields map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&fields); err != nil || fields == nil || d.More() {
		return nil, v2BadRequest("Invalid JSON supplied in POST data")
	}
	return fields, nil
}

// str reads an optional string field; a wrong type is a ValidationError.
func v2Str(v *v2Validation, fields map[string]json.RawMessage, name string, required bool) string {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		if required {
			v.add("%s is a required property", name)
		}
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		v.add("%s %s is not of type string", name, v2Truncate(string(raw)))
	}
	return s
}

func v2Truncate(s string) string {
	if len(s) > 50 {
		return s[:50] + "..."
	}
	return s
}

// allowed reports properties the schema does not know, as Notify does.
func v2Allowed(v *v2Validation, fields map[string]json.RawMessage, names ...string) {
	var extra []string
	for k := range fields {
		known := false
		for _, n := range names {
			known = known || k == n
		}
		if !known {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		v.add("Additional properties are not allowed (%s was unexpected)", k)
	}
}

func v2Personalisation(v *v2Validation, fields map[string]json.RawMessage) map[string]any {
	raw, ok := fields["personalisation"]
	if !ok || string(raw) == "null" {
		return nil
	}
	var p map[string]any
	if json.Unmarshal(raw, &p) != nil || p == nil {
		v.add("personalisation %s is not of type object", v2Truncate(string(raw)))
	}
	return p
}

// scheduledFor reads Notify's scheduled_for: "YYYY-MM-DD HH:MM" in UK
// time (Notify's form), or an RFC 3339 time.
func v2ScheduledFor(v *v2Validation, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	v.add("scheduled_for datetime format is invalid. It must be a valid ISO8601 date time format, https://en.wikipedia.org/wiki/ISO_8601")
	return time.Time{}
}

func (p *sendingPart) v2Send(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error {
	kind := r.PathValue("kind")
	if kind != post.KindEmail && kind != post.KindSMS && kind != post.KindLetter {
		return &notify.APIError{Status: 404, Errors: []notify.ErrorItem{{Error: "BadRequestError", Message: "Not found"}}}
	}
	if !p.limits.allow(sv.ID, key.Type, sv.RatePerMinute, p.m.d.Clock.Now()) {
		return notify.RateLimited(key.Type, sv.RatePerMinute, 60)
	}
	fields, err := v2ReadBody(r)
	if err != nil {
		return err
	}
	var v v2Validation
	if _, ok := fields["content"]; ok && kind == post.KindLetter {
		return p.v2Precompiled(w, r, sv, key, fields)
	}
	in := post.SendInput{Kind: kind}
	var unsubscribe string // echoed in the answer, as Notify does; the caller's own unsubscribe page
	switch kind {
	case post.KindEmail:
		v2Allowed(&v, fields, "email_address", "template_id", "personalisation", "reference", "email_reply_to_id", "scheduled_for", "one_click_unsubscribe_url")
		in.To = v2Str(&v, fields, "email_address", true)
		if id := v2Str(&v, fields, "email_reply_to_id", false); id != "" && !notify.IsUUID(id) {
			v.add("email_reply_to_id is not a valid UUID")
		}
		if unsubscribe = v2Str(&v, fields, "one_click_unsubscribe_url", false); unsubscribe != "" && !strings.HasPrefix(unsubscribe, "https://") {
			v.add("one_click_unsubscribe_url is not a valid https url")
		}
	case post.KindSMS:
		v2Allowed(&v, fields, "phone_number", "template_id", "personalisation", "reference", "sms_sender_id", "scheduled_for")
		in.To = v2Str(&v, fields, "phone_number", true)
		if id := v2Str(&v, fields, "sms_sender_id", false); id != "" && !notify.IsUUID(id) {
			v.add("sms_sender_id is not a valid UUID")
		}
		in.International = true // Notify's services may send abroad once allowed; dbtp's may
	case post.KindLetter:
		v2Allowed(&v, fields, "template_id", "personalisation", "reference", "postage", "scheduled_for")
		in.Postage = v2Str(&v, fields, "postage", false)
		if _, ok := fields["personalisation"]; !ok {
			v.add("personalisation is a required property")
		}
	}
	in.TemplateID = v2Str(&v, fields, "template_id", true)
	if in.TemplateID != "" && !notify.IsUUID(in.TemplateID) {
		v.add("template_id is not a valid UUID")
	}
	in.Reference = v2Str(&v, fields, "reference", false)
	in.Personalisation = v2Personalisation(&v, fields)
	in.ScheduledFor = v2ScheduledFor(&v, v2Str(&v, fields, "scheduled_for", false))
	if err := v.err(); err != nil {
		return err
	}
	in.TemplateID = strings.ToLower(in.TemplateID)
	if key.Type == post.KeyTeam && kind != post.KindLetter {
		if ok, err := p.inTeam(r.Context(), sv, in.To); err != nil || !ok {
			if err == nil {
				err = v2BadRequest("Can't send to this recipient using a team-only API key")
			}
			return err
		}
	}
	n, err := p.m.ps.SendWithKey(r.Context(), key, in)
	if err != nil {
		return err
	}
	out := v2Sent{ID: n.ID, Reference: strOrNil(n.Reference), URI: p.base() + "/v2/notifications/" + n.ID, Template: p.templateRef(n),
		ScheduledFor: notify.Time(n.ScheduledFor)}
	switch kind {
	case post.KindEmail:
		out.Content = v2EmailContent{Body: n.Body, Subject: n.Subject, FromEmail: p.fromEmail(sv), OneClickUnsubscribeURL: strOrNil(unsubscribe)}
	case post.KindSMS:
		out.Content = v2SMSContent{Body: n.Body, FromNumber: p.smsSender(sv)}
	case post.KindLetter:
		out.Content = v2LetterContent{Body: n.Body, Subject: n.Subject}
	}
	writeNotifyJSON(w, http.StatusCreated, out)
	return nil
}

// fromEmail is the address emails are sent from: the platform's sender
// (DBTP_POST_EMAIL_FROM, the delivery part's setting), else the
// service's reply-to address.
func (p *sendingPart) fromEmail(sv post.Service) string {
	if f := p.m.d.Config.Getenv("DBTP_POST_EMAIL_FROM"); f != "" {
		return f
	}
	return sv.EmailReplyTo
}

func (p *sendingPart) smsSender(sv post.Service) string {
	if sv.SMSSender != "" {
		return sv.SMSSender
	}
	return p.m.d.Config.CouncilName
}

func (p *sendingPart) v2Get(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error {
	id := r.PathValue("id")
	if !notify.IsUUID(id) {
		var v v2Validation
		v.add("notification_id is not a valid UUID")
		return v.err()
	}
	n, err := p.m.ps.NotificationForService(r.Context(), sv.ID, strings.ToLower(id))
	if err != nil {
		return err
	}
	out := p.v2Notification(n)
	// Notify names the person who sent a message by hand; API sends have none.
	if n.CreatedBy != "" && !strings.HasPrefix(n.CreatedBy, "api:") {
		if people, err := p.m.d.Directory.People(r.Context(), platform.System(sv.OrgID), []string{n.CreatedBy}); err == nil {
			out.CreatedByName = strOrNil(people[n.CreatedBy].Name)
		}
	}
	writeNotifyJSON(w, http.StatusOK, out)
	return nil
}

var v2Statuses = []string{"cancelled", "created", "sending", "sent", "delivered", "pending", "failed", "technical-failure", "temporary-failure",
	"permanent-failure", "pending-virus-check", "v2Validation-failed", "virus-scan-failed", "returned-letter", "accepted", "received"}

func (p *sendingPart) v2List(w http.ResponseWriter, r *http.Request, sv post.Service, key post.APIKey) error {
	q := r.URL.Query()
	var v v2Validation
	var extra []string
	for k := range q {
		switch k {
		case "template_type", "status", "reference", "older_than", "include_jobs":
		default:
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		v.add("Additional properties are not allowed (%s was unexpected)", k)
	}
	f := post.NotificationFilter{Reference: q.Get("reference"), KeyType: key.Type}
	for _, t := range q["template_type"] {
		if t != post.KindEmail && t != post.KindSMS && t != post.KindLetter {
			v.add("template_type %s is not one of [sms, email, letter]", t)
		}
		f.Kind = t
	}
	if len(q["template_type"]) > 1 {
		f.Kind = "" // several types: all of them
	}
	for _, st := range q["status"] {
		known := false
		for _, s := range v2Statuses {
			known = known || st == s
		}
		if !known {
			v.add("status %s is not one of [%s]", st, strings.Join(v2Statuses, ", "))
		}
		if f.Kind == post.KindLetter {
			f.Statuses = append(f.Statuses, letterStatuses(st)...)
		} else {
			f.Statuses = append(f.Statuses, st)
		}
	}
	if o := q.Get("older_than"); o != "" {
		if !notify.IsUUID(o) {
			v.add("older_than is not a valid UUID")
		}
		f.Before = strings.ToLower(o)
	}
	if err := v.err(); err != nil {
		return err
	}
	ns, _, err := p.m.ps.ListForService(r.Context(), sv.ID, f)
	if err != nil {
		return err
	}
	out := v2List{Notifications: []v2Notification{}, Links: v2Links{Current: p.base() + "/v2/notifications" + v2Query(q)}}
	for _, n := range ns {
		out.Notifications = append(out.Notifications, p.v2Notification(n))
	}
	// As Notify: a next link whenever the page has notifications; the
	// page after the last one is empty.
	if len(ns) > 0 {
		q.Set("older_than", ns[len(ns)-1].ID)
		out.Links.Next = p.base() + "/v2/notifications" + v2Query(q)
	}
	writeNotifyJSON(w, http.StatusOK, out)
	return nil
}

// letterStatuses maps the statuses Notify's API shows for letters to the
// stored ones, when the list is of letters.
func letterStatuses(st string) []string {
	switch st {
	case post.StatusAccepted:
		return []string{post.StatusAccepted, post.StatusCreated, post.StatusSending}
	case post.StatusReceived:
		return []string{post.StatusReceived, post.StatusDelivered}
	case "pending-virus-check", "returned-letter":
		return []string{st}
	}
	return []string{st}
}

func v2Query(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func notifyPlaceholders(t post.Template) []string { return notify.Placeholders(t.Subject, t.Body) }

// inTeam reports whether a team key may send to: as Notify's team keys,
// only to the service's team, here the active staff of its business unit,
// by their email address. Numbers are not in the directory, so a team key
// sends no text messages.
func (p *sendingPart) inTeam(ctx context.Context, sv post.Service, to string) (bool, error) {
	to = strings.TrimSpace(to)
	if _, err := notify.ValidateEmail(to); err != nil {
		return false, nil
	}
	page, err := p.m.d.Directory.SearchPeople(ctx, platform.System(sv.OrgID), platform.PeopleQuery{Text: to, Staff: true, Unit: sv.UnitID,
		Active: true, Limit: 20})
	if err != nil {
		return false, err
	}
	for _, person := range page.People {
		if strings.EqualFold(person.Email, to) {
			return true, nil
		}
	}
	return false, nil
}
