package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
)

// TestBrowserFrontDeskCaller: Jo Baker, on the front desk (staff, Finance),
// helps a caller who has no account: finds nobody at their postcode,
// records them, is stopped from recording them twice, and makes their
// complaint, which the Customer Services caseworker then finds in the
// queue. JavaScript on and off; every page axe-clean and 320 px wide.
func TestBrowserFrontDeskCaller(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			r := startDemo(t, t.TempDir())
			check := func(ctx context.Context, page string) {
				t.Helper()
				if js {
					browsertest.CheckAccessible(t, ctx, page)
				}
				fits(t, ctx, page)
			}
			const next = `main form button[type=submit]:not([name=action]):not([name=lookup])`
			jo := browsertest.New(t, js)
			signIn(t, jo, r.url, r.login(t, "staff"), "main h1")
			open(t, jo, r.url+"/services/assist?postcode=CT1+2EH")
			check(jo, "assist search")
			if s := text(t, jo, "main"); !strings.Contains(s, "No residents match") {
				t.Fatalf("search for an unknown caller: %s", s)
			}
			submitButton(t, jo, `main a[href="/services/assist/new"]`, "#name")
			check(jo, "record a caller")
			do(t, jo, "caller", chromedp.SendKeys(chromedp.CSS(`#name`), "Margaret Hughes"),
				chromedp.SendKeys(chromedp.CSS(`#phone`), "01227 862000"), chromedp.SendKeys(chromedp.CSS(`#postcode`), "CT1 2EH"),
				chromedp.SendKeys(chromedp.CSS(`#birth_date`), "14 6 1948"), chromedp.Click(chromedp.CSS(`#channel-2`)))
			submitAndWait(t, jo, `main form button[type=submit]`, "#acting-for")
			check(jo, "acting for the caller")
			if s := text(t, jo, "main"); !strings.Contains(s, "Recorded Margaret Hughes") || !strings.Contains(s, "by phone") {
				t.Fatalf("after recording: %s", s)
			}
			caller := location(t, jo)

			// The same person again is offered, not recorded twice.
			open(t, jo, r.url+"/services/assist/new")
			do(t, jo, "again", chromedp.SendKeys(chromedp.CSS(`#name`), "margaret hughes"),
				chromedp.SendKeys(chromedp.CSS(`#postcode`), "ct12eh"), chromedp.Click(chromedp.CSS(`#channel-3`)))
			submitButton(t, jo, `main form button[type=submit]`, "#same") // a 409 page: offered, not recorded
			check(jo, "possible duplicate")
			submitButton(t, jo, `main a[href="`+strings.TrimPrefix(caller, r.url)+`"]`, "#acting-for")

			// The complaint, filled in for her.
			submitButton(t, jo, `main a[href$="/complaints/start"]`, "#acting-for")
			submitButton(t, jo, `a.govuk-button--start`, "#name")
			if v := value(t, jo, `#name`); v != "Margaret Hughes" {
				t.Fatalf("name filled in as %q", v)
			}
			submitAndWait(t, jo, next, "#email")
			if v := value(t, jo, `#phone`); v != "01227862000" {
				t.Fatalf("phone filled in as %q", v)
			}
			submitAndWait(t, jo, next, "main h1")
			submitButton(t, jo, `#address-manual-link`, "#address-line1")
			do(t, jo, "address",
				chromedp.SendKeys(chromedp.CSS(`#address-line1`), "3 Palace Street"), chromedp.SendKeys(chromedp.CSS(`#address-town`), "Canterbury"),
				chromedp.SendKeys(chromedp.CSS(`#address-postcode`), "CT1 2EH"))
			submitAndWait(t, jo, next, "#service_area")
			do(t, jo, "area", chromedp.Click(chromedp.CSS(`#service_area`)))
			submitAndWait(t, jo, next, "#details")
			do(t, jo, "details", chromedp.SendKeys(chromedp.CSS(`#details`), "Her carer's visits were cancelled twice without notice."))
			submitAndWait(t, jo, next, "#evidence")
			submitAndWait(t, jo, next, "#complained_before")
			do(t, jo, "before", chromedp.Click(chromedp.CSS(`#complained_before-2`)))
			submitAndWait(t, jo, next, "#desired_outcome")
			do(t, jo, "outcome", chromedp.SendKeys(chromedp.CSS(`#desired_outcome`), "Visits on the days agreed."))
			submitAndWait(t, jo, next, "main h1")
			check(jo, "check answers for the caller")
			submitAndWait(t, jo, `main form button[type=submit]`, "#reference")
			check(jo, "submitted for the caller")
			ref := text(t, jo, "#reference")
			if s := text(t, jo, "main"); !strings.Contains(s, "Submitted for Margaret Hughes") || !strings.Contains(s, "cannot track it online") {
				t.Fatalf("confirmation: %s", s)
			}

			// Customer Services has it.
			staff := browsertest.New(t, true)
			signIn(t, staff, r.url, r.login(t, "caseworker"), "main h1")
			open(t, staff, r.url+"/cases?q="+ref)
			if s := text(t, staff, "main table"); !strings.Contains(s, ref) || !strings.Contains(s, "Margaret Hughes") {
				t.Fatalf("%s not in the caseworker's queue: %s", ref, s)
			}
		})
	}
}
