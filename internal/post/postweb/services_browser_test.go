package postweb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserServiceKeys: a manager makes an API key in Chromium, with
// JavaScript on and off. The form's post makes it and sends her to a page
// that shows the whole key once, full width and read-only; reloading it,
// or going back to the form and forward again, makes no second key and
// shows the key no more. At 320 px the keys' Revoke button is in view and
// works. Every page is axe-core clean (WCAG 2.2 AA).
func TestBrowserServiceKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "javascript", false: "no-javascript"}[js], func(t *testing.T) {
			e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
			ctx := browsertest.New(t, js)
			do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, actions...); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			eval := func(js string) bool {
				t.Helper()
				ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
				noErr(t, err)
				return ok
			}
			check := func(what string) {
				t.Helper()
				if js { // axe-core runs as a script
					browsertest.CheckAccessible(t, ctx, what)
				}
			}
			text := func() string {
				t.Helper()
				s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
				noErr(t, err)
				return s
			}
			keys := func() int {
				t.Helper()
				ks, err := e.m.Store().APIKeys(e.ctx, e.subject("Mia"), e.service.ID)
				noErr(t, err)
				return len(ks)
			}
			res, err := e.id.SignIn(e.ctx, "northshire", e.users["Mia"].Email, password, "127.0.0.1")
			noErr(t, err)
			do("sign in", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: e.srv.Srv.Config().SessionCookie, Value: res.Token, URL: e.srv.URL})
				return err
			}))
			page := e.srv.URL + "/post/services/" + e.service.ID
			do("the service", chromedp.Navigate(page))
			check("service")
			do("make a key", chromedp.SendKeys(chromedp.CSS(`#name`), "Case management"),
				chromedp.Click(chromedp.CSS(`form[action$="/keys"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#new-key`)))
			check("new key")
			whole, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("new-key").value`))
			noErr(t, err)
			if !strings.HasPrefix(whole, "case_management-"+e.service.ID+"-") || !strings.Contains(text(), "You will not see it again") {
				t.Fatalf("key page: %q\n%s", whole, text())
			}
			if !eval(`(() => { const k = document.getElementById("new-key"); return k.readOnly && k.offsetWidth >= k.parentElement.clientWidth - 1; })()`) {
				t.Fatal("the key is not shown full width and read-only")
			}
			// The Copy button is there, on the screen, only with javascript
			// (a hidden attribute alone does not hide a .govuk-button).
			if copyShown := eval(`[...document.querySelectorAll("main button")].some(b => b.textContent.includes("Copy the key") && b.offsetWidth > 0)`); copyShown != js {
				t.Fatalf("copy button shown %v with javascript %v", copyShown, js)
			}
			// At 320 px the whole key shows in its box: nothing scrolls out of it.
			do("narrow key", browsertest.Viewport(320, 800))
			if !eval(`(() => { const k = document.getElementById("new-key"); return k.scrollHeight <= k.clientHeight && k.scrollWidth <= k.clientWidth; })()`) {
				t.Fatal("at 320 px the key's box hides part of the key")
			}
			shot(t, ctx, "key-new-320-"+map[bool]string{true: "js", false: "nojs"}[js])
			do("wide again", browsertest.Viewport(1024, 800))
			do("reload", chromedp.Reload())
			if s := text(); !strings.Contains(s, "This key has been shown") || strings.Contains(s, whole) || keys() != 1 {
				t.Fatalf("after a reload, %d keys:\n%s", keys(), s)
			}
			check("key shown already")
			// The browser's own back and forward buttons: the form's post is
			// not in the history (the redirect replaced it), so going back
			// and forward again can only fetch pages.
			// A page the browser brings back from its back-forward cache
			// is not seen by chromedp's queries, so these steps ask the page
			// itself, until it is the one expected.
			until := func(what, cond string) {
				t.Helper()
				deadline := time.Now().Add(20 * time.Second)
				for !eval(cond) {
					if time.Now().After(deadline) {
						t.Fatalf("%s: not so after 20 s", what)
					}
					<-time.After(50 * time.Millisecond)
				}
			}
			do("back", chromedp.Evaluate[chromedp.Void](`history.back()`))
			until("back at the form", `location.pathname.endsWith("/`+e.service.ID+`") && document.readyState === "complete" && !!document.querySelector('form[action$="/keys"]')`)
			do("forward", chromedp.Evaluate[chromedp.Void](`history.forward()`))
			until("forward at the key's page", `location.pathname.endsWith("/new") && document.readyState === "complete" && !!document.querySelector("h1")`)
			after, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
			noErr(t, err)
			if !strings.Contains(after, "This key has been shown") || strings.Contains(after, whole) || keys() != 1 {
				t.Fatalf("back and forward, %d keys:\n%s", keys(), after)
			}

			// At 320 px the Revoke button is on the screen, and works.
			do("narrow", browsertest.Viewport(320, 800), chromedp.Navigate(page))
			check("service at 320 px")
			if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 320 {
				t.Fatalf("the service page at 320 px is %d px wide (%v)", w, err)
			}
			// Scrolled down to it, as a person would: the page, not a box within it.
			do("scroll down to it", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.querySelector('a[href$="/revoke"]').getBoundingClientRect().top + window.scrollY - 100)`))
			if !eval(`(() => { const r = document.querySelector('a[href$="/revoke"]').getBoundingClientRect();
				return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth && r.top >= 0 && r.bottom <= window.innerHeight; })()`) {
				t.Fatal("the Revoke button is out of view at 320 px")
			}
			shot(t, ctx, "service-320-"+map[bool]string{true: "js", false: "nojs"}[js])
			// Revoke asks first; No goes back with the key still live.
			do("revoke", chromedp.Click(chromedp.CSS(`a[href$="/revoke"]`)), chromedp.WaitVisible(chromedp.CSS(`main form[action$="/revoke"]`)))
			if s := text(); !strings.Contains(s, "Revoke the API key Case management?") || !strings.Contains(s, "cannot be undone") {
				t.Fatalf("revoking did not ask first:\n%s", s)
			}
			check("revoke: are you sure")
			shot(t, ctx, "revoke-confirm-320-"+map[bool]string{true: "js", false: "nojs"}[js])
			do("no, go back", chromedp.Click(chromedp.CSS(`main form[action$="/revoke"] a`)), chromedp.WaitVisible(chromedp.CSS(`a[href$="/revoke"]`)))
			do("revoke again", chromedp.Click(chromedp.CSS(`a[href$="/revoke"]`)), chromedp.WaitVisible(chromedp.CSS(`main form[action$="/revoke"]`)))
			do("yes, revoke", chromedp.Click(chromedp.CSS(`main form[action$="/revoke"] button`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner`)))
			if s := text(); !strings.Contains(s, "Revoked") {
				t.Fatalf("after revoking:\n%s", s)
			}
		})
	}
}

// shot saves a screenshot of the whole page as name.png in the folder
// DBTP_TEST_SHOTS names, for a person to look at; without it, nothing.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("DBTP_TEST_SHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	noErr(t, err)
	noErr(t, os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644))
}
