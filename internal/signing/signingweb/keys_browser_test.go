package signingweb

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store/storetest"
)

// TestKeysBrowserAccessible loads the verification page (empty, with a
// report, with an error) and the administrators' signing-keys page in
// Chromium under the real Content-Security-Policy and checks each with
// axe-core (WCAG 2.2 AA), then at 320 px, where nothing may scroll
// sideways. The upload is an ordinary form post: no JavaScript needed.
func TestKeysBrowserAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newEnv(t, storetest.Open(t, storetest.Engines[0], testMods))
	_, err := e.m.Store().CreateDemoCA(e.ctx, e.subject("Alex"), "Northshire Council")
	noErr(t, err)
	sealed, err := e.sealWithKey(signingtest.Contract(t, 1))
	noErr(t, err)
	file := signingtest.WriteTemp(t, "sealed contract.pdf", sealed)
	session := e.adminSession("Alex")

	ctx := browsertest.New(t, true)
	check := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		browsertest.CheckAccessible(t, ctx, what)
	}
	narrow := func(what string) {
		t.Helper()
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || width > 320 {
			t.Errorf("%s at 320 px is %d px wide (%v)", what, width, err)
		}
	}
	verifyReport := []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.srv.URL + "/verification"), chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
		chromedp.Click(chromedp.CSS(`main form button.govuk-button`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-panel`))}
	for _, width := range []int64{0, 320} {
		if width > 0 {
			if err := chromedp.Do(ctx, browsertest.Viewport(width, 800)); err != nil {
				t.Fatal(err)
			}
		}
		check("/verification", chromedp.Navigate(e.srv.URL+"/verification"))
		if width > 0 {
			narrow("/verification")
		}
		check("/verification with a report", verifyReport...)
		if width > 0 {
			narrow("/verification with a report")
		}
		check("/verification with an error", chromedp.Navigate(e.srv.URL+"/verification"), chromedp.Click(chromedp.CSS(`main form button.govuk-button`)),
			chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
		check("/signing-keys", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "dbtp_session", Value: session, URL: e.srv.URL})
			return err
		}), chromedp.Navigate(e.srv.URL+"/signing-keys"), chromedp.WaitVisible(chromedp.CSS(`.govuk-summary-list`)))
		if width > 0 {
			narrow("/signing-keys")
		}
		check("/signing-keys with an error", chromedp.Click(chromedp.CSS(`form[action="/signing-keys/import"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
		if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
			return err
		})); err != nil {
			t.Fatal(err)
		}
	}
}
