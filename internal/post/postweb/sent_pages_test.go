package postweb

import (
	"net/http"
	"strings"
	"testing"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A resident opens each message sent them about a case, whole and
// formatted, and a letter as the PDF that was posted; nobody else opens
// it there (staff, another organisation), and a message not addressed to
// them as a person is not found.
func TestResidentOpensWhatWasSentThem(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_LETTER_PROVIDER": "log"})
		email := e.rowTemplate(post.KindEmail, "Update", "Your request ((ref))", "Dear ((name)),\n\n# What happens next\n\n* we visit\n* we write\n\nLine three of the message.")
		letter := e.rowTemplate(post.KindLetter, "Outcome", "Our answer", "Dear ((name)),\n\nWe have looked into it.")
		mia, rita := e.subject("Mia"), e.users["Rita"].ID
		mail, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: email.ID, To: "r.w@example.net", CaseID: "case_1",
			Reference: "COMP-1", PersonID: rita, Personalisation: map[string]any{"name": "Rita", "ref": "COMP-1"}})
		noErr(t, err)
		posted, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: letter.ID, CaseID: "case_1", Reference: "COMP-1",
			PersonID: rita, Address: []string{"Rita Test", "2 Mill Lane", "NS1 1AA"}, Personalisation: map[string]any{"name": "Rita"}})
		noErr(t, err)
		// Not about a case, or not to her as a person: not hers to open here.
		loose, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: email.ID, To: "r.w@example.net",
			PersonID: rita, Personalisation: map[string]any{"name": "Rita", "ref": "X"}})
		noErr(t, err)
		other, err := e.m.Store().Send(e.ctx, mia, e.service.ID, post.SendInput{TemplateID: email.ID, To: "r.w@example.net", CaseID: "case_1",
			Personalisation: map[string]any{"name": "Rita", "ref": "X"}})
		noErr(t, err)

		// The list on her request page links each (the engine gives the id).
		ms, err := e.m.Store().MessagesToPerson(e.ctx, e.subject("Rita"), "case_1")
		noErr(t, err)
		if len(ms) != 2 || ms[0].ID == ms[1].ID || ms[0].ID != mail.ID && ms[0].ID != posted.ID || ms[1].ID != mail.ID && ms[1].ID != posted.ID {
			t.Fatalf("messages to Rita: %+v", ms)
		}
		b := e.browser("Rita")
		res := b.Get("/post/sent/" + mail.ID)
		want(t, res, 200, "Your request COMP-1", `<h2 class="govuk-heading-m">What happens next</h2>`, "Line three of the message.",
			`href="/services/requests/COMP-1#sent"`)
		if strings.Contains(res.Body, "# What happens next") {
			t.Fatal("the message's marks are shown as written")
		}
		pdf := "/post/sent/" + posted.ID + "/letter.pdf"
		want(t, b.Get("/post/sent/"+posted.ID), 200, "Our answer", "being printed")
		want(t, b.Get(pdf), 404)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		want(t, b.Get("/post/sent/"+posted.ID), 200, `href="`+pdf+`"`, "Your letter as we posted it (PDF, 1 page)")
		res = b.Get(pdf)
		want(t, res, 200)
		if !strings.HasPrefix(res.Body, "%PDF-") {
			t.Fatalf("the letter: %q", res.Body[:min(20, len(res.Body))])
		}
		want(t, b.Get("/post/sent/"+loose.ID), 404)
		want(t, b.Get("/post/sent/"+other.ID), 404)
		want(t, b.Get("/post/sent/"+mail.ID+"/letter.pdf"), 404)
		for _, who := range []string{"Mia", "Sid"} {
			want(t, e.browser(who).Get("/post/sent/"+mail.ID), 404)
			want(t, e.browser(who).Get(pdf), 404)
		}
		// Another organisation's admin, with a token.
		want(t, e.do("GET", "/post/sent/"+mail.ID, http.Header{"Authorization": {"Bearer " + e.token("Otto", "read")}}, nil), 404)
	})
}
