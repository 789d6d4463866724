package identityweb

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/platform"
)

// TestWebBrowserAccessible loads every identity page in Chromium under the
// real CSP and checks it with axe-core against WCAG 2.2 AA, including pages
// showing form errors.
func TestWebBrowserAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	w := sqliteWeb(t)
	unit, err := w.svc.CreateUnit(w.ctx, w.admin, "Finance")
	noErr(t, err)
	ctx := browsertest.New(t, true)
	visit := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(w.base+path)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		browsertest.CheckAccessible(t, ctx, path)
	}
	submit := func(path, button string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(w.base+path), chromedp.Click(chromedp.CSS(button)),
			chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`))); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		browsertest.CheckAccessible(t, ctx, path+" with errors")
	}
	visit("/sign-in")
	submit("/sign-in", `main button.govuk-button`)

	admin := w.sessionFor(t, "northshire", "admin@northshire.gov.uk", testPassword)
	if err := chromedp.Do(ctx, setSession(w, admin.session())); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/account", "/users", "/users/new", "/users/" + w.adminU.ID, "/business-units",
		"/business-units/" + unit.ID, "/business-units/" + unit.ID + "/delete", "/tokens", "/tokens/new", "/organisations",
		"/account/confirm?return=%2Fusers%2Fnew"} {
		visit(p)
	}
	submit("/users/new", `main form[action="/users/new"] button.govuk-button`)
	submit("/tokens/new", `main form[action="/tokens/new"] button.govuk-button`)
	submit("/business-units", `main form[action="/business-units"] button.govuk-button`)
	submit("/account/confirm", `main form[action="/account/confirm"] button.govuk-button`)

	// The second-factor pages, with pending sessions made by the service
	// (the admin has enrolled by now, so is asked for a code).
	w.mustUser(w.sys, "it@northshire.gov.uk", "Ian IT", []platform.Role{platform.RoleAdmin}, nil, testPassword)
	for _, c := range []struct{ email, page string }{{"it@northshire.gov.uk", "/sign-in/totp/setup"}, {"admin@northshire.gov.uk", "/sign-in/totp"}} {
		res, err := w.svc.SignIn(w.ctx, "northshire", c.email, testPassword, "127.0.0.1")
		noErr(t, err)
		if err := chromedp.Do(ctx, setSession(w, res.Token)); err != nil {
			t.Fatal(err)
		}
		visit(c.page)
		submit(c.page, `main button.govuk-button`)
	}
}

func setSession(w *webEnv, token string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "dbtp_session", Value: token, URL: w.base})
		return err
	})
}
