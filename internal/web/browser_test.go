package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
)

// TestBrowserLayout loads the layout and components in Chromium under the
// real CSP: the scripts and the brand style must run (proving the nonces and
// external init script work), and axe-core must find no WCAG 2.2 AA
// violation on a form, its error state, an error page and the signed-in
// header.
func TestBrowserLayout(t *testing.T) {
	ts := startServer(t, Config{ServiceName: "Staff services", BrandColour: "#005a30"})
	ctx := browsertest.New(t, true)
	// Record CSP violations from the first moment of every document; the
	// recorder is injected through DevTools, which the CSP does not govern.
	recordViolations := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`,
		})
		return err
	})
	if err := chromedp.Do(ctx, recordViolations, chromedp.Navigate(ts.base+"/demo")); err != nil {
		t.Fatal(err)
	}
	checkCSP := func(where string) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
		if err != nil || len(v) > 0 {
			t.Errorf("%s: CSP violations %v (%v)", where, v, err)
		}
	}
	checkCSP("form")
	classes, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.className`))
	if err != nil || !strings.Contains(classes, "govuk-frontend-supported") || !strings.Contains(classes, "js-enabled") {
		t.Errorf("GOV.UK Frontend did not initialise under the CSP: body class %q, %v", classes, err)
	}
	// GOV.UK Frontend's scripts read its breakpoints from the stylesheet's
	// :root; a byte order mark before that rule once made the browser drop
	// it, and the menu never folded on a phone.
	tablet, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).getPropertyValue("--govuk-breakpoint-tablet")`))
	if err != nil || strings.TrimSpace(tablet) == "" {
		t.Errorf("the stylesheet's :root breakpoints are missing (%q, %v)", tablet, err)
	}
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".govuk-header")).backgroundColor`))
	if err != nil || bg != "rgb(0, 90, 48)" {
		t.Errorf("brand colour not applied: header background %q, %v", bg, err)
	}
	browsertest.CheckAccessible(t, ctx, "form")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button.govuk-button`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`))); err != nil {
		t.Fatal(err)
	}
	// GOV.UK Frontend moves focus to the error summary.
	focused, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement.classList.contains("govuk-error-summary")`))
	if !focused {
		t.Error("error summary not focused after a failed submission")
	}
	checkCSP("form with errors")
	browsertest.CheckAccessible(t, ctx, "form with errors")

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.base+"/no/such/page")); err != nil {
		t.Fatal(err)
	}
	browsertest.CheckAccessible(t, ctx, "404 page")

	signIn := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "dbtp_session", Value: "good-session", URL: ts.base})
		return err
	})
	if err := chromedp.Do(ctx, signIn, chromedp.Navigate(ts.base+"/demo")); err != nil {
		t.Fatal(err)
	}
	checkCSP("signed-in page")
	browsertest.CheckAccessible(t, ctx, "signed-in page")
	// Signing out is a CSRF-protected POST from the header.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.dbtp-header__button`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner--success`))); err != nil {
		t.Fatalf("sign-out form did not get through: %v", err)
	}
	header, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.govuk-header`)))
	if !strings.Contains(header, "Sign in") {
		t.Errorf("still signed in after signing out: %q", header)
	}
}

// TestBrowserWithoutJavaScript submits a form with scripts off: the
// post-redirect-get round trip and the flash banner must still work.
func TestBrowserWithoutJavaScript(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := browsertest.New(t, false)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.base+"/demo"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Grace Hopper"),
		chromedp.Click(chromedp.CSS(`button.govuk-button`)),
		chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner--success`)),
	); err != nil {
		t.Fatal(err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".govuk-notification-banner").innerText`))
	if !strings.Contains(text, "Saved Grace Hopper") {
		t.Errorf("banner %q", text)
	}
	// axe-core itself needs JavaScript; this markup was checked with
	// scripts on in TestBrowserLayout.
}

// A table's scrolling region is a Tab stop only while it scrolls: the
// question page's two-column table fits a desktop window, so its region
// is no stop there; a cell too wide for a 320 px window makes it scroll,
// and the stop comes back (keyboard users must reach it to scroll). Without
// JavaScript the server's tabindex stays, as TestConfirmPage shows.
func TestBrowserTableRegionIsATabStopOnlyWhenItScrolls(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := browsertest.New(t, true)
	tabindex := func(where string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(document.querySelector(".dbtp-table-wrap").getAttribute("tabindex"))`))
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		return v
	}
	if err := chromedp.Do(ctx, browsertest.Viewport(1280, 900), chromedp.Navigate(ts.base+"/confirm"),
		chromedp.WaitVisible(chromedp.CSS(`.dbtp-table-wrap`))); err != nil {
		t.Fatal(err)
	}
	if got := tabindex("1280 px"); got != "null" {
		t.Errorf("at 1280 px the table fits, yet its region is a Tab stop (tabindex %s)", got)
	}
	// A reference with no place to break, as a long file name would be.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".dbtp-table-wrap td").textContent = "X".repeat(120); true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, browsertest.Viewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	// The window's resize event comes on a later frame: wait for it.
	_, _ = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector(".dbtp-table-wrap").getAttribute("tabindex") === "0"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if got := tabindex("320 px"); got != "0" {
		t.Errorf("at 320 px the table scrolls, yet its region is no Tab stop (tabindex %s)", got)
	}
	browsertest.CheckAccessible(t, ctx, "question page at 320 px")
}
