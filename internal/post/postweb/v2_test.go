package postweb

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestNotifyAPISend(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		email := e.rowTemplate(post.KindEmail, "Acknowledgement", "Your complaint ((reference))", "Dear ((name)),\n\nWe have your complaint.")
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "We will collect your equipment on ((date)).")
		letter := e.rowTemplate(post.KindLetter, "Letter", "About your complaint", "Dear ((name))")
		c, _, _ := e.notifyKey(post.KeyNormal)

		// Email, as notifications-python-client's send_email_notification posts it.
		res := c.post("/v2/notifications/email", map[string]any{"email_address": "rita@example.org", "template_id": email.ID,
			"personalisation": map[string]any{"name": "Rita", "reference": "C-1"}, "reference": "crm-1"})
		want(t, res, http.StatusCreated)
		m := decodeNotify(t, res)
		keys := func(m map[string]any) string {
			var ks []string
			for k := range m {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			return strings.Join(ks, ",")
		}
		if keys(m) != "content,id,reference,scheduled_for,template,uri" || m["reference"] != "crm-1" || m["scheduled_for"] != nil {
			t.Fatalf("email response %v", m)
		}
		content := m["content"].(map[string]any)
		if keys(content) != "body,from_email,one_click_unsubscribe_url,subject" || content["subject"] != "Your complaint C-1" ||
			!strings.Contains(content["body"].(string), "Dear Rita") || content["from_email"] != "contact@northshire.example" {
			t.Fatalf("email content %v", content)
		}
		tmpl := m["template"].(map[string]any)
		if tmpl["id"] != email.ID || tmpl["version"] != 1.0 || m["uri"] != "http://dbtp.test/v2/notifications/"+m["id"].(string) {
			t.Fatalf("template %v, uri %v", tmpl, m["uri"])
		}
		if e.deliveriesQueued() != 1 {
			t.Fatalf("%d deliveries queued, want 1", e.deliveriesQueued())
		}
		id := m["id"].(string)

		// SMS and letter.
		res = c.post("/v2/notifications/sms", map[string]any{"phone_number": "07700 900123", "template_id": sms.ID,
			"personalisation": map[string]any{"date": "Monday"}})
		want(t, res, http.StatusCreated)
		if c := decodeNotify(t, res)["content"].(map[string]any); c["body"] != "We will collect your equipment on Monday." || c["from_number"] != "Northshire Council" {
			t.Fatalf("sms content %v", c)
		}
		res = c.post("/v2/notifications/letter", map[string]any{"template_id": letter.ID, "personalisation": map[string]any{"name": "Rita",
			"address_line_1": "Rita Resident", "address_line_2": "1 High Street", "address_line_3": "NS1 1AA"}})
		want(t, res, http.StatusCreated, `"subject":"About your complaint"`)
		letterID := decodeNotify(t, res)["id"].(string)

		// GET /v2/notifications/{id}: Notify's fields, nulls included.
		res = c.get("/v2/notifications/" + id)
		want(t, res, http.StatusOK)
		g := decodeNotify(t, res)
		for _, k := range []string{"id", "reference", "email_address", "phone_number", "line_1", "line_7", "postcode", "one_click_unsubscribe", "type", "status", "template",
			"body", "subject", "created_at", "created_by_name", "sent_at", "completed_at", "scheduled_for", "cost_in_pounds", "is_cost_data_ready", "cost_details"} {
			if _, ok := g[k]; !ok {
				t.Fatalf("GET lacks %s: %v", k, g)
			}
		}
		if g["status"] != "created" || g["type"] != "email" || g["email_address"] != "rita@example.org" || g["phone_number"] != nil ||
			g["created_at"] != "2026-03-02T08:00:00.000000Z" || g["sent_at"] != nil {
			t.Fatalf("GET %v", g)
		}
		l := decodeNotify(t, c.get("/v2/notifications/"+letterID))
		if l["status"] != "accepted" || l["line_1"] != "Rita Resident" || l["postcode"] != "NS1 1AA" || l["postage"] != "second" {
			t.Fatalf("letter GET %v", l)
		}
		if ns := decodeNotify(t, c.get("/v2/notifications?template_type=letter&status=accepted"))["notifications"].([]any); len(ns) != 1 {
			t.Fatalf("accepted letters: %d", len(ns))
		}
		wantNotifyError(t, c.get("/v2/notifications/"+post.NewUUID()), 404, "NoResultFound", "No result found")
		wantNotifyError(t, c.get("/v2/notifications/not-a-uuid"), 400, "ValidationError", "notification_id is not a valid UUID")

		// Scheduled, in Notify's "YYYY-MM-DD HH:MM" (UK time; GMT in March).
		res = c.post("/v2/notifications/sms", map[string]any{"phone_number": "+447700900123", "template_id": sms.ID,
			"personalisation": map[string]any{"date": "Monday"}, "scheduled_for": "2026-03-02 11:30"})
		want(t, res, http.StatusCreated, `"scheduled_for":"2026-03-02T11:30:00.000000Z"`)

		// Replay: the same token twice within its 30 seconds is accepted,
		// as Notify accepts it (clients make one token a second).
		c.fixedToken = c.token()
		for i := 0; i < 2; i++ {
			want(t, c.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID,
				"personalisation": map[string]any{"date": "Friday"}}), http.StatusCreated)
		}
		e.clock.Add(31 * time.Second)
		wantNotifyError(t, c.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID,
			"personalisation": map[string]any{"date": "Friday"}}), 403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
		c.fixedToken = ""
		if e.deliveriesQueued() != 6 {
			t.Fatalf("%d deliveries queued, want 6", e.deliveriesQueued())
		}

		// Precompiled letter.
		res = c.post("/v2/notifications/letter", map[string]any{"reference": "letter-1", "content": base64.StdEncoding.EncodeToString([]byte("%PDF-1.7\n%test\n"))})
		want(t, res, http.StatusCreated, `"reference":"letter-1"`, `"postage":"second"`)
		pdf := c.get("/v2/notifications/" + decodeNotify(t, res)["id"].(string) + "/pdf")
		if pdf.Status != 200 || !strings.HasPrefix(pdf.Body, "%PDF-1.7") || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("letter PDF: %d %q", pdf.Status, pdf.Body)
		}
		wantNotifyError(t, c.get("/v2/notifications/"+id+"/pdf"), 400, "BadRequestError", "Notification is not a letter")
		wantNotifyError(t, c.get("/v2/notifications/"+letterID+"/pdf"), 400, "PDFNotReadyError", "PDF not available yet, try again later")
		wantNotifyError(t, c.post("/v2/notifications/letter", map[string]any{"reference": "x", "content": base64.StdEncoding.EncodeToString([]byte("hello"))}),
			400, "ValidationError", "content Letter content is not a valid PDF")
	})
}

func TestNotifyAPIRefusals(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		email := e.rowTemplate(post.KindEmail, "Acknowledgement", "Your complaint ((reference))", "Dear ((name)), about ((date))")
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "On ((date)).")
		c, _, _ := e.notifyKey(post.KeyNormal)
		send := func(body map[string]any) (int, map[string]any) {
			res := c.post("/v2/notifications/email", body)
			return res.Status, decodeNotify(t, res)
		}
		ok := map[string]any{"email_address": "rita@example.org", "template_id": email.ID, "personalisation": map[string]any{"name": "R", "reference": "1", "date": "d"}}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for a, b := range ok {
				m[a] = b
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		// Missing personalisation: one 400 listing every missing name.
		res := c.post("/v2/notifications/email", with("personalisation", map[string]any{"name": "Rita", "extra": "is fine"}))
		if res.Status != 400 || !strings.Contains(res.Body, `"error":"BadRequestError"`) || !strings.Contains(res.Body, "Missing personalisation: ") ||
			!strings.Contains(res.Body, "reference") || !strings.Contains(res.Body, "date") || strings.Contains(res.Body, "name,") {
			t.Fatalf("missing personalisation: %d %s", res.Status, res.Body)
		}
		wantNotifyError(t, c.post("/v2/notifications/email", with("email_address", "rita@example")), 400, "ValidationError", "email_address Not a valid email address")
		wantNotifyError(t, c.post("/v2/notifications/email", with("email_address", nil)), 400, "ValidationError", "email_address is a required property")
		wantNotifyError(t, c.post("/v2/notifications/email", with("template_id", "123")), 400, "ValidationError", "template_id is not a valid UUID")
		wantNotifyError(t, c.post("/v2/notifications/email", with("template_id", post.NewUUID())), 400, "BadRequestError", "Template not found")
		wantNotifyError(t, c.post("/v2/notifications/email", with("template_id", sms.ID)), 400, "BadRequestError", "sms template is not suitable for email notification")
		wantNotifyError(t, c.post("/v2/notifications/email", with("colour", "red")), 400, "ValidationError", "Additional properties are not allowed (colour was unexpected)")
		wantNotifyError(t, c.post("/v2/notifications/email", with("personalisation", "name")), 400, "ValidationError", `personalisation "name" is not of type object`)
		wantNotifyError(t, c.post("/v2/notifications/email", with("reference", 12)), 400, "ValidationError", "reference 12 is not of type string")
		wantNotifyError(t, c.post("/v2/notifications/sms", map[string]any{"phone_number": "01632 960123", "template_id": sms.ID,
			"personalisation": map[string]any{"date": "x"}}), 400, "ValidationError", "phone_number Not a UK mobile number")
		wantNotifyError(t, c.post("/v2/notifications/sms", map[string]any{"phone_number": "0770090012", "template_id": sms.ID,
			"personalisation": map[string]any{"date": "x"}}), 400, "ValidationError", "phone_number Not enough digits")
		wantNotifyError(t, c.post("/v2/notifications/email", with("personalisation", map[string]any{"name": "R", "reference": "1", "date": "d",
			"doc": map[string]any{"file": strings.Repeat("A", 3<<20)}})), 400, "BadRequestError", "File is larger than 2MB")
		wantNotifyError(t, e.do("POST", "/v2/notifications/email", c.header(), []byte(`{"email_address": `)), 400, "BadRequestError", "Invalid JSON supplied in POST data")
		// An oversized body is refused unread.
		wantNotifyError(t, e.do("POST", "/v2/notifications/email", c.header(), []byte(`{"reference": "`+strings.Repeat("x", 9<<20)+`"}`)),
			413, "BadRequestError", "Request body is too large")
		// Several problems at once are all listed.
		status, body := send(map[string]any{"template_id": "x", "colour": 1})
		if status != 400 || len(body["errors"].([]any)) != 3 {
			t.Fatalf("several errors: %d %v", status, body)
		}
		if e.deliveriesQueued() != 0 {
			t.Fatal("a refused request queued a delivery")
		}
	})
}

func TestNotifyAPIAuth(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tm := e.rowTemplate(post.KindSMS, "Collection", "", "Hello")
		body := map[string]any{"phone_number": "07700900123", "template_id": tm.ID}
		path := "/v2/notifications/sms"

		// No key yet: the service has none.
		c0 := &notifyClient{e: e, serviceID: e.service.ID, secret: post.NewUUID()}
		wantNotifyError(t, c0.post(path, body), 403, "AuthError", "Invalid token: service has no API keys")

		c, k, _ := e.notifyKey(post.KeyNormal)
		want(t, c.post(path, body), http.StatusCreated)

		wantNotifyError(t, e.do("POST", path, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`)), 401, "AuthError",
			"Unauthorized: authentication token must be provided")
		wantNotifyError(t, e.do("POST", path, http.Header{"Authorization": {"Basic " + c.token()}}, []byte(`{}`)), 401, "AuthError",
			"Unauthorized: authentication bearer scheme must be used")
		wantNotifyError(t, e.do("POST", path, http.Header{"Authorization": {"Bearer not-a-jwt"}}, []byte(`{}`)), 403, "AuthError", notify.MsgBadToken)

		// The wrong key: another secret for the right service.
		wrong := *c
		wrong.secret = post.NewUUID()
		wantNotifyError(t, wrong.post(path, body), 403, "AuthError", "Invalid token: API key not found")
		// A bad signature: the payload changed after signing.
		tok := c.token()
		parts := strings.Split(tok, ".")
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + e.service.ID + `","iat":` + strconv.FormatInt(e.clock.Now().Unix()+1, 10) + `}`))
		forged := *c
		forged.fixedToken = strings.Join(parts, ".")
		wantNotifyError(t, forged.post(path, body), 403, "AuthError", "Invalid token: API key not found")
		// alg none is not a signature at all: no key signed it (the
		// notify package's check, as its own test says).
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
		forged.fixedToken = none
		wantNotifyError(t, forged.post(path, body), 403, "AuthError", "Invalid token: API key not found")
		// Another service's id, an unknown one, none at all.
		other := *c
		other.serviceID = post.NewUUID()
		wantNotifyError(t, other.post(path, body), 403, "AuthError", "Invalid token: service not found")
		other.serviceID = "northshire"
		wantNotifyError(t, other.post(path, body), 403, "AuthError", "Invalid token: service id is not the right data type")
		forged.fixedToken = signToken(t, c.secret, map[string]any{"iat": e.clock.Now().Unix()})
		wantNotifyError(t, forged.post(path, body), 403, "AuthError", "Invalid token: iss field not provided")
		forged.fixedToken = signToken(t, c.secret, map[string]any{"iss": e.service.ID})
		wantNotifyError(t, forged.post(path, body), 403, "AuthError", notify.MsgBadToken)

		// iat: 30 seconds either way is fine, 31 is not.
		for skew, ok := range map[time.Duration]bool{-29 * time.Second: true, 29 * time.Second: true, -31 * time.Second: false, 31 * time.Second: false} {
			c.skew = skew
			res := c.post(path, body)
			if ok {
				want(t, res, http.StatusCreated)
			} else {
				wantNotifyError(t, res, 403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
			}
		}
		c.skew = 0

		// Revoked: refused at once.
		noErr(t, e.m.Store().RevokeAPIKey(e.ctx, e.subject("Mia"), e.service.ID, k.ID))
		wantNotifyError(t, c.post(path, body), 403, "AuthError", "Invalid token: API key revoked")
		wantNotifyError(t, c.get("/v2/notifications"), 403, "AuthError", "Invalid token: API key revoked")

		// An archived service's keys stop working.
		c2, _, _ := e.notifyKey(post.KeyNormal)
		_, err := e.m.Store().UpdateService(e.ctx, e.subject("Mia"), e.service.ID, post.ServiceSettings{Name: e.service.Name, Archived: true})
		noErr(t, err)
		wantNotifyError(t, c2.post(path, body), 403, "AuthError", "Invalid token: service is archived")
	})
}
