package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"dbtp/internal/browsertest"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserLookups walks the two lookups of issue 7 on the demo, with
// JavaScript on and off: a member of staff asks for equipment and chooses
// their line manager by typing a name, and a resident makes a complaint
// with the address found by postcode. Each asserts what the person then
// sees (the name, the address, never an ID), that the pages are axe-clean,
// and that they reflow at 320 px.
func TestBrowserLookups(t *testing.T) {
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
			const next = `main form button[type=submit]:not([name=action]):not([name=lookup])`

			// Jo Baker (staff, Finance) asks for a laptop; Priya Shah is
			// their line manager.
			staff := browsertest.New(t, js)
			signIn(t, staff, r.url, r.login(t, "staff"), "main h1")
			open(t, staff, r.url+"/services/equipment-collection/pages/items")
			do(t, staff, "items", chromedp.Click(chromedp.CSS(`#items`)))
			submitAndWait(t, staff, next, "#item_details")
			submitAndWait(t, staff, next, "#reason")
			do(t, staff, "reason", chromedp.SendKeys(chromedp.CSS(`#reason`), "A new starter in the team."))
			submitAndWait(t, staff, next, "#collection_site")
			day := time.Now().AddDate(0, 0, 14)
			do(t, staff, "collection",
				chromedp.Click(chromedp.CSS(`#collection_site`)),
				chromedp.SendKeys(chromedp.CSS(`#preferred_date-day`), fmt.Sprint(day.Day())),
				chromedp.SendKeys(chromedp.CSS(`#preferred_date-month`), fmt.Sprint(int(day.Month()))),
				chromedp.SendKeys(chromedp.CSS(`#preferred_date-year`), fmt.Sprint(day.Year())))
			submitAndWait(t, staff, next, "#line_manager-q")
			check(staff, "line manager")
			if js {
				// The combobox: type, arrow down to the first match, Enter.
				do(t, staff, "type a name", chromedp.SendKeys(chromedp.CSS(`#line_manager-q`), "Priya"),
					chromedp.WaitVisible(chromedp.CSS(`#line_manager-option-0`)))
				if got := attr(t, staff, `#line_manager-q`, "aria-expanded"); got != "true" {
					t.Fatalf("combobox aria-expanded = %q while the list shows", got)
				}
				do(t, staff, "choose by keyboard", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
				if v := value(t, staff, `#line_manager-q`); v != "Priya Shah" {
					t.Fatalf("after choosing, the box holds %q", v)
				}
				if v := value(t, staff, `input[type=hidden][name=line_manager]`); !strings.HasPrefix(v, "usr_") {
					t.Fatalf("the chosen person's ID is %q", v)
				}
				fits(t, staff, "line manager chosen")
				// axe with the list open: type again and wait for it.
				do(t, staff, "type again", chromedp.SendKeys(chromedp.CSS(`#line_manager-q`), kb.Backspace),
					chromedp.WaitVisible(chromedp.CSS(`#line_manager-option-0`)))
				check(staff, "line manager with matches listed")
				do(t, staff, "choose again", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
				if v := value(t, staff, `#line_manager-q`); v != "Priya Shah" {
					t.Fatalf("after choosing again, the box holds %q", v)
				}
			} else {
				// A search that finds no one says so.
				do(t, staff, "search for no one", chromedp.SendKeys(chromedp.CSS(`#line_manager-q`), "Nobody Here"))
				submitButton(t, staff, `button[name=lookup][value=line_manager]`, "#line_manager-none")
				if s := text(t, staff, "#line_manager-none"); s != `No one found for "Nobody Here"` {
					t.Fatalf("no match: %q", s)
				}
				do(t, staff, "search", chromedp.SetValue(chromedp.CSS(`#line_manager-q`), "Priya"))
				submitButton(t, staff, `button[name=lookup][value=line_manager]`, `input#line_manager[type=radio]`)
				if s := text(t, staff, `label[for=line_manager]`); s != "Priya Shah" {
					t.Fatalf("the first match is %q", s)
				}
				fits(t, staff, "line manager with matches listed")
				do(t, staff, "choose", chromedp.Click(chromedp.CSS(`input#line_manager[type=radio]`)))
			}
			submitAndWait(t, staff, next, "main h1")
			if !strings.HasSuffix(location(t, staff), "/check-answers") {
				t.Fatalf("after the line manager, staff are at %s", location(t, staff))
			}
			check(staff, "check answers")
			page := text(t, staff, "main")
			if !strings.Contains(page, "Priya Shah") || strings.Contains(page, "usr_") {
				t.Fatalf("check answers should name the line manager:\n%s", page)
			}
			submitAndWait(t, staff, `main form button[type=submit]`, "#reference")
			ref := text(t, staff, "#reference")

			// Stores see the name on the case page.
			stores := browsertest.New(t, true)
			signIn(t, stores, r.url, loginByEmail(t, r, "stores@kent.example"), "main h1")
			open(t, stores, r.url+"/cases?q="+ref)
			link := attr(t, stores, "main table a[href^='/cases/']", "href")
			open(t, stores, r.url+link)
			if page := text(t, stores, "main"); !strings.Contains(page, "Priya Shah") {
				t.Fatalf("the case page does not name the line manager:\n%s", page)
			}

			// Chris Walker complains, with the address found by postcode.
			res := browsertest.New(t, js)
			signIn(t, res, r.url, r.login(t, "resident"), "main h1")
			open(t, res, r.url+"/services/complaints/pages/name")
			// Name and email come filled in from the account: replace them.
			do(t, res, "name", chromedp.Clear(chromedp.CSS(`#name`)), chromedp.SendKeys(chromedp.CSS(`#name`), "Chris Walker"))
			submitAndWait(t, res, next, "#email")
			do(t, res, "email", chromedp.Clear(chromedp.CSS(`#email`)), chromedp.SendKeys(chromedp.CSS(`#email`), "chris.walker@example.org"))
			submitAndWait(t, res, next, "#address-lookup")
			check(res, "address: postcode")
			do(t, res, "bad postcode", chromedp.SendKeys(chromedp.CSS(`#address-lookup`), "ME14"))
			submitButton(t, res, `button[name=lookup][value=address]`, "#address-lookup-error")
			check(res, "address: postcode not valid")
			if s := text(t, res, "#address-lookup-error"); !strings.Contains(s, "Enter a real postcode") {
				t.Fatalf("bad postcode: %q", s)
			}
			do(t, res, "unknown postcode", chromedp.SetValue(chromedp.CSS(`#address-lookup`), "CT9 9ZZ"))
			submitButton(t, res, `button[name=lookup][value=address]`, "#address-none")
			if s := text(t, res, "#address-none"); !strings.Contains(s, "could not find an address for CT9 9ZZ") {
				t.Fatalf("unknown postcode: %q", s)
			}
			do(t, res, "postcode", chromedp.SetValue(chromedp.CSS(`#address-lookup`), "me14 1xq"))
			submitButton(t, res, `button[name=lookup][value=address]`, "#address-uprn")
			check(res, "address: choose")
			fits(t, res, "address: choose")
			do(t, res, "choose", chromedp.SetValue(chromedp.CSS(`#address-uprn`), "990000000001"))
			submitAndWait(t, res, next, "#service_area")
			do(t, res, "service area", chromedp.Click(chromedp.CSS(`#service_area`)))
			submitAndWait(t, res, next, "#details")
			do(t, res, "details", chromedp.SendKeys(chromedp.CSS(`#details`), "The lift at Sessions House has been broken for a week."))
			submitAndWait(t, res, next, "#evidence")
			submitAndWait(t, res, next, "#complained_before")
			do(t, res, "not before", chromedp.Click(chromedp.CSS(`#complained_before-2`)))
			submitAndWait(t, res, next, "#desired_outcome")
			do(t, res, "outcome", chromedp.SendKeys(chromedp.CSS(`#desired_outcome`), "Mend the lift."))
			submitAndWait(t, res, next, "main h1")
			check(res, "complaint: check answers")
			address := text(t, res, "#answer-address")
			for _, s := range []string{"Sessions House", "County Road", "Maidstone", "ME14 1XQ"} {
				if !strings.Contains(address, s) {
					t.Fatalf("check answers shows the address as %q, without %q", address, s)
				}
			}
			if strings.Contains(address, "990000000001") {
				t.Fatalf("check answers shows the UPRN: %q", address)
			}
			submitAndWait(t, res, `main form button[type=submit]`, "#reference")
		})
	}
}

// submitButton clicks a submit button (so its name and value are sent, as
// form.submit() would not) and waits for sel on the page that comes back,
// and for that page to settle, so that the next click is aimed at where
// things are once its scripts have run.
func submitButton(t *testing.T, ctx context.Context, button, sel string) {
	t.Helper()
	do(t, ctx, "click "+button, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS(sel)), browsertest.Settled())
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		t.Fatalf("%s of %s: %v", name, sel, err)
	}
	return v.Value
}

func value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// fits checks the page at 320 px wide scrolls only downwards (WCAG 2.2
// reflow), then puts the window back.
func fits(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	do(t, ctx, "narrow", browsertest.Viewport(320, 800))
	over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	do(t, ctx, "wide", browsertest.Viewport(1280, 900))
	if err != nil {
		t.Fatal(err)
	}
	if over > 0 {
		t.Errorf("%s: %d px wider than a 320 px screen", page, over)
	}
}

func loginByEmail(t *testing.T, r *running, email string) demoLogin {
	t.Helper()
	for _, l := range r.logins {
		if l.Email == email {
			return l
		}
	}
	t.Fatalf("no demo sign-in for %s", email)
	return demoLogin{}
}
