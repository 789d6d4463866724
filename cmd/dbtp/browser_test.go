package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"dbtp/internal/browsertest"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"

	"github.com/chromedp/chromedp"
)

// open navigates and fails on a non-200 answer.
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("open %s: status %d", url, resp.Status)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// submitAndWait submits the form holding sel, waits for the page it leads
// to, and then for next to be visible there.
func submitAndWait(t *testing.T, ctx context.Context, sel, next string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
	if resp.Status >= 400 {
		t.Fatalf("submit %s: status %d at %s", sel, resp.Status, resp.URL)
	}
	do(t, ctx, "wait for "+next, chromedp.WaitVisible(chromedp.CSS(next)))
}

// signIn fills the real sign-in form.
func signIn(t *testing.T, ctx context.Context, base string, l demoLogin, next string) {
	t.Helper()
	open(t, ctx, base+"/sign-in")
	do(t, ctx, "sign in",
		chromedp.SetValue(chromedp.CSS("#org"), l.Org),
		chromedp.SendKeys(chromedp.CSS("#email"), l.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), l.Password),
	)
	submitAndWait(t, ctx, "#password", next)
}

// An admin signs in with a password, sets up TOTP, and then every page of
// the shell opens and is free of WCAG 2.2 AA violations.
func TestBrowserShellWithTOTPIsAccessible(t *testing.T) {
	ctx := browsertest.New(t, true)
	r := startDemo(t, t.TempDir(), "--webhook-private-networks") // the test's receiver is on loopback
	admin := r.login(t, "admin")

	for _, p := range []string{"/", "/services"} {
		open(t, ctx, r.url+p)
		browsertest.CheckAccessible(t, ctx, p+" signed out")
	}
	open(t, ctx, r.url+"/sign-in")
	browsertest.CheckAccessible(t, ctx, "sign in")

	// Keyboard first: the first Tab reaches the skip link.
	do(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if got := text(t, ctx, ":focus"); !strings.Contains(got, "Skip to main content") {
		t.Errorf("first Tab focused %q, want the skip link", got)
	}

	signIn(t, ctx, r.url, admin, ".dbtp-secret")
	if !strings.HasSuffix(location(t, ctx), "/sign-in/totp/setup") {
		t.Fatalf("admin without TOTP landed on %s", location(t, ctx))
	}
	browsertest.CheckAccessible(t, ctx, "TOTP setup")
	secret := text(t, ctx, ".dbtp-secret")
	do(t, ctx, "type code", chromedp.SendKeys(chromedp.CSS("#code"), totp(t, secret, time.Now())))
	submitAndWait(t, ctx, "#code", "main h1")
	if h := text(t, ctx, "main h1"); !strings.Contains(h, "Hello") {
		t.Fatalf("after TOTP setup the page says %q", h)
	}

	pages := []string{"/", "/account", "/users", "/users/new", "/business-units", "/tokens", "/tokens/new",
		"/organisations", "/audit", "/accessibility", "/cases", "/dashboards", "/dashboards?service=risk-register", "/services/admin",
		"/admin/jobs", "/admin/jobs?state=failed", "/admin/webhooks", "/administration", "/timelines/technology-roadmap", "/registers/key-decisions"}
	for _, p := range pages {
		open(t, ctx, r.url+p)
		browsertest.CheckAccessible(t, ctx, p)
	}
	// Administration is one menu item leading to its pages.
	open(t, ctx, r.url+"/administration")
	if list := text(t, ctx, "#group-links"); !strings.Contains(list, "Users") || !strings.Contains(list, "Audit log") || !strings.Contains(list, "Webhooks") {
		t.Fatalf("the administration page lists %q", list)
	}
	// Detail pages reached by following links, as a person would.
	for _, link := range []struct{ list, sel string }{{"/users", "main table a[href^='/users/usr_']"}, {"/audit", "main table a[href^='/audit/']"}, {"/cases", "main table a[href^='/cases/']"}} {
		open(t, ctx, r.url+link.list)
		attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(link.sel), "href"))
		href := attr.Value
		if err != nil || href == "" {
			t.Fatalf("no link %s on %s: %v", link.sel, link.list, err)
		}
		open(t, ctx, r.url+href)
		browsertest.CheckAccessible(t, ctx, href)
	}

	adminConnectsAWebhook(t, ctx, r)

	// A second sign-in now asks for the code.
	submitAndWait(t, ctx, "form[action='/sign-out'] button", "main h1")
	signIn(t, ctx, r.url, admin, "#code")
	browsertest.CheckAccessible(t, ctx, "TOTP entry")
}

// The shell works with JavaScript turned off: sign in, look around, sign out.
func TestBrowserShellWithoutJavaScript(t *testing.T) {
	ctx := browsertest.New(t, false)
	r := startDemo(t, t.TempDir())
	staff := r.login(t, "staff")
	signIn(t, ctx, r.url, staff, "main h1")
	if h := text(t, ctx, "main h1"); !strings.Contains(h, "Hello") {
		t.Fatalf("staff sign-in without JavaScript shows %q", h)
	}
	js, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains("js-enabled")`))
	if err != nil || js {
		t.Fatalf("scripts ran (js-enabled=%v, %v)", js, err)
	}
	for _, p := range []string{"/account", "/tokens"} {
		open(t, ctx, r.url+p)
	}
	submitAndWait(t, ctx, "form[action='/sign-out'] button", "main h1")
	open(t, ctx, r.url+"/account")
	if !strings.Contains(location(t, ctx), "/sign-in") {
		t.Fatalf("after sign-out /account went to %s, want the sign-in page", location(t, ctx))
	}
}

// adminConnectsAWebhook: the admin connects the council's CRM by webhook,
// copies the signing secret, and once a resident's complaint is submitted
// sees it delivered, signed, in the webhook's log.
func adminConnectsAWebhook(t *testing.T, ctx context.Context, r *running) {
	t.Helper()
	got := make(chan http.Header, 10)
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got <- req.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer crm.Close()
	open(t, ctx, r.url+"/admin/webhooks")
	if !strings.Contains(text(t, ctx, "main"), "You have no webhooks yet") {
		t.Fatalf("webhooks page before any: %q", text(t, ctx, "main"))
	}
	// A mistake first: the error summary says what to fix.
	do(t, ctx, "type url", chromedp.SendKeys(chromedp.CSS("#url"), "crm.kent.example/hook"))
	resp, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS("form[action='/admin/webhooks'] button")))
	if err != nil || resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad webhook address: %v, status %v", err, resp)
	}
	browsertest.CheckAccessible(t, ctx, "webhook error")
	if msg := text(t, ctx, ".govuk-error-summary"); !strings.Contains(msg, "starting with https://") {
		t.Fatalf("error summary %q", msg)
	}
	do(t, ctx, "retype url", chromedp.SetValue(chromedp.CSS("#url"), crm.URL+"/dbtp"), chromedp.SetValue(chromedp.CSS("#types"), "case.submitted"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Customer relationship system"))
	submitAndWait(t, ctx, "form[action='/admin/webhooks'] button", "#secret")
	browsertest.CheckAccessible(t, ctx, "webhook added")
	if secret := text(t, ctx, "#secret"); !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown as %q", secret)
	}
	// A resident submits a complaint through the API-free engine path the
	// portal uses; the event reaches the CRM through the jobs loop.
	org, err := r.app.identity.OrgBySlug(context.Background(), "kent")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.app.services().Submit(context.Background(), platform.System(org.ID), "complaints", definition.Answers{
		"name": "Chris Walker", "email": "resident@kent.example", "service_area": "waste", "details": "Missed bins again",
		"complained_before": "no", "desired_outcome": "Collect them"}, services.SubmitOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-got:
		if h.Get("webhook-id") == "" || !strings.HasPrefix(h.Get("webhook-signature"), "v1,") {
			t.Fatalf("delivery headers %v", h)
		}
	case <-time.After(90 * time.Second): // behind the demo's own background work (scans read, seals, email)
		t.Fatal("the webhook was not delivered within 90 s")
	}
	open(t, ctx, r.url+"/admin/webhooks")
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("main table a[href^='/admin/webhooks/whk_']"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	// The log row is written just after the receiver answers: reload until
	// it shows (bounded), as a person would.
	deadline := time.Now().Add(10 * time.Second)
	for {
		open(t, ctx, r.url+attr.Value)
		if strings.Contains(text(t, ctx, "main"), "Delivered") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery log: %q", text(t, ctx, "main"))
		}
	}
	browsertest.CheckAccessible(t, ctx, "webhook delivery log")
	if body := text(t, ctx, "main"); !strings.Contains(body, "case.submitted") || !strings.Contains(body, "Send again") {
		t.Fatalf("delivery log: %q", body)
	}
	// The admin pages reflow at 320 px: wide tables scroll in their own box.
	do(t, ctx, "narrow the window", browsertest.Viewport(320, 800))
	for _, p := range []string{"/admin/jobs", "/admin/webhooks", attr.Value} {
		open(t, ctx, r.url+p)
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || w > 320 {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".dbtp-table-wrap")].map(e => e.clientWidth + "/" + e.scrollWidth + " " + getComputedStyle(e).overflowX + " parent " + e.parentElement.className + " " + e.parentElement.clientWidth).join("; ") + " html " + document.documentElement.clientWidth + " body " + document.body.scrollWidth`))
			t.Errorf("%s at 320 px is %d px wide (%v): %s", p, w, err, wide)
		}
		browsertest.CheckAccessible(t, ctx, p+" at 320 px")
	}
	do(t, ctx, "widen the window", browsertest.Viewport(1280, 900))
}
