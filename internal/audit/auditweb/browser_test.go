package auditweb

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"dbtp/internal/audit"
	"dbtp/internal/browsertest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserViewer loads the viewer, its error state and an entry in
// Chromium under the real CSP: axe-core must find no WCAG 2.2 AA
// violation and the browser no CSP violation. With scripts off the same
// journey works: filtering is a plain GET form and links.
func TestBrowserViewer(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	e.seed()
	admin := e.signIn(e.orgA, e.adminA)
	bob := e.entries(e.orgA.ID, audit.Filter{ActorID: "usr_bob", Action: "case.update"})[0]

	for _, js := range []bool{true, false} {
		ctx := browsertest.New(t, js)
		setup := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`,
			}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "dbtp_session", Value: admin, URL: e.base})
			return err
		})
		check := func(what string) {
			t.Helper()
			if !js {
				// axe-core cannot finish with scripts disabled in the
				// page; the markup is the same either way.
				return
			}
			v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
			if err != nil || len(v) > 0 {
				t.Errorf("%s: CSP violations %v (%v)", what, v, err)
			}
			browsertest.CheckAccessible(t, ctx, what)
		}
		if err := chromedp.Do(ctx, setup, chromedp.Navigate(e.base+"/audit")); err != nil {
			t.Fatal(err)
		}
		check("viewer")

		// Type an impossible date and apply the filters.
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS(`#action`), "case.update"),
			chromedp.SendKeys(chromedp.CSS(`#from`), "31"),
			chromedp.SendKeys(chromedp.CSS(`#from-month`), "2"),
			chromedp.SendKeys(chromedp.CSS(`#from-year`), "2025"),
			chromedp.Click(chromedp.CSS(`form button.govuk-button`)),
			chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)),
		); err != nil {
			t.Fatal(err)
		}
		check("viewer with a date error")
		kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#action`)))
		if kept != "case.update" {
			t.Errorf("action filter lost after the error: %q", kept)
		}

		// An actor's name filters by them.
		if err := chromedp.Do(ctx, chromedp.Navigate(e.base+"/audit"),
			chromedp.Click(chromedp.CSS(`a[href="/audit?actor=usr_bob"]`)),
			chromedp.WaitVisible(chromedp.CSS(`input#actor[value="usr_bob"]`)),
		); err != nil {
			t.Fatal(err)
		}
		check("viewer filtered by a person")

		if err := chromedp.Do(ctx, chromedp.Navigate(e.base+"/audit/"+strconv.FormatInt(bob.Index, 10))); err != nil {
			t.Fatal(err)
		}
		check("entry")
		text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
		if !strings.Contains(text, "Proof checks") {
			t.Errorf("entry page without a checked proof: %q", text)
		}
	}
}
