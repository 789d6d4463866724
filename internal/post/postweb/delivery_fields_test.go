package postweb

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The send page labels placeholders in sentence case, fills in what the
// case knows (the service, reference, dates, the resident's link, the
// name), and asks yes or no of a placeholder used only as a condition;
// choosing No leaves its text out of what is sent.
func TestSendPageFieldsFromTheCase(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		received := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		e.m.UseCases(oneCase{CaseInfo{ID: "case_1", Reference: "COMP-2026-000123", PersonID: e.users["Rita"].ID, PersonName: "Rita Test",
			Email: "rita@example.org", Service: "Make a complaint", SubmittedAt: received, DueAt: received.AddDate(0, 0, 14),
			RequestPath: "/services/requests/COMP-2026-000123"}})
		tpl := e.adultsTemplate(post.KindEmail, "((service)): ((reference))",
			"Dear ((name)),\n\nWe received it on ((received_date)) and will reply by ((due date)).((callback?? We will phone you first.))\n\nSee ((case link)).\n\n((officer))")
		page := "/post/send?" + url.Values{"case": {"case_1"}, "template": {tpl.ID}}.Encode()
		cas := e.browser("Cas")
		res := cas.Get(page)
		want(t, res, 200, `for="p1">Service</label>`, `value="Make a complaint"`, `value="COMP-2026-000123"`, `value="Rita Test"`,
			`>Received date</label>`, `value="2 November 2026"`, `>Due date</label>`, `value="16 November 2026"`,
			`>Case link</label>`, `value="http://dbtp.test/services/requests/COMP-2026-000123"`, `>Officer</label>`,
			`type="radio"`, `name="p6" type="radio" value="yes"`, `name="p6" type="radio" value="no"`, "Yes adds: “We will phone you first.”")
		if strings.Contains(res.Body, `>callback</`) || strings.Contains(res.Body, `id="p6" name="p6" type="text"`) {
			t.Fatalf("the condition is a text box: %s", res.Body)
		}
		form := url.Values{"to": {"rita@example.org"}, "p1": {"Make a complaint"}, "p2": {"COMP-2026-000123"}, "p3": {"Rita Test"},
			"p4": {"2 November 2026"}, "p5": {"16 November 2026"}, "p6": {"no"}, "p7": {"http://dbtp.test/x"}, "p8": {"Sam"}}
		res = cas.PostForm(page, form)
		want(t, res, 200, "Check your message", "will reply by 16 November 2026.")
		if strings.Contains(res.Body, "phone you first") {
			t.Fatal("No still adds the condition's text")
		}
		// A placeholder left empty is asked for in its label's words.
		empty := url.Values{}
		for k, v := range form {
			empty[k] = v
		}
		empty.Set("p4", "")
		empty.Del("p6")
		res = cas.PostForm(page, empty)
		want(t, res, 422, "Enter received date", `href="#p4"`, "Choose yes or no for callback", `href="#p6"`)
		if strings.Contains(res.Body, "received_date") {
			t.Fatalf("the error names the placeholder raw:\n%s", res.Body)
		}
		form.Set("p6", "yes")
		want(t, cas.PostForm(page, form), 200, "will reply by 16 November 2026. We will phone you first.")
	})
}
