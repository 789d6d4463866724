package postweb

import (
	"net/http"
	"strings"
	"testing"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The messages page finds a message by the name of the person it is
// about, as the directory knows them; a letter's page links to the PDF
// that was posted once delivery has made it, for staff who may read the
// message and nobody else.
func TestMessagesByNameAndTheLetterPosted(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_LETTER_PROVIDER": "log"})
		email := e.rowTemplate(post.KindEmail, "Hello", "Hello", "Dear ((name))")
		letter := e.rowTemplate(post.KindLetter, "Outcome", "Our answer", "Dear ((name)),\n\nWe have looked into it.")
		mia := e.subject("Mia")
		toRita, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: email.ID, To: "r.w@example.net",
			PersonID: e.users["Rita"].ID, Personalisation: map[string]any{"name": "Rita"}})
		noErr(t, err)
		posted, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: letter.ID,
			Address: []string{"Mr Otis Grey", "2 Mill Lane", "NS1 1AA"}, Personalisation: map[string]any{"name": "Otis"}})
		noErr(t, err)

		b := e.browser("Mia")
		// By the person's name (the directory's), not only the address.
		res := b.Get("/post/messages?q=rita")
		want(t, res, 200, "/post/messages/"+toRita.ID, "Rita Test")
		if strings.Contains(res.Body, posted.ID) {
			t.Fatal("a search for Rita lists the letter to Otis")
		}
		want(t, b.Get("/post/messages?q=grey"), 200, "/post/messages/"+posted.ID)
		if res := b.Get("/post/messages?q=nobody+of+that+name"); !strings.Contains(res.Body, "No messages match") {
			t.Fatalf("an unknown name: %s", res.Body)
		}

		// Before delivery there is no PDF yet; the page says so.
		pdfURL := "/post/messages/" + posted.ID + "/letter.pdf"
		want(t, b.Get("/post/messages/"+posted.ID), 200, "made when it is sent to the printer")
		want(t, b.Get(pdfURL), 404)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		want(t, b.Get("/post/messages/"+posted.ID), 200, `href="`+pdfURL+`"`, "The letter as posted (PDF, 1 page)")
		res = b.Get(pdfURL)
		want(t, res, 200)
		if !strings.HasPrefix(res.Body, "%PDF-") || res.Header.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("the letter's PDF: %s %q", res.Header, res.Body[:min(20, len(res.Body))])
		}
		// Staff of another unit, a resident, another organisation: no.
		want(t, e.browser("Cas").Get(pdfURL), 403)
		want(t, e.browser("Rita").Get(pdfURL), 403)
		want(t, e.do("GET", pdfURL, http.Header{"Authorization": {"Bearer " + e.token("Otto", "read")}}, nil), 404)
		// An email has no PDF.
		want(t, b.Get("/post/messages/"+toRita.ID+"/letter.pdf"), 404)
	})
}

// A message's page shows its body formatted as the check page showed it
// before it was sent (a heading, a rule, a list), not its raw marks.
func TestMessagePageFormatsTheBody(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		letter := e.rowTemplate(post.KindLetter, "Findings", "Our findings", "Dear ((name)),\n\n# What we found\n\n-----\n\n* a <b>loose</b> slab\n\nYours")
		n, err := e.m.Store().Send(e.ctx, e.subject("Mia"), e.service.ID, post.SendInput{TemplateID: letter.ID,
			Address: []string{"Mr Otis Grey", "2 Mill Lane", "NS1 1AA"}, Personalisation: map[string]any{"name": "Otis <i>"}})
		noErr(t, err)
		res := e.browser("Mia").Get("/post/messages/" + n.ID)
		want(t, res, 200, `<h2 class="govuk-heading-m">What we found</h2>`, `govuk-section-break--visible`,
			`<ul class="govuk-list govuk-list--bullet">`, "Dear Otis &lt;i&gt;,", "a &lt;b&gt;loose&lt;/b&gt; slab")
		for _, raw := range []string{"# What we found", "-----", "* a "} {
			if strings.Contains(res.Body, raw) {
				t.Fatalf("the page shows %q as written: %s", raw, res.Body)
			}
		}
	})
}

// A message's page says what the check page says, in the same words: a
// format only for a letter, its postage as "Second class", and a demo
// provider's hand-over as not delivered; an empty mobile number is asked
// for, not counted.
func TestMessagePageWords(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_LETTER_PROVIDER": "log"})
		email := e.rowTemplate(post.KindEmail, "Hello", "Hello", "Dear ((name))")
		letter := e.rowTemplate(post.KindLetter, "Outcome", "Our answer", "Dear ((name))")
		mia := e.subject("Mia")
		mail, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: email.ID, To: "r.w@example.net",
			LargePrint: true, Personalisation: map[string]any{"name": "Rita"}})
		noErr(t, err)
		posted, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: letter.ID, LargePrint: true,
			Address: []string{"Mr Otis Grey", "2 Mill Lane", "NS1 1AA"}, Personalisation: map[string]any{"name": "Otis"}})
		noErr(t, err)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		b := e.browser("Mia")
		res := b.Get("/post/messages/" + mail.ID)
		want(t, res, 200, "Email")
		if strings.Contains(res.Body, "Large print") || strings.Contains(res.Body, ">Format<") {
			t.Fatalf("an email has a format: %s", res.Body)
		}
		res = b.Get("/post/messages/" + posted.ID)
		want(t, res, 200, "Large print", "Second class", "Sent (demo: written to the log, not delivered)")
		if strings.Contains(res.Body, "(log)") {
			t.Fatalf("the provider's name: %s", res.Body)
		}
	})
}
