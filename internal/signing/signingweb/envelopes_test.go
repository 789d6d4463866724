package signingweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

// upload posts the new envelope form with a PDF, as a browser does.
func uploadEnvelope(t testing.TB, b *webtest.Browser, fields url.Values, pdf []byte) *webtest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields.Set(web.CSRFField, b.CSRFToken())
	for k, vs := range fields {
		for _, v := range vs {
			noErr(t, mw.WriteField(k, v))
		}
	}
	fw, err := mw.CreateFormFile("pdf", "contract.pdf")
	noErr(t, err)
	fw.Write(pdf)
	noErr(t, mw.Close())
	return b.Do("POST", "/envelopes/new", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestEnvelopePages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pat := e.browser("Pat")
		want(t, pat.Get("/envelopes"), 200, "There are no envelopes yet", `href="/envelopes/new"`)
		want(t, pat.Get("/envelopes/new"), 200, `enctype="multipart/form-data"`, `name="pdf"`)

		// Bad uploads: said on the field, nothing written.
		want(t, uploadEnvelope(t, pat, url.Values{"title": {"Letter"}}, []byte("Dear supplier")), 422, `href="#pdf"`, "not a PDF")
		want(t, uploadEnvelope(t, pat, url.Values{"title": {""}, "expires_in_days": {"nine"}}, signingtest.Contract(t, 1)), 422, `href="#title"`, `href="#expires_in_days"`)
		want(t, uploadEnvelope(t, pat, url.Values{"title": {"Huge"}}, append([]byte("%PDF-1.7\n"), make([]byte, signing.MaxPDFSize+2<<20)...)), 413) // the platform's own answer
		want(t, uploadEnvelope(t, pat, url.Values{"title": {"Large"}}, append([]byte("%PDF-1.7\n"), make([]byte, signing.MaxPDFSize)...)), 422, `href="#pdf"`, "20 MB or smaller")

		res := uploadEnvelope(t, pat, url.Values{"title": {"Supply contract CT-2026-017"}, "expires_in_days": {"14"}, "remind_every_days": {"3"}}, signingtest.Contract(t, 3))
		want(t, res, 303)
		loc := res.Header.Get("Location")
		if !strings.HasPrefix(loc, "/envelopes/env_") || !strings.HasSuffix(loc, "/recipients") {
			t.Fatalf("redirect to %q", loc)
		}
		base := strings.TrimSuffix(loc, "/recipients")
		// A one-page document's fields page does not ask for a page "(1 to 1)".
		one := strings.TrimSuffix(uploadEnvelope(t, pat, url.Values{"title": {"Letter"}}, signingtest.Contract(t, 1)).Header.Get("Location"), "/recipients")
		if page := pat.Get(one + "/fields"); page.Status != 200 || !strings.Contains(page.Body, "give the page and the point") {
			t.Fatalf("one page's fields page: %d\n%s", page.Status, page.Body)
		}
		want(t, pat.Get(loc), 200, `name="r0-name"`, `name="r1-name"`, "Add another recipient")
		// One more row, saving nothing.
		want(t, pat.PostForm(loc, url.Values{"rows": {"2"}, "more": {"yes"}}), 200, `name="r2-name"`)
		// Errors name the form's own inputs, through skipped empty rows.
		want(t, pat.PostForm(loc, url.Values{"rows": {"3"}, "r1-name": {"Sam"}, "r1-email": {"nope"}, "r1-role": {"signer"}, "r1-step": {"1"},
			"r2-name": {"Someone"}, "r2-email": {"nobody@example.org"}, "r2-staff": {"yes"}, "r2-role": {"signer"}, "r2-step": {"2"}}), 422,
			`href="#r1-email"`, `href="#r2-email"`, "No member of staff")
		// A code by text message needs a UK mobile number.
		want(t, pat.PostForm(loc, url.Values{"rows": {"1"}, "r0-name": {"Sam Supplier"}, "r0-email": {"sam@supplier.example"}, "r0-role": {"signer"},
			"r0-step": {"1"}, "r0-codeby": {"sms"}, "r0-phone": {"01632 960000"}}), 422, `href="#r0-phone"`, "Enter a UK mobile number")
		want(t, pat.PostForm(loc, url.Values{"rows": {"3"},
			"r0-name": {"Sam Supplier"}, "r0-email": {"sam@supplier.example"}, "r0-role": {"signer"}, "r0-step": {"1"}, "r0-codeby": {"sms"}, "r0-phone": {"07700 900123"},
			"r2-name": {"Cara"}, "r2-email": {"cara@example.org"}, "r2-staff": {"yes"}, "r2-role": {"signer"}, "r2-step": {"2"}}), 303)
		want(t, pat.Get(loc), 200, `id="r0-codeby-2" name="r0-codeby" type="radio" value="sms" checked`, `value="&#43;447700900123"`)

		// Fields: the form starts with a signature per signer on the last
		// page, each in its own place (side by side).
		fres := pat.Get(base + "/fields")
		want(t, fres, 200, "give the page (1 to 3) and", "Bottom of the last page", `name="f0-recipient"`, `name="f1-recipient"`, `name="f2-page"`, `id="fields-form"`, "nonce=",
			`<option value="bottom of the last page" selected>`, `<option value="bottom right of the last page" selected>`)
		env := e.get(t, base)
		rs := env.Recipients
		want(t, pat.PostForm(base+"/fields", url.Values{"rows": {"3"},
			"f0-recipient": {rs[0].ID}, "f0-kind": {"signature"}, "f0-position": {"bottom of the last page"},
			"f2-recipient": {rs[1].ID}, "f2-kind": {"signature"}, "f2-page": {"9"}, "f2-x": {"300"}, "f2-y": {"x"}}), 422, `href="#f2-page"`)
		// Two boxes in the same place are refused, on the later row.
		want(t, pat.PostForm(base+"/fields", url.Values{"rows": {"3"},
			"f0-recipient": {rs[0].ID}, "f0-kind": {"signature"}, "f0-position": {"bottom of the last page"},
			"f2-recipient": {rs[1].ID}, "f2-kind": {"signature"}, "f2-page": {"3"}, "f2-x": {"56"}, "f2-y": {"56"}}), 422, `href="#f2-position"`, "overlaps Sam Supplier’s signature on page 3")
		want(t, pat.PostForm(base+"/fields", url.Values{"rows": {"3"},
			"f0-recipient": {rs[0].ID}, "f0-kind": {"signature"}, "f0-position": {"bottom of the last page"},
			"f1-recipient": {rs[0].ID}, "f1-kind": {"text"}, "f1-page": {"3"}, "f1-x": {"320"}, "f1-y": {"300"}, "f1-label": {"Company number"},
			"f2-recipient": {rs[1].ID}, "f2-kind": {"signature"}, "f2-page": {"3"}, "f2-x": {"320"}, "f2-y": {"56"}}), 303)
		// The sender's label is kept, and the form shows it again.
		labelled := false
		for _, f := range e.get(t, base).Fields {
			labelled = labelled || f.Kind == "text" && f.Label == "Company number"
		}
		if !labelled {
			t.Fatal("the text field's label was not kept")
		}
		want(t, pat.Get(base+"/fields"), 200, `name="f1-label"`, `value="Company number"`)

		want(t, pat.Get(base), 200, "Supply contract CT-2026-017", "Draft", "Sam Supplier", "Step 2", "Send for signing", "x 320, y 56", "original.pdf",
			"code by text message to &#43;447700900123", "Not sent yet")
		// A draft's recipients are not waiting for a turn, nor is its
		// document "as sent": it was never sent.
		if page := pat.Get(base).Body; strings.Contains(page, "Waiting for their turn") || strings.Contains(page, "as sent") || !strings.Contains(page, "The document (PDF)") {
			t.Fatal("a draft's recipient is said to wait for their turn, or its document to be as sent")
		}
		doc := pat.Get(base + "/documents/original.pdf")
		want(t, doc, 200, "%PDF-")
		if doc.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download type %q", doc.Header.Get("Content-Type"))
		}
		want(t, pat.Get(base+"/documents/sealed.pdf"), 404)

		// Others: Cara (another unit) may not see it (another organisation: see the API test).
		want(t, e.browser("Cara").Get(base), 403)
		want(t, e.browser("Rita").Get("/envelopes"), 403)
		want(t, e.browser("Rosa").Get(base), 200)
		if strings.Contains(e.browser("Rosa").Get(base).Body, "Send for signing") {
			t.Fatal("a records manager is offered to send")
		}

		want(t, pat.PostForm(base+"/send", nil), 303)
		want(t, pat.Get(base), 200, "Out for signing", "Void the envelope", "Every 3 days")
		want(t, pat.Get(base+"/fields"), 409)
		want(t, pat.PostForm(base+"/void", url.Values{"reason": {""}}), 422, `href="#reason"`)
		want(t, pat.PostForm(base+"/void", url.Values{"reason": {"Tender withdrawn"}}), 303)
		want(t, pat.Get(base), 200, "Voided", "Tender withdrawn")
		// Nobody is reminded of a voided envelope, so its page does not say
		// they will be.
		if strings.Contains(pat.Get(base).Body, "Every 3 days") {
			t.Fatal("a voided envelope's page still shows its reminders")
		}
		// The evidence in words: no action codes, "(s)" or ISO dates.
		ev := pat.Get(base)
		want(t, ev, 200, "Sent for signing", "3 pages", "2 recipients; expires on ")
		for _, bad := range []string{"page(s)", "recipient(s)", ">sent<", ">created<"} {
			if strings.Contains(ev.Body, bad) {
				t.Fatalf("the evidence says %q", bad)
			}
		}
		want(t, pat.Get("/envelopes?status=voided"), 200, "Supply contract CT-2026-017")
		want(t, pat.Get("/envelopes?status=sent"), 200, "No envelopes match")

		// A draft never sent can be discarded.
		res = uploadEnvelope(t, pat, url.Values{"title": {"Second thoughts"}}, signingtest.Contract(t, 1))
		draft := strings.TrimSuffix(res.Header.Get("Location"), "/recipients")
		want(t, pat.Get(draft), 200, "Discard the draft")
		// The button asks first, on a page of its own; nothing is lost until
		// its confirmation is posted.
		want(t, pat.PostForm(draft+"/discard", nil), 200, "Discard the draft?", "Yes, discard the draft", `name="confirm" value="yes"`, `name="csrf`)
		want(t, pat.Get(draft), 200, "Discard the draft")
		want(t, pat.PostForm(draft+"/discard", url.Values{"confirm": {"yes"}}), 303)
		want(t, pat.Get(draft), 404)
	})
}

// get reads an envelope as the system sees it, by its page path.
func (e *env) get(t testing.TB, path string) signing.Envelope {
	t.Helper()
	env, err := e.m.Store().Get(e.ctx, e.subject("Alex"), strings.TrimPrefix(path, "/envelopes/"))
	noErr(t, err)
	return env
}

func TestEnvelopeAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.token("Pat", platform.ScopeRead, platform.ScopeWrite)
		pdf := base64.StdEncoding.EncodeToString(signingtest.Contract(t, 2))
		body := func(doc string) string {
			return `{"title":"API contract","pdf":"` + doc + `","send":true,
				"recipients":[{"step":1,"role":"signer","name":"Sam Supplier","email":"sam@supplier.example"},{"step":2,"role":"signer","user_id":"` + e.users["Cara"].ID + `"}],
				"fields":[{"recipient":0,"kind":"signature","position":"bottom of the last page"},{"recipient":1,"kind":"signature","page":2,"x":320,"y":56}]}`
		}
		want(t, e.srv.API(tok, "POST", "/api/v1/envelopes", body(base64.StdEncoding.EncodeToString([]byte("%PDF-1.7 nonsense")))), 422, `"pdf"`)
		want(t, e.srv.API(tok, "POST", "/api/v1/envelopes", `{"title":"x","pdf":"`+pdf+`","extra":1}`), 422, "extra")
		want(t, e.srv.API(e.token("Pat", platform.ScopeRead), "POST", "/api/v1/envelopes", body(pdf)), 403)
		res := e.srv.API(tok, "POST", "/api/v1/envelopes", body(pdf))
		want(t, res, 201, `"status":"sent"`, `"current_step":1`, `"name":"Cara Test"`)
		var env EnvelopeJSON
		noErr(t, json.Unmarshal([]byte(res.Body), &env))
		if res.Header.Get("Location") != "/api/v1/envelopes/"+env.ID || len(env.Fields) != 2 {
			t.Fatalf("created: %s %+v", res.Header.Get("Location"), env)
		}
		want(t, e.srv.API(tok, "GET", "/api/v1/envelopes?status=sent", ""), 200, env.ID)
		want(t, e.do("GET", "/api/v1/envelopes", http.Header{"Authorization": {"Bearer nonsense"}}, nil), 401)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelopes?status=nope", ""), 400, "status")
		want(t, e.srv.API(tok, "GET", "/api/v1/envelopes/"+env.ID, ""), 200, `"original_sha256"`)
		want(t, e.srv.API(e.token("Otto", platform.ScopeRead), "GET", "/api/v1/envelopes/"+env.ID, ""), 404)
		want(t, e.srv.API(e.token("Cara", platform.ScopeRead), "GET", "/api/v1/envelopes/"+env.ID, ""), 403)
		want(t, e.srv.API(tok, "PUT", "/api/v1/envelopes/"+env.ID+"/fields", `[]`), 409)
		want(t, e.srv.API(tok, "POST", "/api/v1/envelopes/"+env.ID+"/void", `{"reason":""}`), 422, "reason")
		want(t, e.srv.API(tok, "POST", "/api/v1/envelopes/"+env.ID+"/void", `{"reason":"Wrong supplier"}`), 200, `"status":"voided"`)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelopes/"+env.ID+"/evidence", ""), 200, `"action":"created"`, `"action":"sent"`, `"action":"voided"`)
		doc := e.srv.API(tok, "GET", "/api/v1/envelopes/"+env.ID+"/documents/original", "")
		want(t, doc, 200, "%PDF-")

		// Step by step: a draft, then recipients and fields, then send.
		res = e.srv.API(tok, "POST", "/api/v1/envelopes", `{"title":"Step by step","pdf":"`+pdf+`"}`)
		want(t, res, 201, `"status":"draft"`)
		noErr(t, json.Unmarshal([]byte(res.Body), &env))
		want(t, e.srv.API(tok, "POST", "/api/v1/envelopes/"+env.ID+"/send", ""), 422, "recipients")
		res = e.srv.API(tok, "PUT", "/api/v1/envelopes/"+env.ID+"/recipients", `[{"step":1,"role":"approver","user_id":"`+e.users["Mo"].ID+`"}]`)
		want(t, res, 200, `"role":"approver"`)
		want(t, e.srv.API(tok, "POST", "/api/v1/envelopes/"+env.ID+"/send", ""), 200, `"status":"sent"`)
		want(t, e.srv.API(tok, "DELETE", "/api/v1/envelopes/"+env.ID, ""), 409)
		res = e.srv.API(tok, "POST", "/api/v1/envelopes", `{"title":"Never sent","pdf":"`+pdf+`"}`)
		noErr(t, json.Unmarshal([]byte(res.Body), &env))
		want(t, e.srv.API(tok, "DELETE", "/api/v1/envelopes/"+env.ID, ""), 204)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelopes/"+env.ID, ""), 404)

		// Documented in the OpenAPI document.
		want(t, e.srv.API("", "GET", "/api/v1/openapi.json", ""), 200, `"/api/v1/envelopes"`, `"/api/v1/envelopes/{id}/void"`, "createEnvelope")
	})
}

func TestEnvelopeTemplatePages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pat := e.browser("Pat")
		want(t, pat.Get("/envelope-templates"), 200, "There are no templates yet")
		want(t, pat.PostForm("/envelope-templates", url.Values{"name": {""}, "body": {""}}), 422, `href="#name"`, `href="#body"`)
		res := pat.PostForm("/envelope-templates", url.Values{"name": {"Supply contract"}, "body": {"# Parties\nThe council and ((supplier)).\nPrice: £((price))\nSigned on ((signing_date))"}})
		want(t, res, 303)
		tpl := res.Header.Get("Location")
		// The list names the merge fields in words, not as the text's names.
		list := pat.Get("/envelope-templates")
		want(t, list, 200, "(version 1; filled in: supplier, price, signing date)")
		if strings.Contains(list.Body, "signing_date") {
			t.Fatal("the templates list shows a merge field's raw name")
		}
		want(t, pat.Get(tpl), 200, "((supplier))", `name="value-1"`, "# Parties<br>", `for="value-2">Signing date</label>`)
		want(t, pat.PostForm(tpl, url.Values{"title": {"Contract with Acme"}, "value-0": {"Acme Ltd"}}), 422, `href="#value-1"`)
		res = pat.PostForm(tpl, url.Values{"title": {"Contract with Acme"}, "value-0": {"Acme Ltd"}, "value-1": {"12,500"}, "value-2": {"1 March 2026"}})
		want(t, res, 303)
		base := strings.TrimSuffix(res.Header.Get("Location"), "/recipients")
		want(t, pat.Get(base), 200, "Contract with Acme", "Draft")
		tok := e.token("Cara", platform.ScopeRead)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelope-templates", ""), 200, `"merge_fields":["supplier","price","signing_date"]`)
		id := strings.TrimPrefix(tpl, "/envelope-templates/")
		want(t, e.srv.API(tok, "GET", "/api/v1/envelope-templates/"+id, ""), 200, `"name":"Supply contract"`)
		want(t, e.srv.API(e.token("Cara", platform.ScopeRead, platform.ScopeWrite), "DELETE", "/api/v1/envelope-templates/"+id, ""), 403)
		want(t, pat.PostForm(tpl+"/delete", nil), 200, "Delete the template?", "Yes, delete the template", `name="confirm" value="yes"`)
		want(t, pat.Get(tpl), 200)
		want(t, pat.PostForm(tpl+"/delete", url.Values{"confirm": {"yes"}}), 303)
		want(t, pat.Get(tpl), 404)
	})
}

func TestEnvelopeDemo(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		who := map[string]string{"staff@kent.example": "Pat", "manager@kent.example": "Mo", "democratic@kent.example": "Cara", "cabinet@kent.example": "Cara", "admin@kent.example": "Alex"}
		denv := &module.DemoEnv{Org: func(context.Context, string) (platform.Org, error) { return e.org, nil },
			Person: func(_ context.Context, _ platform.Org, email string) (*platform.Subject, error) {
				return e.subject(who[email]), nil
			}}
		for range 2 { // the second run adds nothing
			noErr(t, e.m.Demo(e.ctx, denv))
		}
		page, err := e.m.Store().List(e.ctx, platform.System(e.org.ID), signing.ListQuery{})
		noErr(t, err)
		// The contract waits for the supplier, whose code goes by text
		// message. (The decision record is the key-decisions service's
		// envelope: cmd/dbtp's demo test has it.)
		if len(page.Envelopes) != 1 || page.Envelopes[0].Status != signing.EnvelopeSent {
			t.Fatalf("demo envelopes: %+v", page.Envelopes)
		}
		env, err := e.m.Store().Get(e.ctx, platform.System(e.org.ID), page.Envelopes[0].ID)
		noErr(t, err)
		if env.Recipients[0].Phone != "+447700900456" {
			t.Fatalf("the supplier's code goes to %q", env.Recipients[0].Phone)
		}
		want(t, e.browser("Pat").Get("/envelopes"), 200, "Supply contract CT-2026-017")
	})
}

// A sign action's title takes the case's answers as ((merge fields)),
// within the 200 bytes a title may have, cut whole characters.
func TestMergeTitle(t *testing.T) {
	v := map[string]string{"decision_reference": "21/00097", "decision_title": "The Kent County Council Technology Strategy 2020-2023"}
	if got := mergeText("Record of Decision ((decision_reference)): ((Decision_Title))((missing))", v); got != "Record of Decision 21/00097: The Kent County Council Technology Strategy 2020-2023" {
		t.Fatalf("merged: %q", got)
	}
	long := mergeText("((t))", map[string]string{"t": strings.Repeat("é", 150)})
	if len(long) > 200 || !utf8.ValidString(long) || !strings.HasSuffix(long, "…") {
		t.Fatalf("long title: %d bytes, %q", len(long), long)
	}
}
