package console

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserAccessible opens the console's pages in Chromium under the
// real CSP and checks each with axe-core against WCAG 2.2 AA, including a
// transition form showing its errors.
func TestBrowserAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	c := e.complaint("Bins")
	_, err := e.svc.Transition(e.ctx, e.mona, c.ID, "acknowledge", c.Version, nil)
	noErr(t, err)
	e.complaint("Potholes")

	ctx := browsertest.New(t, true)
	signIn := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: e.srv.Srv.Config().SessionCookie, Value: "session-admin", URL: e.srv.URL})
		return err
	})
	if err := chromedp.Do(ctx, signIn); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/cases", "/cases?sla=breached", "/cases/" + c.ID, "/cases/" + c.ID + "/transitions/resolve",
		"/dashboards", "/services/admin", "/services/admin/complaints"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		browsertest.CheckAccessible(t, ctx, p)
	}
	path := "/cases/" + c.ID + "/transitions/resolve"
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+path), chromedp.Click(chromedp.CSS(`main form button.govuk-button`)),
		chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`))); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	browsertest.CheckAccessible(t, ctx, path+" with errors")
}
