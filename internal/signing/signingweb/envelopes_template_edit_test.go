package signingweb

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// editedTemplate makes a template through the pages and gives it roles
// and fields with the edit form (version 2); it returns the template's
// path.
func (e *env) editedTemplate(t *testing.T) string {
	t.Helper()
	pat := e.browser("Pat")
	res := pat.PostForm("/envelope-templates", url.Values{"name": {"Supply contract"}, "body": {"# Parties\nThe council and ((supplier))."}})
	want(t, res, http.StatusSeeOther)
	tpl := res.Header.Get("Location")
	want(t, pat.PostForm(tpl+"/edit", url.Values{"version": {"1"}, "role-rows": {"3"}, "field-rows": {"3"},
		"name": {"Supply contract (2026)"}, "body": {"# Parties\nThe council and ((supplier)).\n# Price\n£((price)) a year."},
		"ro0-label": {"Supplier"}, "ro0-role": {"signer"}, "ro0-step": {"1"},
		"ro2-label": {"Head of Strategy"}, "ro2-role": {"signer"}, "ro2-step": {"2"},
		"tf0-role": {"0"}, "tf0-kind": {"signature"}, "tf0-position": {"bottom of the last page"},
		"tf1-role": {"0"}, "tf1-kind": {"text"}, "tf1-label": {"Company number"}, "tf1-page": {"-1"}, "tf1-x": {"320"}, "tf1-y": {"140"},
		"tf2-role": {"2"}, "tf2-kind": {"signature"}, "tf2-position": {"bottom right of the last page"}}), http.StatusSeeOther)
	return tpl
}

// The template pages without JavaScript: its author edits it (rows added
// by posting the form back, errors on the rows they belong to, a stale
// edit reported), sees its versions, and makes an envelope from it naming
// a person per role; the envelope has their roles and fields and names
// the version. Another unit's staff cannot edit. The API edits and lists
// versions.
func TestEnvelopeTemplateEditing(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pat, cara := e.browser("Pat"), e.browser("Cara")
		res := pat.PostForm("/envelope-templates", url.Values{"name": {"Lease"}, "body": {"The tenant is ((tenant))."}})
		want(t, res, http.StatusSeeOther)
		tpl := res.Header.Get("Location")
		want(t, pat.Get(tpl), http.StatusOK, "Version 1, saved", `href="`+tpl+`/edit"`, "Not set: the sender chooses")
		// The merge field's input is named in words, the brackets only in
		// its hint: "((tenant))" as a label read as markup.
		want(t, pat.Get(tpl), http.StatusOK, `<label class="govuk-label" for="value-0">Tenant</label>`, "Fills in ((tenant)) in the document")
		want(t, cara.Get(tpl+"/edit"), http.StatusForbidden)
		want(t, cara.PostForm(tpl+"/edit", url.Values{"name": {"Mine now"}, "body": {"x"}}), http.StatusForbidden)
		if strings.Contains(cara.Get(tpl).Body, "Edit the template") {
			t.Fatal("another unit's staff are offered the edit")
		}
		want(t, pat.Get(tpl+"/edit"), http.StatusOK, `name="version" value="1"`, `name="ro0-label"`, `name="tf0-role"`, "((tenant))")
		want(t, pat.PostForm(tpl+"/edit", url.Values{"version": {"1"}, "role-rows": {"1"}, "field-rows": {"1"}, "name": {"Lease"}, "body": {"The tenant is ((tenant))."},
			"more": {"role"}}), http.StatusOK, `name="ro1-label"`, "Role 2")
		want(t, pat.PostForm(tpl+"/edit", url.Values{"version": {"1"}, "role-rows": {"3"}, "field-rows": {"2"}, "name": {"Lease"}, "body": {"The tenant is ((tenant))."},
			"ro0-label": {"Tenant"}, "ro0-role": {"signer"}, "ro0-step": {"1"}, "ro2-label": {"tenant"}, "ro2-role": {"signer"}, "ro2-step": {"0"},
			"tf1-role": {"1"}, "tf1-kind": {"signature"}, "tf1-page": {"2"}, "tf1-x": {"a"}}),
			http.StatusUnprocessableEntity, `href="#ro2-label"`, `href="#ro2-step"`, `href="#tf1-role"`, `href="#tf1-x"`)
		want(t, pat.Get(tpl), http.StatusOK, "Version 1") // nothing saved

		tpl = e.editedTemplate(t)
		want(t, pat.PostForm(tpl+"/edit", url.Values{"version": {"1"}, "name": {"An edit of the old version"}, "body": {"x"}}),
			http.StatusConflict, "Someone saved version 2 of the template while you edited version 1")
		want(t, pat.Get(tpl), http.StatusOK, "Supply contract (2026)", "Version 2, saved", "Pat Test", "<strong>Supplier</strong>: Signs, step 1",
			"<strong>Head of Strategy</strong>: Signs, step 2", "Text: Company number for <strong>Supplier</strong>: On the last page at x 320, y 140",
			`href="`+tpl+`/versions/1"`, `name="p1-email"`, "((price))")
		want(t, pat.Get(tpl+"/versions/1"), http.StatusOK, "version 1 of 2", "Supply contract", "see the current version")
		want(t, pat.Get(tpl+"/versions/7"), http.StatusNotFound)

		// An envelope from it: a person per role.
		want(t, pat.PostForm(tpl, url.Values{"title": {"Contract with Acme"}, "value-0": {"Acme Ltd"}, "value-1": {"12,500"},
			"p1-email": {"nobody@example.org"}, "p1-staff": {"yes"}}), http.StatusUnprocessableEntity, `href="#p0-name"`, `href="#p1-email"`)
		res = pat.PostForm(tpl, url.Values{"title": {"Contract with Acme"}, "value-0": {"Acme Ltd"}, "value-1": {"12,500"},
			"p0-name": {"Sam Supplier"}, "p0-email": {"sam@acme.example"}, "p1-email": {"cara@example.org"}, "p1-staff": {"yes"}})
		want(t, res, http.StatusSeeOther)
		envPath := res.Header.Get("Location")
		want(t, pat.Get(envPath), http.StatusOK, "Made from", "The template “Supply contract (2026)”, version 2", `href="`+tpl+`/versions/2"`,
			"Sam Supplier", "Cara Test", "Company number", "Send for signing")
		want(t, pat.PostForm(envPath+"/send", nil), http.StatusSeeOther)
		envID := strings.TrimPrefix(envPath, "/envelopes/")

		// The API: edit (version 3), versions, and the envelope's version.
		id := strings.TrimPrefix(tpl, "/envelope-templates/")
		tok, caraTok := e.token("Pat", platform.ScopeRead, platform.ScopeWrite), e.token("Cara", platform.ScopeRead, platform.ScopeWrite)
		body := `{"version":2,"name":"Supply contract (2026)","body":"The council and ((supplier)).","roles":[{"label":"Supplier","role":"signer","step":1}],` +
			`"fields":[{"role":0,"kind":"signature","position":"bottom of the last page"}]}`
		want(t, e.srv.API(caraTok, "PUT", "/api/v1/envelope-templates/"+id, body), http.StatusForbidden)
		want(t, e.srv.API(tok, "PUT", "/api/v1/envelope-templates/"+id, `{"name":"x","body":"y","fields":[{"role":3,"kind":"signature","page":1}]}`),
			http.StatusUnprocessableEntity, "fields[0].role")
		want(t, e.srv.API(tok, "PUT", "/api/v1/envelope-templates/"+id, body), http.StatusOK, `"version":3`, `"merge_fields":["supplier"]`, `"label":"Supplier"`)
		want(t, e.srv.API(tok, "PUT", "/api/v1/envelope-templates/"+id, body), http.StatusConflict)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelope-templates/"+id+"/versions", ""), http.StatusOK, `"version":3`, `"version":2`, `"version":1`)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelope-templates/"+id+"/versions/2", ""), http.StatusOK, `"label":"Company number"`, `"merge_fields":["supplier","price"]`)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelope-templates/"+id+"/versions/9", ""), http.StatusNotFound)
		want(t, e.srv.API(tok, "GET", "/api/v1/envelopes/"+envID, ""), http.StatusOK, `"template_id":"`+id+`"`, `"template_version":2`)
		want(t, e.srv.API(tok, "GET", "/api/v1/openapi.json", ""), http.StatusOK, "updateEnvelopeTemplate", "listEnvelopeTemplateVersions", "getEnvelopeTemplateVersion")
		// Over the API, naming just the people fills the roles.
		want(t, e.srv.API(tok, "POST", "/api/v1/envelopes", `{"template_id":"`+id+`","values":{"supplier":"Acme"},"recipients":[{"name":"Sam","email":"sam@acme.example"}],"send":true}`),
			http.StatusCreated, `"status":"sent"`, `"role":"signer"`, `"template_version":3`)
	})
}

// TestBrowserEnvelopeTemplates: the template, its edit form (and with an
// error), an old version and an envelope made from it, in Chromium at full
// width and at 320 px: axe-core clean (WCAG 2.2 AA) and nothing scrolls
// sideways. The forms work without scripts (TestEnvelopeTemplateEditing).
func TestBrowserEnvelopeTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	tpl := e.editedTemplate(t)
	res := e.browser("Pat").PostForm(tpl, url.Values{"title": {"Contract with Acme"}, "value-0": {"Acme Ltd"}, "value-1": {"12,500"},
		"p0-name": {"Sam Supplier"}, "p0-email": {"sam@acme.example"}, "p1-email": {"cara@example.org"}, "p1-staff": {"yes"}})
	want(t, res, http.StatusSeeOther)
	envPath := res.Header.Get("Location")

	ctx := browsertest.New(t, true)
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	do(e.signInBrowser("Pat"))
	for _, width := range []int64{1024, 320} {
		do(browsertest.Viewport(width, 800))
		check := func(page string) {
			t.Helper()
			browsertest.CheckAccessible(t, ctx, page)
			w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil || w > int(width) {
				t.Errorf("%s at %d px is %d px wide (%v)", page, width, w, err)
			}
		}
		do(chromedp.Navigate(e.srv.URL + tpl))
		check("the template")
		do(chromedp.Navigate(e.srv.URL+tpl+"/edit"), chromedp.WaitVisible(chromedp.CSS(`#ro0-label`)))
		check("the edit form")
		do(chromedp.SetValue(chromedp.CSS(`#ro1-label`), "Supplier"), chromedp.Click(chromedp.CSS(`main form button.govuk-button:not(.govuk-button--secondary)`)),
			chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
		check("the edit form with an error")
		do(chromedp.Navigate(e.srv.URL + tpl + "/versions/1"))
		check("version 1")
		do(chromedp.Navigate(e.srv.URL + envPath))
		check("an envelope made from the template")
	}
}

// signInBrowser signs first in to Chromium: their session cookie.
func (e *env) signInBrowser(first string) chromedp.Action[chromedp.Void] {
	e.t.Helper()
	res, err := e.id.SignIn(e.ctx, "northshire", e.users[first].Email, password, "127.0.0.1")
	noErr(e.t, err)
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: e.srv.Srv.Config().SessionCookie, Value: res.Token, URL: e.srv.URL})
		return err
	})
}
