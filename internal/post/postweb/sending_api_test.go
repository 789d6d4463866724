package postweb

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
)

func TestSendingJSONAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sms := e.rowTemplate(post.KindSMS, "Collection", "", "We collect on ((date)).")
		mia := e.token("Mia", platform.ScopeRead, platform.ScopeWrite)
		cas := e.token("Cas", platform.ScopeRead, platform.ScopeWrite)
		readOnly := e.token("Mia", platform.ScopeRead)

		// Every route is in the OpenAPI document.
		if undoc, _ := web.CheckAPIDocumented(e.srv.Srv.Router(), e.srv.Srv.API().Document()); len(undoc) > 0 {
			for _, u := range undoc {
				if strings.Contains(u, "/api/v1/post/services") || strings.Contains(u, "/api/v1/post/notifications") {
					t.Fatalf("undocumented: %v", undoc)
				}
			}
		}

		res := e.srv.API(mia, "POST", "/api/v1/post/services", `{"name": "Waste", "unit_id": "`+e.units["Customer services"]+`"}`)
		want(t, res, http.StatusCreated, `"name":"Waste"`)
		want(t, e.srv.API(mia, "POST", "/api/v1/post/services", `{"name": "", "unit_id": ""}`), 422, `"unit_id"`)
		want(t, e.srv.API(readOnly, "POST", "/api/v1/post/services", `{"name": "W", "unit_id": "`+e.units["Customer services"]+`"}`), 403)
		want(t, e.srv.API(mia, "GET", "/api/v1/post/services", ""), 200, `"Waste"`, `"Northshire Council"`)

		path := "/api/v1/post/services/" + e.service.ID
		res = e.srv.API(mia, "PUT", path, `{"name": "Northshire Council", "rate_per_minute": 100, "callback_url": "https://crm.example.org/r", "callback_token": "secret-token-1"}`)
		want(t, res, 200, `"rate_per_minute":100`, `"has_callback_token":true`)
		if strings.Contains(res.Body, "secret-token-1") {
			t.Fatal("the callback token is shown back")
		}

		res = e.srv.API(mia, "POST", path+"/keys", `{"name": "CRM", "key_type": "normal"}`)
		want(t, res, http.StatusCreated)
		var k APIKeyOut
		noErr(t, json.Unmarshal([]byte(res.Body), &k))
		if !strings.HasPrefix(k.Key, "crm-"+e.service.ID+"-") {
			t.Fatalf("key %+v", k)
		}
		res = e.srv.API(mia, "GET", path+"/keys", "")
		want(t, res, 200, `"name":"CRM"`)
		if strings.Contains(res.Body, k.Key[len(k.Key)-36:]) {
			t.Fatal("the key list shows the secret")
		}

		// A person sends; a retry with the same Idempotency-Key is the same message.
		body := `{"service_id": "` + e.service.ID + `", "template_id": "` + sms.ID + `", "to": "07700 900123", "personalisation": {"date": "Monday"}, "case_id": "case_1"}`
		send := func(tok, key, body string) *http.Response {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/post/notifications", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			res, err := http.DefaultClient.Do(req)
			noErr(t, err)
			return res
		}
		var a, b APINotification
		r1 := send(mia, "k-1", body)
		noErr(t, json.NewDecoder(r1.Body).Decode(&a))
		r1.Body.Close()
		r2 := send(mia, "k-1", body)
		noErr(t, json.NewDecoder(r2.Body).Decode(&b))
		r2.Body.Close()
		if r1.StatusCode != 201 || a.ID == "" || a.ID != b.ID || a.Recipient != "+447700900123" || a.Status != "created" {
			t.Fatalf("sends %d %+v / %+v", r1.StatusCode, a, b)
		}
		if e.deliveriesQueued() != 1 {
			t.Fatalf("%d queued", e.deliveriesQueued())
		}
		if r := send(cas, "", body); r.StatusCode != 403 {
			t.Fatalf("another unit's caseworker sends: %d", r.StatusCode)
		}
		res = e.srv.API(mia, "POST", "/api/v1/post/notifications", `{"service_id": "`+e.service.ID+`", "template_id": "`+sms.ID+`", "to": "07700900123"}`)
		want(t, res, 422, "Missing personalisation: date")

		want(t, e.srv.API(mia, "GET", "/api/v1/post/notifications?case=case_1", ""), 200, a.ID)
		want(t, e.srv.API(mia, "GET", "/api/v1/post/notifications?status=elephant", ""), 400)
		want(t, e.srv.API(mia, "GET", "/api/v1/post/notifications/"+a.ID, ""), 200, `"body":"We collect on Monday."`)
		want(t, e.srv.API(cas, "GET", "/api/v1/post/notifications/"+a.ID, ""), 403)

		// Notify's API names the person who sent a message by hand.
		nc := &notifyClient{e: e, serviceID: e.service.ID, secret: k.Key[len(k.Key)-36:]}
		if g := decodeNotify(t, nc.get("/v2/notifications/"+a.ID)); g["created_by_name"] != "Mia Test" {
			t.Fatalf("created_by_name %v", g["created_by_name"])
		}

		want(t, e.srv.API(mia, "POST", path+"/keys/"+k.ID+"/revoke", ""), 204)
		want(t, e.srv.API(mia, "POST", path+"/keys/"+k.ID+"/revoke", ""), 404)
	})
}
