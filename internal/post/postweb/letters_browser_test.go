package postweb

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserPrefs: a resident sets her contact preferences in
// Chromium (one try with an error first), a caseworker sees them, and the
// unsubscribe pages work; every page is axe-core clean (WCAG 2.2 AA).
func TestBrowserPrefs(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	ctx := browsertest.New(t, true)
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(first string) {
		t.Helper()
		res, err := e.id.SignIn(e.ctx, "northshire", e.users[first].Email, password, "127.0.0.1")
		noErr(t, err)
		do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: e.srv.Srv.Config().SessionCookie, Value: res.Token, URL: e.srv.URL})
			return err
		}))
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		noErr(t, err)
		return s
	}
	signIn("Rita")
	do(chromedp.Navigate(e.srv.URL + "/post/preferences"))
	browsertest.CheckAccessible(t, ctx, "preferences")
	do(chromedp.Click(chromedp.CSS(`input[name=channel][value=letter]`)), chromedp.Click(chromedp.CSS(`input[name=format]`)),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
	browsertest.CheckAccessible(t, ctx, "preferences with an error")
	do(chromedp.SendKeys(chromedp.CSS(`#address`), "Rita Test\n12 Mill Lane\nNorthtown\nNS2 3BB"),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner`)))
	browsertest.CheckAccessible(t, ctx, "preferences saved")
	if p, _ := e.m.Store().PreferencesOf(e.ctx, e.org.ID, e.users["Rita"].ID); p.Channel != "letter" || !p.LargePrint() || p.Address[3] != "NS2 3BB" {
		t.Fatalf("saved %+v", p)
	}

	signIn("Cas")
	do(chromedp.Navigate(e.srv.URL + "/post/people?q=rita"))
	browsertest.CheckAccessible(t, ctx, "find a person")
	do(chromedp.Click(chromedp.CSS(`a[href="/post/people/`+e.users["Rita"].ID+`/preferences"]`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-summary-list`)))
	browsertest.CheckAccessible(t, ctx, "staff view")
	if s := text(); !strings.Contains(s, "Large print") || !strings.Contains(s, "Record a change") {
		t.Fatalf("staff view:\n%s", s)
	}

	link, err := e.m.UnsubscribeURL(e.ctx, e.org.ID, e.users["Rita"].ID)
	noErr(t, err)
	do(chromedp.Navigate(strings.Replace(link, "http://dbtp.test", e.srv.URL, 1)))
	browsertest.CheckAccessible(t, ctx, "unsubscribe")
	do(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-panel`)))
	browsertest.CheckAccessible(t, ctx, "unsubscribed")
	do(chromedp.Navigate(e.srv.URL + "/post/unsubscribe/not.valid"))
	browsertest.CheckAccessible(t, ctx, "a bad unsubscribe link")
	if s := text(); !strings.Contains(s, "not valid") {
		t.Fatalf("bad link page:\n%s", s)
	}
}
