package postweb

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestHomeLinksEveryPart(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		want(t, e.browser("Cas").Get("/post"), 200, `href="/post/templates"`, `href="/post/services"`, `href="/post/messages"`,
			`href="/post/inbound"`, `href="/post/people"`, "There are no templates you can see yet")
		want(t, e.browser("Rita").Get("/post"), 403)
	})
}

var tplIDRE = regexp.MustCompile(`/post/templates/([0-9a-f-]{36})`)

func TestTemplatePages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		dee := e.browser("Dee")
		want(t, dee.Get("/post/templates"), 200, "There are no templates yet", `href="/post/templates/new"`)
		want(t, dee.Get("/post/templates/new"), 200, `name="service"`, `name="kind"`, `name="body"`)

		// Nothing filled in: every problem is listed, linked to its field.
		res := dee.PostForm("/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"email"}})
		want(t, res, 422, "There is a problem", `href="#name"`, `href="#subject"`, `href="#body"`, "govuk-form-group--error")

		res = postFollow(dee, "/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"email"}, "name": {"Complaint received"},
			"subject": {"We have your complaint ((reference))"}, "body": {"# Thanks\r\n\r\nDear ((name)),\r\n\r\n* one\r\n* two"}, "statutory": {"yes"}})
		want(t, res, 200, "Complaint received saved", "Version</dt>", "reference, name")
		id := tplIDRE.FindStringSubmatch(res.Body)[1]

		// Preview with sample data: the email as rendered, the fields kept.
		res = dee.Get("/post/templates/" + id + "/preview?" + url.Values{"p.name": {"Ann <b>"}}.Encode())
		want(t, res, 200, `name="p.name"`, `value="Ann &lt;b&gt;"`, "Dear Ann &lt;b&gt;,", `<h2 class="govuk-heading-m">Thanks</h2>`,
			"We have your complaint ((reference))", "Not filled in yet, so shown in double brackets: reference.")

		// A change is version 2; version 1 is kept and can be previewed.
		res = postFollow(dee, "/post/templates/"+id+"/edit", url.Values{"name": {"Complaint received"}, "subject": {"Complaint ((reference))"},
			"body": {"Dear ((name))"}, "statutory": {"yes"}})
		want(t, res, 200, "saved as version 2")
		want(t, dee.Get("/post/templates/"+id+"/versions"), 200, "Version 2 (current)", "Version 1", "Dee Test", "preview?version=1")
		want(t, dee.Get("/post/templates/"+id+"/preview?version=1"), 200, "version 1 (not the current one)", "We have your complaint")
		want(t, dee.Get("/post/templates/"+id+"/preview?version=x"), 400, "The version must be a whole number")

		// A text message shows its length and fragments; a letter links to its PDF.
		res = postFollow(dee, "/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"sms"}, "name": {"Reminder"},
			"body": {"Hello ((name)), " + strings.Repeat("x", 150)}, "statutory": {"no"}})
		want(t, res, 200, "Reminder saved")
		sms := tplIDRE.FindStringSubmatch(res.Body)[1]
		// The hint and saving agree: emoji are refused, as Notify refuses
		// them, and the hint says so.
		want(t, dee.Get("/post/templates/new?kind=sms"), 200, "Emoji cannot be used", `data-count-url="/post/templates/count"`, "js/sms-count.js")
		want(t, dee.PostForm("/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"sms"}, "name": {"Smile"},
			"body": {"Thanks 😀"}, "statutory": {"no"}}), 422, "You cannot use 😀 in text messages", "Emoji cannot be used")
		// Its length, as drawn and as typed: the edit form of a text
		// message counts it, and the count address follows the typing.
		want(t, dee.Get("/post/templates/"+sms+"/edit"), 200, `data-count-url="/post/templates/count?kind=sms"`, "166 characters, sent as 2 text messages")
		if strings.Contains(dee.Get("/post/templates/"+id+"/edit").Body, "data-dbtp-sms-count") {
			t.Fatal("an email's form counts text messages")
		}
		want(t, dee.PostForm("/post/templates/count?kind=sms", url.Values{"body": {"Hi ((name)), see you at the Siân Centre"}}), 200,
			`"words":"39 characters, sent as 1 text message`, "It needs Unicode")
		want(t, dee.PostForm("/post/templates/count", url.Values{"kind": {"sms"}, "body": {"Thanks 😀"}}), 200, "You cannot use 😀 in text messages")
		want(t, dee.PostForm("/post/templates/count", url.Values{"kind": {"email"}, "body": {"Thanks"}}), 200, `"words":""`)
		want(t, e.browser("Rita").PostForm("/post/templates/count", url.Values{"kind": {"sms"}, "body": {"x"}}), 403)
		want(t, dee.Get("/post/templates/"+sms+"/preview?p.name=Siân"), 200, "it needs Unicode", "Sent as 3 text messages", "costing about 5.91p")
		res = postFollow(dee, "/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"letter"}, "name": {"Outcome"},
			"subject": {"Your outcome"}, "body": {"Dear ((name))\n\n***\n\nPage two"}, "statutory": {"yes"}})
		letter := tplIDRE.FindStringSubmatch(res.Body)[1]
		want(t, dee.Get("/post/templates/"+letter), 200, `href="/post/templates/`+letter+`/preview.pdf"`)

		// The list, filtered and paged; archive and bring back.
		want(t, dee.Get("/post/templates?kind=sms"), 200, "Reminder", "consent")
		if strings.Contains(dee.Get("/post/templates?kind=sms").Body, "Outcome") {
			t.Fatal("filter by kind")
		}
		want(t, dee.Get("/post/templates?q=nothing+like+it"), 200, "No templates match")
		want(t, postFollow(dee, "/post/templates/"+sms+"/archive", nil), 200, "Template archived", "This template is archived")
		want(t, dee.Get("/post/templates?archived=yes"), 200, "Reminder")
		want(t, postFollow(dee, "/post/templates/"+sms+"/restore", nil), 200, "brought back")

		// Others: a caseworker of another unit cannot make or read them.
		cas := e.browser("Cas")
		want(t, cas.Get("/post/templates/new"), 403)
		want(t, cas.Get("/post/templates/"+id), 403)
		want(t, cas.Get("/post/templates"), 200, "There are no templates for your business units yet")
		want(t, e.srv.API(e.token("Otto", "read"), "GET", "/api/v1/post/templates/"+id, ""), 404)
		want(t, e.browser("Mia").Get("/post/templates/"+id+"/edit"), 200, "Change Complaint received")
	})
}

func TestTemplateAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.token("Dee", "read", "write")
		res := e.srv.API(tok, "POST", "/api/v1/post/templates", `{"service_id":"`+e.service.ID+`","kind":"sms","name":"","body":""}`)
		want(t, res, 422, "name", "body")
		res = e.srv.API(tok, "POST", "/api/v1/post/templates", `{"service_id":"`+e.service.ID+`","kind":"email","name":"Hello","subject":"Hi ((name))","body":"Dear ((name)), ((date??Today.))"}`)
		want(t, res, 201, `"version":1`, `"placeholders":["name","date"]`, `"statutory":true`)
		var tp TemplateJSON
		noErr(t, json.Unmarshal([]byte(res.Body), &tp))
		if res.Header.Get("Location") != "/api/v1/post/templates/"+tp.ID {
			t.Fatal(res.Header)
		}
		want(t, e.srv.API(tok, "PUT", "/api/v1/post/templates/"+tp.ID, `{"name":"Hello","subject":"Hi ((name))","body":"Changed ((name))"}`), 200, `"version":2`)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/templates/"+tp.ID+"/versions", ""), 200, `"version":2`, `"version":1`)
		res = e.srv.API(tok, "GET", "/api/v1/post/templates/"+tp.ID+"/versions?limit=1", "")
		want(t, res, 200, `"version":2`, `"next_cursor"`)
		var page struct {
			Next string `json:"next_cursor"`
		}
		noErr(t, json.Unmarshal([]byte(res.Body), &page))
		res = e.srv.API(tok, "GET", "/api/v1/post/templates/"+tp.ID+"/versions?limit=1&cursor="+page.Next, "")
		want(t, res, 200, `"version":1`)
		if strings.Contains(res.Body, "next_cursor") || strings.Contains(res.Body, `"version":2`) {
			t.Fatal(res.Body)
		}
		want(t, e.srv.API(tok, "GET", "/api/v1/post/templates/"+tp.ID+"/versions/1", ""), 200, `"body":"Dear ((name)), ((date??Today.))"`)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/templates/"+tp.ID+"/versions/3", ""), 404)
		want(t, e.srv.API(tok, "POST", "/api/v1/post/templates/"+tp.ID+"/preview", `{"version":1,"personalisation":{"Name":"Ann","date":"yes"}}`), 200,
			`"subject":"Hi Ann"`, `"body":"Dear Ann, Today."`, `"missing":[]`)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/templates?kind=email", ""), 200, `"name":"Hello"`)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/templates?kind=fax", ""), 400, "kind")
		want(t, e.srv.API(tok, "GET", "/api/v1/post/templates?cursor=bad", ""), 400, "cursor")
		want(t, e.srv.API(tok, "POST", "/api/v1/post/templates/"+tp.ID+"/archive", ""), 204)
		want(t, e.srv.API(tok, "PUT", "/api/v1/post/templates/"+tp.ID, `{"name":"x","subject":"y","body":"z"}`), 409)
		want(t, e.srv.API(tok, "POST", "/api/v1/post/templates/"+tp.ID+"/restore", ""), 204)
		// A read-only token reads but does not write; another unit's caseworker does neither.
		ro := e.token("Dee", "read")
		want(t, e.srv.API(ro, "GET", "/api/v1/post/templates/"+tp.ID, ""), 200)
		want(t, e.srv.API(ro, "POST", "/api/v1/post/templates/"+tp.ID+"/archive", ""), 403)
		want(t, e.srv.API(e.token("Cas", "read", "write"), "GET", "/api/v1/post/templates/"+tp.ID, ""), 403)
		// Without a token: nothing.
		want(t, e.do("GET", "/api/v1/post/templates/"+tp.ID, nil, nil), 401)
		want(t, e.srv.API(tok, "GET", "/api/v1/openapi.json", ""), 200, "/api/v1/post/templates/{id}/preview", "previewPostTemplate")
	})
}

func TestTemplatesDemo(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// The demo runs in a council whose units are named as Kent's are.
		for _, u := range []string{"Property", "Information Governance"} {
			_, err := e.id.CreateUnit(e.ctx, platform.System(e.org.ID), u)
			noErr(t, err)
		}
		noErr(t, e.m.templates.seed(e.ctx, e.m, nil, e.org))
		noErr(t, e.m.templates.seed(e.ctx, e.m, nil, e.org)) // once
		res := e.browser("Dee").Get("/post/templates?q=complaint")
		want(t, res, 200, "Complaint received", "Complaint received (text)", "Complaint response")
		var n int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM post_templates WHERE org_id = ?", e.org.ID).Scan(&n))
		if n != 13 {
			t.Fatalf("%d demo templates", n)
		}
	})
}

// TestTemplateViewMatchesPreview: a list item that is an optional
// placeholder is a bullet on the template's page, as written, and on the
// preview: shown with its text when the sample says yes, left out when
// it says no. A placeholder left open is refused on the form with its
// line; a text message counts extension characters twice and says which
// characters phones cannot show.
func TestTemplateViewMatchesPreview(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		dee := e.browser("Dee")
		res := dee.PostForm("/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"email"}, "name": {"Documents"},
			"subject": {"Your documents"}, "body": {"Please bring:\r\n\r\n* your passport\r\n* ((reference)\r\n"}, "statutory": {"yes"}})
		want(t, res, 422, "The message has a mistake on line 4: “((reference)” is not closed with “))”", `href="#body"`)
		res = postFollow(dee, "/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"email"}, "name": {"Documents"},
			"subject": {"Your documents"}, "body": {"Please bring:\r\n\r\n* your passport\r\n* ((bill??a utility bill))\r\n* your letter"}, "statutory": {"yes"}})
		want(t, res, 200, "Documents saved")
		id := tplIDRE.FindStringSubmatch(res.Body)[1]
		bullets := `<ul class="govuk-list govuk-list--bullet"><li>your passport</li><li>((bill??a utility bill))</li><li>your letter</li></ul>`
		want(t, dee.Get("/post/templates/"+id), 200, bullets)
		want(t, dee.Get("/post/templates/"+id+"/preview"), 200, bullets)
		want(t, dee.Get("/post/templates/"+id+"/preview?p.bill=yes"), 200,
			`<ul class="govuk-list govuk-list--bullet"><li>your passport</li><li>a utility bill</li><li>your letter</li></ul>`)
		no := dee.Get("/post/templates/" + id + "/preview?p.bill=no")
		want(t, no, 200, `<ul class="govuk-list govuk-list--bullet"><li>your passport</li><li>your letter</li></ul>`)
		if strings.Contains(no.Body, `<p class="govuk-body">*</p>`) {
			t.Fatal("an empty bullet shows as a star")
		}

		res = postFollow(dee, "/post/templates/new", url.Values{"service": {e.service.ID}, "kind": {"sms"}, "name": {"Code"},
			"body": {"Your code is {((code))}. " + strings.Repeat("x", 138)}, "statutory": {"yes"}})
		want(t, res, 200, "Code saved")
		sms := tplIDRE.FindStringSubmatch(res.Body)[1]
		// 159 characters fit one text, but the braces take two places each: 161, two texts.
		want(t, dee.Get("/post/templates/"+sms+"/preview?p.code=1234"), 200, "159 characters (^ { } [ ] ~ | € and \\ take two places each, so it takes 161",
			"Sent as 2 text messages")
		want(t, dee.Get("/post/templates/"+sms+"/preview?"+url.Values{"p.code": {"12😀"}}.Encode()), 200, "Phones cannot show 😀: each is sent as ?.")
	})
}
