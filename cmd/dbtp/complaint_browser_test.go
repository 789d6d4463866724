package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/browsertest"

	"github.com/chromedp/chromedp"
)

var complaintRef = regexp.MustCompile(`^COMP-\d{4}-\d{6}$`)

// The journey on the fully wired platform: a resident makes a
// complaint through the portal (with JavaScript and without), a caseworker
// takes it through stage 1 to resolved in the console, and the resident sees
// the outcome. Every page is checked with axe-core when scripts run.
func TestBrowserComplaintAcrossRoles(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			r := startDemo(t, t.TempDir())
			check := func(ctx context.Context, page string) {
				t.Helper()
				if js { // axe needs scripts; without them the markup is the same
					browsertest.CheckAccessible(t, ctx, page)
				}
			}
			resident := browsertest.New(t, js)
			signIn(t, resident, r.url, r.login(t, "resident"), "main h1")
			const next = `main form button[type=submit]:not([name=action])`
			answer := func(sel, text, page string) {
				t.Helper()
				switch sel {
				case "":
				case "#name", "#email":
					// Filled in from the account: replace them.
					do(t, resident, "answer "+page, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
				default:
					do(t, resident, "answer "+page, chromedp.SendKeys(chromedp.CSS(sel), text))
				}
				submitAndWait(t, resident, next, "main h1")
				check(resident, page)
			}
			open(t, resident, r.url+"/services/complaints/start")
			check(resident, "start")
			open(t, resident, r.url+"/services/complaints/pages/name")
			check(resident, "name")
			answer("#name", "Chris Walker", "name")
			answer("#email", "chris.walker@example.org", "contact")
			answer("", "", "address")
			do(t, resident, "service area", chromedp.Click(chromedp.CSS(`#service_area`)))
			answer("", "", "service area")
			answer("#details", "The bus stop timetable at Week Street, Maidstone has been missing for a month.", "details")
			answer("", "", "evidence")
			do(t, resident, "not before", chromedp.Click(chromedp.CSS(`#complained_before-2`)))
			answer("", "", "complained before")
			answer("#desired_outcome", "Replace the timetable.", "desired outcome")
			if !strings.HasSuffix(location(t, resident), "/services/complaints/check-answers") {
				t.Fatalf("after the questions the resident is at %s", location(t, resident))
			}
			submitAndWait(t, resident, `main form button[type=submit]`, "#reference")
			check(resident, "confirmation")
			ref := text(t, resident, "#reference")
			if !complaintRef.MatchString(ref) {
				t.Fatalf("reference %q", ref)
			}

			// The caseworker in Customer Services finds it in the queue.
			staff := browsertest.New(t, true)
			signIn(t, staff, r.url, r.login(t, "caseworker"), "main h1")
			open(t, staff, r.url+"/cases?q="+ref)
			check(staff, "queue")
			attr, err := chromedp.Run(staff, chromedp.AttributeValue(chromedp.CSS("main table a[href^='/cases/']"), "href"))
			if err != nil || attr.Value == "" {
				t.Fatalf("%s not in the caseworker's queue: %v", ref, err)
			}
			casePage := r.url + attr.Value
			open(t, staff, casePage)
			if h := text(t, staff, "main h1"); h != ref {
				t.Fatalf("the queue's first match for %s opened %s", ref, h)
			}
			check(staff, "case")
			submitAndWait(t, staff, "form[action$='/transitions/acknowledge'] button", "main h1")
			open(t, staff, casePage+"/transitions/send_stage1_response")
			check(staff, "stage 1 response form")
			do(t, staff, "respond",
				chromedp.SendKeys(chromedp.CSS("#stage1_response"), "We have replaced the timetable and checked the other stops on Week Street."),
				chromedp.Click(chromedp.CSS("#outcome")))
			submitAndWait(t, staff, "main form button[type=submit]", "main h1")
			open(t, staff, casePage)
			if _, err := chromedp.Run(staff, chromedp.AttributeValue(chromedp.CSS("form[action$='/transitions/resolve'] button, a[href$='/transitions/resolve']"), "class")); err != nil {
				t.Fatalf("no resolve action after the stage 1 response: %v", err)
			}
			open(t, staff, casePage+"/transitions/resolve")
			submitAndWait(t, staff, "main form button[type=submit]", "main h1")
			open(t, staff, casePage)
			if s := text(t, staff, "main .govuk-tag"); !strings.Contains(s, "Resolved") {
				t.Fatalf("case state after resolving: %q", s)
			}

			// The resident sees the outcome.
			open(t, resident, r.url+"/services/requests/"+ref)
			check(resident, "track")
			page := text(t, resident, "main")
			if !strings.Contains(page, "Resolved") || !strings.Contains(page, "replaced the timetable") {
				t.Fatalf("the resident's page does not show the outcome:\n%s", page)
			}
		})
	}
}
