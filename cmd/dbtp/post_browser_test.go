package main

import (
	"context"
	"dbtp/internal/browsertest"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPostTemplateToCase walks digital post's journey on the demo
// in Chromium, with JavaScript on and off, as the people who do it: Lee
// Carter, designer in Customer Services, makes an email template with a
// placeholder and previews it with sample data; Sam Okafor, caseworker in
// Customer Services, sends it from a complaint's case page, filling the
// placeholder and checking the message before sending it, and sees it on
// the case, delivered, with a link to its page. Then Sam answers Chris
// Walker's complaint by large-print letter, the way Chris prefers, and by
// text message, saying why (postLetterToResident), and Chris reads both
// on his request page. Every page is axe-clean (with scripts on) and fits
// a 320 px screen.
func TestBrowserPostTemplateToCase(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			r := startDemo(t, t.TempDir())
			j := &journey{t: t, r: r, js: js}
			t.Run("template to case", j.postTemplateToCase)
			t.Run("letter to a resident", j.postLetterToResident)
		})
	}
}

func (j *journey) postTemplateToCase(t *testing.T) {
	r := j.r
	lee := j.as(t, "designer@kent.example")
	open(t, lee, r.url+"/post")
	j.check(t, lee, "post home")
	open(t, lee, r.url+"/post/templates/new")
	j.check(t, lee, "make a template")
	// Nothing filled in: every problem is named, nothing is made.
	submitRefused(t, lee, `main form`)
	if s := text(t, lee, ".govuk-error-summary"); !strings.Contains(s, "name") {
		t.Fatalf("error summary: %q", s)
	}
	j.check(t, lee, "make a template: errors")
	chooseOption(t, lee, "#service", "Kent County Council")
	do(t, lee, "an email, named and worded",
		chromedp.Click(chromedp.CSS(`input[name=kind][value=email]`)),
		chromedp.SetValue(chromedp.CSS("#name"), "Missed bin apology"),
		chromedp.SetValue(chromedp.CSS("#subject"), "Sorry about your bin, ((name))"),
		chromedp.SetValue(chromedp.CSS("#body"), "Dear ((name)),\n\nWe are sorry we missed your bin on ((day)). The crew will come back tomorrow.\n\n* Leave it out by 7am\n* Call us if it is missed again\n\nCustomer Services"))
	submitAndWait(t, lee, `main form`, "main h1")
	if h := text(t, lee, "main h1"); h != "Missed bin apology" {
		t.Fatalf("after making the template: %q (%s)", h, text(t, lee, "main"))
	}
	j.check(t, lee, "the template")
	do(t, lee, "preview", chromedp.Click(chromedp.CSS(`main a[href$="/preview"]`)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	do(t, lee, "sample data", chromedp.SetValue(chromedp.CSS(`input[name="p.name"], input[id$="name"]`), "Amina Ahmed"))
	submitAndWait(t, lee, `main form`, "main h1")
	if s := text(t, lee, "main"); !strings.Contains(s, "Sorry about your bin, Amina Ahmed") || !strings.Contains(s, "Dear Amina Ahmed") ||
		!strings.Contains(s, "((day))") {
		t.Fatalf("preview with sample data: %q", s)
	}
	j.check(t, lee, "the preview")

	// Sam sends it from an open complaint of Customer Services.
	var caseID, ref string
	if err := r.app.db.QueryRow(context.Background(), `SELECT c.id, c.reference FROM cases c WHERE c.service_id = 'complaints' AND c.state_terminal = 0
		AND c.unit_id IN (SELECT id FROM business_units WHERE name = 'Customer Services') ORDER BY c.submitted_at LIMIT 1`).Scan(&caseID, &ref); err != nil {
		t.Fatalf("no open complaint in the demo: %v", err)
	}
	sam := j.as(t, "caseworker@kent.example")
	open(t, sam, r.url+"/cases/"+caseID)
	do(t, sam, "send a message from the case", chromedp.Click(chromedp.CSS(`main a[href^="/post/send?case="]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=channel]`)))
	j.check(t, sam, "send: how to send it")
	do(t, sam, "by email", chromedp.Click(chromedp.CSS(`input[name=channel][value=email]`)))
	submitAndWait(t, sam, `main form`, "#template")
	j.check(t, sam, "send: which template")
	chooseOption(t, sam, "#template", "Missed bin apology")
	submitAndWait(t, sam, `main form`, "#to")
	if s := text(t, sam, "main"); !strings.Contains(s, "Missed bin apology") || !strings.Contains(s, ref) {
		t.Fatalf("send page: %q", s)
	}
	if v := value(t, sam, "#to"); v == "" {
		// A complaint made by phone has no email: Sam types it.
		do(t, sam, "email address", chromedp.SetValue(chromedp.CSS("#to"), "amina.ahmed@example.org"))
	} else if !strings.Contains(v, "@") {
		t.Fatalf("the applicant's email is filled in wrong: %q", v)
	}
	reason := countOf(t, sam, "#reason") > 0 // they prefer another channel
	if reason {
		do(t, sam, "why email", chromedp.SetValue(chromedp.CSS("#reason"), "An apology is quicker by email; a letter follows."))
	}
	j.check(t, sam, "send: the message")
	// Without the day, the form says which placeholder is missing.
	do(t, sam, "name only", chromedp.SetValue(chromedp.CSS(labelled(t, sam, "Name")), "Amina Ahmed"))
	submitRefused(t, sam, `main form[method=post]`)
	if s := text(t, sam, ".govuk-error-summary"); !strings.Contains(strings.ToLower(s), "day") {
		t.Fatalf("missing placeholder not named: %q", s)
	}
	j.check(t, sam, "send: errors")
	do(t, sam, "the day", chromedp.SetValue(chromedp.CSS(labelled(t, sam, "Day")), "Tuesday"))
	// Continue: the message as it will be sent, nothing sent yet.
	submitAndWait(t, sam, `main form[method=post]`, "main h1")
	if h, s := text(t, sam, "main h1"), text(t, sam, "main"); h != "Check your message" || !strings.Contains(s, "Sorry about your bin, Amina Ahmed") ||
		!strings.Contains(s, "We are sorry we missed your bin on Tuesday.") || !strings.Contains(s, "Leave it out by 7am") {
		t.Fatalf("check your message: %q %q", h, s)
	}
	j.check(t, sam, "send: check your message")
	// Change goes back with everything kept; Continue, then Send.
	clickAndWait(t, sam, `button[name=change]`, "#to")
	if v := value(t, sam, labelled(t, sam, "Day")); v != "Tuesday" {
		t.Fatalf("after Change the day is %q", v)
	}
	submitAndWait(t, sam, `main form[method=post]`, `button[name=send]`)
	clickAndWait(t, sam, `button[name=send]`, "#messages")
	// The case lists the message; the server's job workers deliver it
	// (the demo prints email): wait for them, not for a time.
	deadline := time.Now().Add(60 * time.Second)
	for {
		open(t, sam, r.url+"/cases/"+caseID)
		s := text(t, sam, "main")
		if strings.Contains(s, "Sorry about your bin, Amina Ahmed") && strings.Contains(s, "Delivered") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the message is not delivered on the case page: %q", s)
		}
	}
	j.check(t, sam, "the case with its message")
	statusSeenNarrow(t, sam, "#messages ~ div table", "the case's messages")
	open(t, sam, r.url+"/post/messages")
	statusSeenNarrow(t, sam, "main table", "messages sent")
	open(t, sam, r.url+"/cases/"+caseID)
	// The message links to its own page.
	clickAndWait(t, sam, messageLink(t, sam, "Sorry about your bin, Amina Ahmed"), "main h1")
	if s := text(t, sam, "main"); !strings.Contains(s, "We are sorry we missed your bin on Tuesday.") || !strings.Contains(s, ref) ||
		reason && !strings.Contains(s, "An apology is quicker by email") {
		t.Fatalf("the message's page: %q", s)
	}
	j.check(t, sam, "the message's page")
}

// clickAndWait clicks a button or link that loads a page, waits for that
// page, and then for next to be visible there.
func clickAndWait(t *testing.T, ctx context.Context, sel, next string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	if resp.Status >= 400 {
		t.Fatalf("click %s: status %d at %s", sel, resp.Status, resp.URL)
	}
	do(t, ctx, "wait for "+next, chromedp.WaitVisible(chromedp.CSS(next)))
}

// messageLink is a selector for the case page's link to the message
// whose text starts with subject.
func messageLink(t *testing.T, ctx context.Context, subject string) string {
	t.Helper()
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(Array.from(document.querySelectorAll("#messages ~ div a[href^='/post/messages/']")).find(a => a.textContent.trim().startsWith(%q)) || {}).getAttribute?.("href") || ""`, subject)))
	if err != nil || href == "" {
		t.Fatalf("no link to the message %q on the case page: %v", subject, err)
	}
	return fmt.Sprintf(`a[href=%q]`, href)
}

// labelled is a selector for the input whose label reads label.
func labelled(t *testing.T, ctx context.Context, label string) string {
	t.Helper()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(Array.from(document.querySelectorAll("main label")).find(l => l.textContent.trim() === %q) || {}).htmlFor || ""`, label)))
	if err != nil || id == "" {
		t.Fatalf("no field labelled %q: %v", label, err)
	}
	return "#" + id
}

// statusSeenNarrow checks that at 320 px the first row's last column (its
// status) of the table sel is on the screen, inside its box, without
// scrolling sideways: the table stacks its rows on a narrow screen.
func statusSeenNarrow(t *testing.T, ctx context.Context, sel, page string) {
	t.Helper()
	do(t, ctx, "narrow", browsertest.Viewport(320, 800))
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const table = document.querySelector(%q); if (!table) return "no table";
		const cell = table.querySelector("tbody tr td:last-child"); if (!cell) return "no row";
		const c = cell.getBoundingClientRect(), box = (table.closest(".dbtp-table-wrap") || table).getBoundingClientRect();
		if (c.width <= 0 || c.height <= 0) return "the status has no size";
		if (c.left < Math.max(0, box.left) - 1 || c.right > Math.min(window.innerWidth, box.right) + 1) return "the status is off the screen: " + c.left + "-" + c.right;
		return "" })()`, sel)))
	do(t, ctx, "wide", browsertest.Viewport(1280, 900))
	if err != nil || seen != "" {
		t.Fatalf("%s at 320 px: %s %v", page, seen, err)
	}
}
