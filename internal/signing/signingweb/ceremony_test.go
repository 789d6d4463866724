package signingweb

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/signing"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// An outside signer signs with a one-time code, a forwarded link shows
// nothing, a staff member signs signed in, the job seals, and the sender
// downloads the sealed PDF and its certificate.
func TestCeremonyPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		c := newCeremonyEnv(t, db)
		title := "Supply contract CT-2026-017"
		id, _ := c.insertCeremonyTestEnvelope(title,
			cerWebRecipient{step: 1, role: signing.RoleSigner, name: "Sam Supplier", email: "sam@acme.example", mayReassign: true, fields: []signing.Field{
				{Kind: signing.FieldSignature, Page: 2, X: 72, Y: 90, Width: 200, Height: 50, Required: true},
				{Kind: signing.FieldText, Page: 2, X: 300, Y: 90, Width: 150, Height: 20, Required: true, Label: "Company number"}}},
			cerWebRecipient{step: 2, role: signing.RoleSigner, user: "Cara"})
		link := c.last("sam@acme.example", cerLinkRE)
		sam, other := c.srv.Browser(), c.srv.Browser()

		r := sam.Get(link)
		want(t, r, http.StatusOK, "Confirm it is you", "s***@acme.example")
		if strings.Contains(r.Body, title) || r.Header.Get("Referrer-Policy") != "same-origin" {
			t.Fatalf("before the code the page shows the document or leaks the link:\n%s", r.Body)
		}
		r = other.Get(link + "?document=1")
		want(t, r, http.StatusNotFound, "This link does not work")
		if strings.Contains(r.Body, title) {
			t.Fatal("a forwarded link's refusal names the document")
		}
		want(t, sam.Get("/signing/not-a-real-link-at-all-0123456789"), http.StatusNotFound, "This link does not work")

		r = sam.PostForm(link+"?do=code", nil)
		want(t, r, http.StatusSeeOther)
		want(t, sam.Get(link+"?sent=1"), http.StatusOK, "Enter the code")
		want(t, sam.PostForm(link+"?do=code", nil), http.StatusTooManyRequests, "less than a minute ago", "Enter the code")
		want(t, sam.PostForm(link+"?do=verify", url.Values{"code": {"12"}}), http.StatusUnprocessableEntity, "There is a problem", `href="#code"`)
		want(t, sam.PostForm(link+"?do=verify", url.Values{"code": {c.last("sam@acme.example", cerCodeRE)}}), http.StatusSeeOther)
		r = sam.Get(link)
		want(t, r, http.StatusOK, title, "Sign the document", "Company number", "Pass it to someone else")
		doc := sam.Get(link + "?document=1")
		want(t, doc, http.StatusOK, "%PDF-")
		want(t, other.Get(link+"?document=1"), http.StatusNotFound) // the session is Sam's browser's

		want(t, sam.PostForm(link+"?do=sign", url.Values{"kind": {"typed"}}), http.StatusUnprocessableEntity,
			"Confirm that you agree to sign electronically", "Type your full name", "Fill in")
		// A drawing posted with a form that has an error comes back, to
		// be redrawn, with a word that it was kept.
		drawing := "data:image/png;base64," + base64.StdEncoding.EncodeToString(signingtest.DrawingPNG(t, 300, 100))
		want(t, sam.PostForm(link+"?do=sign", url.Values{"kind": {"drawn"}, "drawn": {drawing}, "typed": {"Sam Supplier"}}), http.StatusUnprocessableEntity,
			"Confirm that you agree to sign electronically", `id="drawn-data" value="`+drawing[:strings.IndexAny(drawing, "+=")], "Your drawing is kept")
		if r := sam.PostForm(link+"?do=sign", url.Values{"kind": {"typed"}, "typed": {"Sam Supplier"}}); strings.Contains(r.Body, "Your drawing is kept") {
			t.Fatal("a typed signature's form says a drawing was kept")
		}
		want(t, sam.Get(link+"?page=decline"), http.StatusOK, "Why do you decline?")
		var fieldID string
		if i := strings.Index(r.Body, `name="field-`); i >= 0 {
			fieldID = r.Body[i+len(`name="field-`):]
			fieldID = fieldID[:strings.IndexByte(fieldID, '"')]
		}
		want(t, sam.PostForm(link+"?do=sign", url.Values{"kind": {"typed"}, "typed": {"Sam Supplier"}, "consent": {"yes"}, "field-" + fieldID: {"01234567"}}),
			http.StatusOK, "You have signed it", "emails you a copy", "The link you used no longer works")
		want(t, sam.Get(link), http.StatusNotFound, "This link does not work")

		// While it is out, its page offers the signatures so far and says
		// how often the next signer is reminded.
		noErr(t, c.db.Write(c.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(c.ctx, `UPDATE signing_envelopes SET remind_every_days = 3 WHERE id = ?`, id)
			return err
		}))
		want(t, c.browser("Pat").Get("/envelopes/"+id), http.StatusOK, "With the signatures so far (PDF)", "Every 3 days")

		cara := c.browser("Cara")
		want(t, cara.Get("/envelopes/to-sign"), http.StatusOK, "/envelopes/"+id+"/sign", title)
		want(t, c.browser("Pat").Get("/envelopes/to-sign"), http.StatusOK, "Nothing is waiting")
		want(t, c.browser("Pat").Get("/envelopes/"+id+"/sign"), http.StatusNotFound) // the sender is not a signer
		want(t, cara.Get("/envelopes/"+id+"/sign"), http.StatusOK, title, "Sign the document")
		want(t, cara.Get("/envelopes/"+id+"/sign?document=1"), http.StatusOK, "%PDF-")
		// Staff are told what is true for them: an email with a link, no
		// copy attached, no link of theirs that stops working.
		r = cara.PostForm("/envelopes/"+id+"/sign?do=sign", url.Values{"kind": {"typed"}, "typed": {"Cara Test"}, "consent": {"yes"}})
		want(t, r, http.StatusOK, "You have signed it", "we email you a link to download it")
		if strings.Contains(r.Body, "no longer works") || strings.Contains(r.Body, "copy of it by email") {
			t.Fatal("a member of staff is told about a link or an attached copy")
		}
		_, err := c.jobs.RunDue(c.ctx)
		noErr(t, err)

		pat := c.browser("Pat")
		// Completed, it offers the sealed copy, not the signatures so far,
		// and nobody is reminded any more.
		done := pat.Get("/envelopes/" + id)
		want(t, done, http.StatusOK, "Signed and sealed by the council (PDF)")
		if strings.Contains(done.Body, "With the signatures so far") || strings.Contains(done.Body, "Every 3 days") {
			t.Fatal("a completed envelope's page offers the signatures so far or shows its reminders")
		}
		sealed := pat.Get("/envelopes/" + id + "/documents/sealed.pdf")
		want(t, sealed, http.StatusOK, "%PDF-")
		signingtest.QPDFCheck(t, []byte(sealed.Body))
		cert := pat.Get("/envelopes/" + id + "/certificate.pdf")
		want(t, cert, http.StatusOK, "%PDF-")
		// Named after the envelope's title, as its documents are, not its ID.
		if got := cert.Header.Get("Content-Disposition"); got != `attachment; filename="supply-contract-ct-2026-017-completion-certificate.pdf"` {
			t.Errorf("the certificate downloads as %s", got)
		}
		// Cara signed another unit's envelope: her completion email links
		// to the sealed copy, which she may download; nothing else of it.
		want(t, cara.Get("/envelopes/"+id+"/documents/sealed.pdf"), http.StatusOK, "%PDF-")
		want(t, cara.Get("/envelopes/"+id+"/documents/original.pdf"), http.StatusForbidden)
		want(t, c.browser("Rita").Get("/envelopes/"+id+"/documents/sealed.pdf"), http.StatusForbidden)
		// The sealed PDF's first address sends links already out to it.
		old := pat.Get("/envelopes/" + id + "/sealed.pdf")
		want(t, old, http.StatusPermanentRedirect)
		if loc := old.Header.Get("Location"); loc != "/envelopes/"+id+"/documents/sealed.pdf" {
			t.Fatalf("the old address redirects to %q", loc)
		}
	})
}

// Staff sign, approve and decline through the API; tasks and evidence;
// the operations are in the OpenAPI document.
func TestCeremonyAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		c := newCeremonyEnv(t, db)
		id, _ := c.insertCeremonyTestEnvelope("Key decision 21/00097",
			cerWebRecipient{step: 1, role: signing.RoleApprover, user: "Mo"},
			cerWebRecipient{step: 2, role: signing.RoleSigner, user: "Cara"})
		mo, cara, pat := c.token("Mo", "read", "write"), c.token("Cara", "read", "write"), c.token("Pat", "read")
		want(t, c.srv.API(cara, "GET", "/api/v1/signing-tasks", ""), http.StatusOK, "[]")
		want(t, c.srv.API(cara, "POST", "/api/v1/envelopes/"+id+"/signature", `{"consent":true,"typed":"Cara Test"}`), http.StatusNotFound)
		want(t, c.srv.API(mo, "POST", "/api/v1/envelopes/"+id+"/approval", `{"consent":false}`), http.StatusUnprocessableEntity, "consent")
		want(t, c.srv.API(mo, "POST", "/api/v1/envelopes/"+id+"/approval", `{"consent":true}`), http.StatusOK, `"approved"`)
		want(t, c.srv.API(cara, "GET", "/api/v1/signing-tasks", ""), http.StatusOK, id, "/envelopes/"+id+"/sign")
		want(t, c.srv.API(cara, "POST", "/api/v1/envelopes/"+id+"/signature", `{"consent":true,"kind":"drawn","drawn":"not base64!"}`), http.StatusUnprocessableEntity, "drawn")
		want(t, c.srv.API(cara, "POST", "/api/v1/envelopes/"+id+"/signature", `{"consent":true,"typed":"Cara Test"}`), http.StatusOK, `"signed"`)
		_, err := c.jobs.RunDue(c.ctx)
		noErr(t, err)
		want(t, c.srv.API(pat, "GET", "/api/v1/envelopes/"+id+"/evidence", ""), http.StatusOK, `"approved"`, `"signed"`, `"sealed"`, `"completed"`)
		want(t, c.srv.API(cara, "GET", "/api/v1/envelopes/"+id+"/evidence", ""), http.StatusForbidden)
		// The evidence's first address redirects to it (a client that
		// follows, as webtest's does, gets the evidence).
		old := noFollow(t, c.srv.URL+"/api/v1/envelopes/"+id+"/events", pat)
		if old.StatusCode != http.StatusPermanentRedirect || old.Header.Get("Location") != "/api/v1/envelopes/"+id+"/evidence" {
			t.Fatalf("the evidence's old address: %d %q", old.StatusCode, old.Header.Get("Location"))
		}
		want(t, c.srv.API(pat, "GET", "/api/v1/envelopes/"+id+"/events", ""), http.StatusOK, `"items"`, `"sealed"`)
		want(t, c.srv.API(pat, "GET", "/api/v1/openapi.json", ""), http.StatusOK, "signEnvelope", "approveEnvelope", "declineEnvelope", "listSigningTasks", "getEnvelopeEvidence")
		if doc := c.srv.API(pat, "GET", "/api/v1/openapi.json", "").Body; strings.Contains(doc, "listEnvelopeEvents\"") || strings.Count(doc, "\"getEnvelopeEvidence\"") != 1 {
			t.Fatal("the OpenAPI document still lists the evidence twice")
		}
	})
}

// noFollow gets url with a bearer token without following a redirect.
func noFollow(t *testing.T, url, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	noErr(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	noErr(t, err)
	res.Body.Close()
	return res
}
