package postweb

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestNotifyAPIListAndTemplates(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		email := e.rowTemplate(post.KindEmail, "Acknowledgement", "Re ((ref))", "Dear ((name))")
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "On ((date)).")
		letter := e.rowTemplate(post.KindLetter, "Letter", "About", "Dear ((name))")
		c, _, _ := e.notifyKey(post.KeyNormal)
		test, _, _ := e.notifyKey(post.KeyTest)

		var ids []string
		for i := 0; i < 5; i++ {
			res := c.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID,
				"personalisation": map[string]any{"date": "Monday"}, "reference": "batch"})
			want(t, res, http.StatusCreated)
			ids = append(ids, decodeNotify(t, res)["id"].(string))
			e.clock.Add(time.Second)
		}
		want(t, c.post("/v2/notifications/email", map[string]any{"email_address": "rita@example.org", "template_id": email.ID,
			"personalisation": map[string]any{"ref": "1", "name": "Rita"}}), http.StatusCreated)
		want(t, test.post("/v2/notifications/email", map[string]any{"email_address": "rita@example.org", "template_id": email.ID,
			"personalisation": map[string]any{"ref": "1", "name": "Rita"}}), http.StatusCreated)

		// Follow the links as the client libraries' iterators do: until a
		// page comes back empty.
		var seen []string
		path := "/v2/notifications?template_type=sms&reference=batch"
		for pages := 0; pages < 10; pages++ {
			m := decodeNotify(t, c.get(path))
			ns := m["notifications"].([]any)
			if len(ns) == 0 {
				break
			}
			for _, n := range ns {
				seen = append(seen, n.(map[string]any)["id"].(string))
			}
			next, _ := m["links"].(map[string]any)["next"].(string)
			u, err := url.Parse(next)
			noErr(t, err)
			if u.Query().Get("older_than") == "" || u.Query().Get("template_type") != "sms" {
				t.Fatalf("next link %s", next)
			}
			path = u.RequestURI()
			// Notify's pages are 250; these five fit one, so the second is empty.
		}
		if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
			t.Fatalf("listed %v, want %v newest first", seen, ids)
		}
		m := decodeNotify(t, c.get("/v2/notifications?older_than="+ids[2]))
		if ns := m["notifications"].([]any); len(ns) != 2 || ns[0].(map[string]any)["id"] != ids[1] {
			t.Fatalf("older than the third: %v", ns)
		}
		// Status groups; a test key lists only what test keys sent, as Notify.
		if ns := decodeNotify(t, c.get("/v2/notifications?status=created&status=failed"))["notifications"].([]any); len(ns) != 6 {
			t.Fatalf("created or failed: %d", len(ns))
		}
		if ns := decodeNotify(t, test.get("/v2/notifications"))["notifications"].([]any); len(ns) != 1 {
			t.Fatalf("a test key lists %d", len(ns))
		}
		wantNotifyError(t, c.get("/v2/notifications?template_type=fax"), 400, "ValidationError", "template_type fax is not one of [sms, email, letter]")
		wantNotifyError(t, c.get("/v2/notifications?older_than=7"), 400, "ValidationError", "older_than is not a valid UUID")
		wantNotifyError(t, c.get("/v2/notifications?colour=red"), 400, "ValidationError", "Additional properties are not allowed (colour was unexpected)")
		res := c.get("/v2/notifications?status=elephant")
		if res.Status != 400 || !strings.Contains(res.Body, "status elephant is not one of [cancelled, created") {
			t.Fatalf("bad status: %s", res.Body)
		}

		// Templates.
		tm := decodeNotify(t, c.get("/v2/template/"+email.ID))
		if tm["id"] != email.ID || tm["type"] != "email" || tm["version"] != 1.0 || tm["subject"] != "Re ((ref))" || tm["body"] != "Dear ((name))" ||
			tm["name"] != "Acknowledgement" || tm["created_by"] != "mia@example.org" {
			t.Fatalf("template %v", tm)
		}
		if p := tm["personalisation"].(map[string]any); len(p) != 2 || p["ref"] == nil {
			t.Fatalf("template personalisation %v", p)
		}
		if st := decodeNotify(t, c.get("/v2/template/"+sms.ID)); st["subject"] != nil {
			t.Fatalf("an sms template has a subject: %v", st)
		}
		if lt := decodeNotify(t, c.get("/v2/template/"+letter.ID)); lt["letter_contact_block"] != "Northshire Council\nCounty Hall\nNorthshire\nNS1 1AA" {
			t.Fatalf("letter template %v", lt)
		}
		e.newVersion(email, "Hello ((name)), version two")
		if v := decodeNotify(t, c.get("/v2/template/"+email.ID+"/version/1")); v["body"] != "Dear ((name))" || v["version"] != 1.0 {
			t.Fatalf("version 1: %v", v)
		}
		if v := decodeNotify(t, c.get("/v2/template/"+email.ID)); v["version"] != 2.0 {
			t.Fatalf("current version: %v", v)
		}
		wantNotifyError(t, c.get("/v2/template/"+email.ID+"/version/9"), 404, "NoResultFound", "No result found")
		wantNotifyError(t, c.get("/v2/template/"+post.NewUUID()), 404, "NoResultFound", "No result found")
		wantNotifyError(t, c.get("/v2/template/abc"), 400, "ValidationError", "id is not a valid UUID")
		if ts := decodeNotify(t, c.get("/v2/templates"))["templates"].([]any); len(ts) != 3 {
			t.Fatalf("%d templates", len(ts))
		}
		if ts := decodeNotify(t, c.get("/v2/templates?type=sms"))["templates"].([]any); len(ts) != 1 {
			t.Fatalf("%d sms templates", len(ts))
		}
		pv := decodeNotify(t, c.post("/v2/template/"+email.ID+"/preview", map[string]any{"personalisation": map[string]any{"name": "Rita", "ref": "C-1"}}))
		if pv["body"] != "Hello Rita, version two" || pv["subject"] != "Re C-1" || pv["html"] == nil || pv["version"] != 2.0 {
			t.Fatalf("preview %v", pv)
		}
		wantNotifyError(t, c.post("/v2/template/"+email.ID+"/preview", map[string]any{"personalisation": map[string]any{}}), 400, "BadRequestError",
			"Missing personalisation: name, ref")
	})
}

func TestNotifyAPIRateLimit(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "Hello")
		_, err := e.m.Store().UpdateService(e.ctx, e.subject("Mia"), e.service.ID, post.ServiceSettings{Name: e.service.Name, RatePerMinute: 2})
		noErr(t, err)
		c, _, _ := e.notifyKey(post.KeyNormal)
		test, _, _ := e.notifyKey(post.KeyTest)
		body := map[string]any{"phone_number": "07700900123", "template_id": sms.ID}
		want(t, c.post("/v2/notifications/sms", body), http.StatusCreated)
		want(t, c.post("/v2/notifications/sms", body), http.StatusCreated)
		wantNotifyError(t, c.post("/v2/notifications/sms", body), 429, "RateLimitError", "Exceeded rate limit for key type LIVE of 2 requests per 60 seconds")
		// Each key type has its own allowance, as Notify's.
		want(t, test.post("/v2/notifications/sms", body), http.StatusCreated)
		e.clock.Add(time.Minute)
		want(t, c.post("/v2/notifications/sms", body), http.StatusCreated)
	})
}

func TestNotifyAPITeamKey(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		email := e.rowTemplate(post.KindEmail, "E", "S", "Hello")
		sms := e.rowTemplate(post.KindSMS, "T", "", "Hello")
		team, _, _ := e.notifyKey(post.KeyTeam)
		// Mia is staff of the service's unit; Cas is in another unit; Rita a resident.
		want(t, team.post("/v2/notifications/email", map[string]any{"email_address": "MIA@example.org", "template_id": email.ID}), http.StatusCreated)
		for _, to := range []string{"cas@example.org", "rita@example.org"} {
			wantNotifyError(t, team.post("/v2/notifications/email", map[string]any{"email_address": to, "template_id": email.ID}), 400,
				"BadRequestError", "Can't send to this recipient using a team-only API key")
		}
		wantNotifyError(t, team.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID}), 400,
			"BadRequestError", "Can't send to this recipient using a team-only API key")
	})
}

// A service sees only its own: another service's notifications and
// templates are not found through its key.
func TestNotifyAPIServiceIsolation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sms := e.rowTemplate(post.KindSMS, "T", "", "Hello")
		c, _, _ := e.notifyKey(post.KeyNormal)
		res := c.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID})
		want(t, res, http.StatusCreated)
		id := decodeNotify(t, res)["id"].(string)

		other, err := e.m.Store().CreateService(e.ctx, e.subject("Mia"), post.ServiceInput{Name: "Waste", UnitID: e.units["Customer services"]})
		noErr(t, err)
		k, whole, err := e.m.Store().CreateAPIKey(e.ctx, e.subject("Mia"), other.ID, "Waste system", post.KeyNormal)
		noErr(t, err)
		oc := &notifyClient{e: e, serviceID: other.ID, secret: k.Secret}
		if !strings.Contains(whole, other.ID) {
			t.Fatal("key of the wrong service")
		}
		wantNotifyError(t, oc.get("/v2/notifications/"+id), 404, "NoResultFound", "No result found")
		wantNotifyError(t, oc.get("/v2/template/"+sms.ID), 404, "NoResultFound", "No result found")
		wantNotifyError(t, oc.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID}), 400,
			"BadRequestError", "Template not found")
		if ns := decodeNotify(t, oc.get("/v2/notifications"))["notifications"].([]any); len(ns) != 0 {
			t.Fatalf("another service lists %d", len(ns))
		}
		// A token for one service signed with another's key.
		mixed := &notifyClient{e: e, serviceID: e.service.ID, secret: k.Secret}
		wantNotifyError(t, mixed.get("/v2/notifications"), 403, "AuthError", "Invalid token: API key not found")

		// Letters: the address is required, a precompiled letter's reference too, and its size is Notify's.
		letter := e.rowTemplate(post.KindLetter, "L", "About", "Dear resident")
		wantNotifyError(t, c.post("/v2/notifications/letter", map[string]any{"template_id": letter.ID}), 400, "ValidationError",
			"personalisation is a required property")
		wantNotifyError(t, c.post("/v2/notifications/letter", map[string]any{"content": "JVBERi0="}), 400, "ValidationError",
			"reference is a required property")
		big := base64.StdEncoding.EncodeToString(append([]byte("%PDF-1.7\n"), make([]byte, post.MaxPrecompiledBytes)...))
		wantNotifyError(t, c.post("/v2/notifications/letter", map[string]any{"reference": "big", "content": big}), 400, "BadRequestError",
			"Letter content is too large: a PDF may be at most 5MB")
		wantNotifyError(t, c.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID,
			"scheduled_for": "tomorrow"}), 400, "ValidationError",
			"scheduled_for datetime format is invalid. It must be a valid ISO8601 date time format, https://en.wikipedia.org/wiki/ISO_8601")
	})
}
