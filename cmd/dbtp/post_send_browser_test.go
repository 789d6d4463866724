package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// postLetterToResident: Chris Walker (the demo's resident) prefers
// letters in large print. Sam Okafor answers his open complaint: the send
// page offers a letter first, already chosen; the findings are typed in a
// text area; "Check your message" shows the letter in large print; the
// letter's page links to the PDF that was posted. Then a text message
// instead, which needs a reason (and, with scripts, counts itself as it is
// typed). Chris signs in and reads both on his request page.
func (j *journey) postLetterToResident(t *testing.T) {
	r := j.r
	var caseID, ref string
	if err := r.app.db.QueryRow(context.Background(), `SELECT c.id, c.reference FROM cases c JOIN users u ON u.id = c.applicant_id
		WHERE u.email = 'resident@kent.example' AND c.service_id = 'complaints' AND c.state_terminal = 0 ORDER BY c.submitted_at LIMIT 1`).
		Scan(&caseID, &ref); err != nil {
		t.Fatalf("no open complaint of Chris Walker's in the demo: %v", err)
	}
	sam := j.as(t, "caseworker@kent.example")
	send := r.url + "/post/send?case=" + caseID
	open(t, sam, send)
	// His preferred channel leads, already chosen.
	first, err := chromedp.Run(sam, chromedp.Evaluate[string](`(() => { const r = document.querySelector("input[name=channel]"); return r.value + (r.checked ? " checked" : "") })()`))
	if err != nil || first != "letter checked" {
		t.Fatalf("the first channel is %q, want the letter, chosen (%v)", first, err)
	}
	if s := text(t, sam, "main form"); !strings.Contains(s, "They prefer to hear by letter, in large print.") || !strings.Contains(s, "Their preferred way, in large print") {
		t.Fatalf("step 1 does not say what he prefers: %q", s)
	}
	submitAndWait(t, sam, `main form`, "#template")
	chooseOption(t, sam, "#template", "Complaint response")
	submitAndWait(t, sam, `main form`, "#address")
	if v := value(t, sam, "#address"); !strings.Contains(v, "14 Orchard Way") {
		t.Fatalf("his address is not filled in: %q", v)
	}
	if on, err := chromedp.Run(sam, chromedp.Evaluate[bool](`document.querySelector("input[name=large_print]").checked`)); err != nil || !on {
		t.Fatalf("large print is not ticked: %v", err)
	}
	findings := labelled(t, sam, "Findings")
	if tag, err := chromedp.Run(sam, chromedp.Evaluate[string](`document.querySelector("`+findings+`").tagName`)); err != nil || tag != "TEXTAREA" {
		t.Fatalf("the findings are typed in a %q, want a text area (%v)", tag, err)
	}
	do(t, sam, "the letter's words",
		chromedp.SetValue(chromedp.CSS(labelled(t, sam, "Received date")), "3 March 2026"),
		chromedp.SetValue(chromedp.CSS(findings), "The collection crew missed your road on three Mondays.\n\nThe round has been changed so it cannot happen again."),
		chromedp.SetValue(chromedp.CSS(labelled(t, sam, "Actions")), "We will collect your garden waste this Friday."),
		chromedp.SetValue(chromedp.CSS(labelled(t, sam, "Officer")), "Sam Okafor"))
	j.check(t, sam, "send: a letter")
	submitAndWait(t, sam, `main form[method=post]`, `button[name=send]`)
	if s := text(t, sam, "main"); !strings.Contains(s, "Large print") || !strings.Contains(s, "14 Orchard Way") ||
		!strings.Contains(s, "The round has been changed so it cannot happen again.") || !strings.Contains(s, "Our response to your complaint "+ref) {
		t.Fatalf("check your message (letter): %q", s)
	}
	j.check(t, sam, "check your message: a letter")
	clickAndWait(t, sam, `button[name=send]`, "#messages")

	// The letter's page links to the PDF once delivery has printed it
	// (the demo's letters go to the log): wait for the server's workers.
	clickAndWait(t, sam, messageLink(t, sam, "Our response to your complaint "+ref), "main h1")
	page := location(t, sam)
	deadline := time.Now().Add(60 * time.Second)
	for countOf(t, sam, `main a[href$="/letter.pdf"]`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the letter's page has no PDF: %q", text(t, sam, "main"))
		}
		open(t, sam, page)
	}
	if s := text(t, sam, "main"); !strings.Contains(s, "Large print") || !strings.Contains(s, "The letter as posted (PDF") {
		t.Fatalf("the letter's page: %q", s)
	}
	j.check(t, sam, "the letter's page")
	pdf := attr(t, sam, `main a[href$="/letter.pdf"]`, "href")
	code, body := getWithToken(t, r.url+pdf, r.token(t, "caseworker", "read"))
	if code != 200 || !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("the letter's PDF: %d %q", code, body[:min(len(body), 40)])
	}
	if code, _ := getWithToken(t, r.url+pdf, r.token(t, "staff", "read")); code != 403 {
		t.Fatalf("staff of Finance read the letter's PDF: %d", code)
	}

	// A text message instead: it needs a reason.
	open(t, sam, send)
	do(t, sam, "by text message", chromedp.Click(chromedp.CSS(`input[name=channel][value=sms]`)))
	submitAndWait(t, sam, `main form`, "#template")
	chooseOption(t, sam, "#template", "Complaint received (text)")
	submitAndWait(t, sam, `main form`, "#reason")
	// The send page fills in what the case knows; "callback" is only a
	// condition in the template, so it is a yes-or-no choice.
	if v := value(t, sam, labelled(t, sam, "Reference")); v != ref {
		t.Fatalf("the reference is not filled in: %q", v)
	}
	do(t, sam, "his mobile, and no call first", chromedp.SetValue(chromedp.CSS("#to"), "07700 900123"),
		chromedp.Click(chromedp.CSS(choice(t, sam, "Callback", "no"))))
	due := labelled(t, sam, "Due date")
	do(t, sam, "the due date cleared", chromedp.Clear(chromedp.CSS(due)))
	if j.js {
		// The count follows what is typed.
		do(t, sam, "the due date", chromedp.SendKeys(chromedp.CSS(due), "Friday 20 March"))
		if _, err := chromedp.Run(sam, chromedp.Poll[bool](`(() => { const s = document.querySelector("[data-sms-text]").textContent;
			const w = document.querySelector("[data-sms-words]").textContent;
			return s.includes("reply by Friday 20 March") && w.includes("sent as 1 text message") && !w.includes("due date") })()`,
			chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("the count does not follow what is typed: %v (%q)", err, text(t, sam, "[data-dbtp-sms-count]"))
		}
	} else {
		do(t, sam, "the due date", chromedp.SetValue(chromedp.CSS(due), "Friday 20 March"))
		if s := text(t, sam, "[data-sms-words]"); !strings.Contains(s, "text message") {
			t.Fatalf("no count beside the text message: %q", s)
		}
	}
	j.check(t, sam, "send: a text message")
	submitRefused(t, sam, `main form[method=post]`)
	if s := text(t, sam, ".govuk-error-summary"); !strings.Contains(s, "Say why this goes by text message when they prefer letters") {
		t.Fatalf("no reason asked: %q", s)
	}
	do(t, sam, "why a text", chromedp.SetValue(chromedp.CSS("#reason"), "He asked on the phone for a text while the letter is in the post."))
	submitAndWait(t, sam, `main form[method=post]`, `button[name=send]`)
	if s := text(t, sam, "main"); !strings.Contains(s, "He asked on the phone for a text") || !strings.Contains(s, "reply by Friday 20 March") ||
		!strings.Contains(s, "sent as 1 text message") {
		t.Fatalf("check your message (text): %q", s)
	}
	j.check(t, sam, "check your message: a text message")
	clickAndWait(t, sam, `button[name=send]`, "#messages")

	// Chris reads what the council sent him on his request page.
	chris := j.as(t, "resident@kent.example")
	open(t, chris, r.url+"/services/requests/"+ref)
	s := text(t, chris, "main")
	for _, want := range []string{"What we have sent you", "Our response to your complaint " + ref, "Letter", "Dear Chris Walker",
		"Text message", "reply by Friday 20 March"} {
		if !strings.Contains(s, want) {
			t.Fatalf("Chris's request page lacks %q: %q", want, s)
		}
	}
	if strings.Contains(s, "He asked on the phone") {
		// Why the council chose a channel is its own note.
		t.Fatalf("Chris's request page shows the reason for the channel: %q", s)
	}
	j.check(t, chris, "the resident's request with the council's messages")
	// Each opens whole on a page of its own; the letter as its PDF.
	clickAndWait(t, chris, `#sent ~ ul a[href^="/post/sent/"]`, "main h1")
	if s := text(t, chris, "main"); !strings.Contains(s, "reply by Friday 20 March") || !strings.Contains(s, "Text message we sent you") {
		t.Fatalf("Chris's text message: %q", s)
	}
	j.check(t, chris, "a message sent to the resident")
	open(t, chris, r.url+"/services/requests/"+ref)
	letterPage, err := chromedp.Run(chris, chromedp.Evaluate[string](`(Array.from(document.querySelectorAll("#sent ~ ul a[href^='/post/sent/']")).find(a => a.textContent.includes("Our response")) || {}).getAttribute?.("href") || ""`))
	if err != nil || letterPage == "" {
		t.Fatalf("no link to the letter on Chris's request page: %v", err)
	}
	open(t, chris, r.url+letterPage)
	if countOf(t, chris, `main a[href$="/letter.pdf"]`) != 1 {
		t.Fatalf("Chris's letter has no PDF: %q", text(t, chris, "main"))
	}
	j.check(t, chris, "a letter sent to the resident")
	if code, _ := getWithToken(t, r.url+letterPage, r.token(t, "caseworker", "read")); code != 404 {
		t.Fatalf("staff open the resident's page of his letter: %d", code)
	}
}

// choice is a selector for the radio of value in the fieldset whose
// legend reads legend.
func choice(t *testing.T, ctx context.Context, legend, value string) string {
	t.Helper()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const f = Array.from(document.querySelectorAll("main fieldset")).find(f => f.querySelector("legend")?.textContent.trim() === %q);
			const i = f && f.querySelector("input[type=radio][value=" + %q + "]"); return i ? i.id : "" })()`, legend, value)))
	if err != nil || id == "" {
		t.Fatalf("no choice %q of %q: %v", value, legend, err)
	}
	return "#" + id
}
