package portal

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

// TestBrowserComplaint: a resident completes the complaint in Chromium,
// with JavaScript and without, and every page of the journey (including
// one showing errors) is axe-core clean against WCAG 2.2 AA.
func TestBrowserComplaint(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
			ctx := browsertest.New(t, js)
			res, err := e.id.SignIn(e.ctx, "northshire", e.users["Rita"].Email, password, "127.0.0.1")
			noErr(t, err)
			run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: e.srv.Srv.Config().SessionCookie, Value: res.Token, URL: e.srv.URL})
				return err
			}))
			base := e.srv.URL
			check := func(what string) {
				t.Helper()
				// axe-core is itself JavaScript and cannot run with scripts
				// off; the markup is the same, and is checked in the run
				// with scripts on.
				if js {
					browsertest.CheckAccessible(t, ctx, what)
				}
			}
			// next clicks the page's main button and waits to arrive at path.
			next := func(sel, path string) {
				t.Helper()
				run(t, ctx, chromedp.Click(chromedp.CSS(sel)))
				waitPath(t, ctx, path)
			}
			const cont = `main form button[type=submit]:not([name=action])`

			run(t, ctx, chromedp.Navigate(base+"/services"))
			check("services")
			next(`a[href="/services/complaints/start"]`, "/services/complaints/start")
			check("start")
			next(`a.govuk-button--start`, "/services/complaints/pages/name")
			check("name")
			// Her name and address come from her account; she may change them.
			value := func(sel string) string {
				t.Helper()
				v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
				noErr(t, err)
				return v
			}
			if got := value(`#name`); got != "Rita Resident" {
				t.Fatalf("name filled in as %q, want her account's name", got)
			}
			run(t, ctx, chromedp.Clear(chromedp.CSS(`#name`)))
			run(t, ctx, chromedp.Click(chromedp.CSS(cont)), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
			check("name with errors")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#name`), "Rita Resident"))
			next(cont, "/services/complaints/pages/contact")
			check("contact")
			if got := value(`#email`); got != e.users["Rita"].Email {
				t.Fatalf("email filled in as %q, want %q", got, e.users["Rita"].Email)
			}
			next(cont, "/services/complaints/pages/address")
			check("address")
			next(cont, "/services/complaints/pages/service-area")
			check("service area")
			run(t, ctx, chromedp.Click(chromedp.CSS(`#service_area`)))
			next(cont, "/services/complaints/pages/details")
			check("details")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#details`), "The library closed early twice this week."))
			next(cont, "/services/complaints/pages/evidence")
			check("evidence")
			photo := filepath.Join(t.TempDir(), "opening-hours.png")
			noErr(t, os.WriteFile(photo, tinyPNG, 0o600))
			run(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`#evidence`), []string{photo}))
			next(cont, "/services/complaints/pages/complained-before")
			check("complained before")
			run(t, ctx, chromedp.Click(chromedp.CSS(`#complained_before`)))
			next(cont, "/services/complaints/pages/previous-complaint")
			check("previous complaint")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#previous_reference`), "COMP-2025-000009"))
			next(cont, "/services/complaints/pages/desired-outcome")
			check("desired outcome")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#desired_outcome`), "Keep to the opening hours"))
			next(cont, "/services/complaints/check-answers")
			check("check answers")
			if answers, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`))); err != nil || !strings.Contains(answers, "opening-hours.png") {
				t.Fatalf("check answers do not name the evidence file (%v): %s", err, answers)
			}
			next(`main form button[type=submit]`, "/services/complaints/confirmation/")
			check("confirmation")
			ref, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#reference`)))
			noErr(t, err)
			if !referencePattern.MatchString(ref) {
				t.Fatalf("reference %q", ref)
			}
			next(`main a[href="/services/requests/`+ref+`"]`, "/services/requests/"+ref)
			check("track")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#text`), "Thank you"))
			// The reply comes back to the same address, so wait for its banner.
			run(t, ctx, chromedp.Click(chromedp.CSS(`main form[action$="/messages"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner--success`)))
			check("track after reply")
			run(t, ctx, chromedp.Navigate(base+"/services/requests"))
			check("requests")

			// The council answers at stage 1; Rita reads the response on her
			// request page, then asks for a stage 2 review, giving her reason.
			e.sendStage1(ref, "We are sorry. The library will keep to its hours from Monday.")
			run(t, ctx, chromedp.Navigate(base+"/services/requests/"+ref))
			check("track with response")
			page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
			noErr(t, err)
			for _, want := range []string{"Our response", "The library will keep to its hours from Monday.", "Partly upheld", "Stage 1 response sent"} {
				if !strings.Contains(page, want) {
					t.Fatalf("request page lacks %q:\n%s", want, page)
				}
			}
			next(`main a[href$="/move/escalate_stage2"]`, "/services/requests/"+ref+"/move/escalate_stage2")
			check("confirm stage 2")
			run(t, ctx, chromedp.Click(chromedp.CSS(cont)), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
			check("confirm stage 2 with errors")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#reason`), "It closed early again on Tuesday."))
			run(t, ctx, chromedp.Click(chromedp.CSS(cont)), chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner--success`)))
			page, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
			noErr(t, err)
			for _, want := range []string{"Stage 2: review", "It closed early again on Tuesday."} {
				if !strings.Contains(page, want) {
					t.Fatalf("after asking for stage 2 the page lacks %q:\n%s", want, page)
				}
			}
		})
	}
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// waitPath waits until the browser has navigated to a path starting with
// prefix and the page has loaded.
func waitPath(t *testing.T, ctx context.Context, prefix string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		state, err2 := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
		if err == nil && err2 == nil {
			if i := strings.Index(loc, "//"); i >= 0 {
				if j := strings.Index(loc[i+2:], "/"); j >= 0 && strings.HasPrefix(loc[i+2+j:], prefix) && state == "complete" {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("did not reach %s (at %s)", prefix, loc)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
