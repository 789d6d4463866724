package postweb

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
)

var wholeKeyRE = regexp.MustCompile(`>([a-z0-9_]+-[0-9a-f-]{36}-[0-9a-f-]{36})</textarea>`)

func TestServicePages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "We collect on ((date)).")
		mia := e.browser("Mia")

		// The list, and a new service for the manager's unit.
		want(t, mia.Get("/post/services"), 200, "Northshire Council", "Create a sending service")
		want(t, e.browser("Sid").Get("/post/services"), 200, "no sending services you can see")
		if strings.Contains(e.browser("Sid").Get("/post/services").Body, "Create a sending service") {
			t.Fatal("staff without a unit to keep are offered to create a service")
		}
		want(t, mia.PostForm("/post/services", url.Values{"name": {""}, "unit": {e.units["Customer services"]}}), 422, "Enter the service")
		res := mia.PostForm("/post/services", url.Values{"name": {"Waste"}, "unit": {e.units["Customer services"]}})
		want(t, res, http.StatusSeeOther)

		// A key: made by the form's post alone, its whole value shown once
		// on the page the browser is sent to, then never again: reloading
		// that page neither shows it nor makes another key.
		page := "/post/services/" + e.service.ID
		want(t, mia.Get(page), 200, "Service ID", e.service.ID, "has no API keys yet")
		want(t, mia.PostForm(page+"/keys", url.Values{"name": {""}, "key_type": {"normal"}}), 422, "Enter a name for the key")
		res = mia.PostForm(page+"/keys", url.Values{"name": {"Case system"}, "key_type": {"normal"}})
		want(t, res, http.StatusSeeOther)
		shown := res.Header.Get("Location")
		if !strings.HasPrefix(shown, page+"/keys/") || !strings.HasSuffix(shown, "/new") {
			t.Fatalf("sent to %q", shown)
		}
		if strings.Contains(e.browser("Dee").Get(shown).Body, "case_system-") {
			t.Fatal("the key is shown to someone who did not make it")
		}
		res = mia.Get(shown)
		want(t, res, 200, "API key created", "You will not see it again")
		m := wholeKeyRE.FindStringSubmatch(res.Body)
		if m == nil || !strings.HasPrefix(m[1], "case_system-"+e.service.ID+"-") {
			t.Fatalf("no whole key on the page:\n%s", res.Body)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Fatal("the page with the key may be cached")
		}
		if strings.Contains(res.Body, "(Normal)") || strings.Contains(res.Body, "(Live)") || !strings.Contains(res.Body, "Type of key: Live") {
			t.Fatalf("the key's type is not said once, in words:\n%s", res.Body)
		}
		reload := mia.Get(shown)
		want(t, reload, http.StatusGone, "This key has been shown", "revoke it")
		if strings.Contains(reload.Body, m[1]) {
			t.Fatal("the key is shown again on reload")
		}
		again := mia.Get(page)
		want(t, again, 200, "Case system", "Never")
		if strings.Contains(again.Body, m[1][len(m[1])-36:]) {
			t.Fatal("the key's secret is shown again")
		}
		if ks, err := e.m.Store().APIKeys(e.ctx, e.subject("Mia"), e.service.ID); err != nil || len(ks) != 1 {
			t.Fatalf("%d keys after a reload, %v", len(ks), err)
		}
		// A key not looked at within ten minutes is not shown.
		want(t, mia.PostForm(page+"/keys", url.Values{"name": {"Late"}, "key_type": {"test"}}), http.StatusSeeOther)
		late := mia.PostForm(page+"/keys", url.Values{"name": {"Later"}, "key_type": {"test"}}).Header.Get("Location")
		e.clock.Add(post.NewKeyShowWindow + time.Second)
		want(t, mia.Get(late), http.StatusGone)

		// The key works with a Notify client, until it is revoked.
		c := &notifyClient{e: e, serviceID: m[1][len(m[1])-73 : len(m[1])-37], secret: m[1][len(m[1])-36:]}
		res = c.post("/v2/notifications/sms", map[string]any{"phone_number": "07700900123", "template_id": sms.ID, "personalisation": map[string]any{"date": "Monday"}})
		want(t, res, http.StatusCreated)
		id := decodeNotify(t, res)["id"].(string)
		keys, err := e.m.Store().APIKeys(e.ctx, e.subject("Mia"), e.service.ID)
		noErr(t, err)
		var caseSystem string
		for _, k := range keys {
			if k.Name == "Case system" {
				caseSystem = k.ID
			}
		}
		// Revoking asks first: the service's page links to the question,
		// and a post without the answer (an old form) only asks again.
		revoke := page + "/keys/" + caseSystem + "/revoke"
		want(t, mia.Get(page), 200, `href="`+revoke+`"`)
		if strings.Contains(mia.Get(page).Body, `action="`+revoke+`"`) {
			t.Fatal("the service's page revokes a key with one press")
		}
		want(t, e.browser("Cas").Get(revoke), 403)
		want(t, e.browser("Cas").PostForm(revoke, url.Values{"confirm": {"yes"}}), 403)
		want(t, mia.Get(revoke), 200, "Revoke the API key Case system?", "This cannot be undone", `name="confirm" value="yes"`, "Yes, revoke the key", "No, go back")
		want(t, mia.PostForm(revoke, nil), 200, "Revoke the API key Case system?")
		want(t, c.get("/v2/notifications/"+id), http.StatusOK)
		want(t, mia.PostForm(revoke, url.Values{"confirm": {"yes"}}), http.StatusSeeOther)
		want(t, mia.Get(page), 200, "Revoked")
		if res := mia.Get(revoke); res.Status != http.StatusSeeOther || res.Header.Get("Location") != page {
			t.Fatalf("asked again to revoke a revoked key: %d %s", res.Status, res.Header.Get("Location"))
		}
		wantNotifyError(t, c.get("/v2/notifications/"+id), 403, "AuthError", "Invalid token: API key revoked")

		// Settings.
		want(t, e.browser("Cas").Get(page+"/settings"), 403)
		want(t, mia.Get(page+"/settings"), 200, `value="3000"`)
		want(t, mia.PostForm(page+"/settings", url.Values{"name": {"Northshire Council"}, "rate_per_minute": {"lots"}, "callback_url": {"ftp://x"}}),
			422, "The rate limit must be", "The callback URL must start with https://")
		want(t, mia.PostForm(page+"/settings", url.Values{"name": {"Northshire Council"}, "rate_per_minute": {"1,000"},
			"callback_url": {"https://crm.example.org/receipts"}, "callback_token": {"a-secret-token"}}), http.StatusSeeOther)
		want(t, mia.Get(page), 200, "1000 a minute", "https://crm.example.org/receipts")

		// Messages: the list and the message with its history.
		want(t, mia.Get("/post/messages"), 200, "447700900123", "Queued")
		want(t, mia.Get("/post/messages?kind=email"), 200, "No messages match")
		want(t, mia.Get("/post/messages?q=07700+900123"), 200, "447700900123")
		want(t, mia.Get("/post/messages?status=elephant"), 400)
		want(t, mia.Get("/post/messages/"+id), 200, "We collect on Monday.", "Status history", "Queued to be sent", "A system, with an API key")
		want(t, e.browser("Cas").Get("/post/messages/"+id), 403)
		want(t, e.browser("Rita").Get("/post/messages"), 403)
	})
}

func TestBulkPage(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "Hello ((name)), on ((date)).")
		mia := e.browser("Mia")
		path := "/post/services/" + e.service.ID + "/bulk"
		want(t, mia.Get(path), 200, "Collection (text message)")
		upload := func(b *webtest.Browser, csv string) *webtest.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			noErr(t, mw.WriteField("csrf_token", b.CSRFToken()))
			noErr(t, mw.WriteField("template", sms.ID))
			fw, err := mw.CreateFormFile("file", "list.csv")
			noErr(t, err)
			fw.Write([]byte(csv))
			noErr(t, mw.Close())
			return b.Do("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
		}
		res := upload(mia, "phone number,name,date\n07700900123,Rita,Monday\n01632960123,Bob,Tuesday\n07700900124,,Friday\n")
		want(t, res, 422, "2 rows of the file need fixing, listed below; nothing was sent", "Not a UK mobile number", "Missing personalisation: name")
		if e.deliveriesQueued() != 0 {
			t.Fatal("a refused file sent something")
		}
		res = upload(mia, "phone number,name,date\n07700900123,Rita,Monday\n07700900124,Bob,Tuesday\n")
		want(t, res, http.StatusSeeOther)
		if e.deliveriesQueued() != 2 {
			t.Fatalf("%d queued, want 2", e.deliveriesQueued())
		}
		want(t, upload(e.browser("Sid"), "phone number,name,date\n07700900123,Rita,Monday\n"), 403)
	})
}
