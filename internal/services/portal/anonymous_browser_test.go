package portal

import (
	"testing"

	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserAnonymousComplaint: someone without an account confirms their
// email address with the emailed code and completes the complaint in
// Chromium, with JavaScript and without; every page of it, including those
// showing errors, is axe-core clean against WCAG 2.2 AA.
func TestBrowserAnonymousComplaint(t *testing.T) {
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
			base := e.srv.URL
			check := func(what string) {
				t.Helper()
				if js { // axe-core needs scripts; the markup is the same without
					browsertest.CheckAccessible(t, ctx, what)
				}
			}
			next := func(sel, path string) {
				t.Helper()
				run(t, ctx, chromedp.Click(chromedp.CSS(sel)))
				waitPath(t, ctx, path)
			}
			const cont = `main form button[type=submit]:not([name=action])`
			errors := func(what string) {
				t.Helper()
				run(t, ctx, chromedp.Click(chromedp.CSS(cont)), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
				check(what)
			}

			run(t, ctx, chromedp.Navigate(base+"/services"))
			check("services signed out")
			next(`a[href="/services/complaints/start"]`, "/services/complaints/start")
			check("start signed out")
			next(`a.govuk-button--start`, "/services/complaints/anonymous/email")
			check("email")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#email`), "pat@"))
			errors("email with errors")
			run(t, ctx, chromedp.Clear(chromedp.CSS(`#email`)), chromedp.SendKeys(chromedp.CSS(`#email`), "pat@example.com"))
			next(cont, "/services/complaints/anonymous/code")
			check("code")
			code := e.codeSentTo("pat@example.com")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#code`), otherCode(code)))
			errors("code with errors")
			run(t, ctx, chromedp.Clear(chromedp.CSS(`#code`)), chromedp.SendKeys(chromedp.CSS(`#code`), code))
			next(cont, "/services/complaints/pages/name")
			check("name")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#name`), "Pat Public"))
			next(cont, "/services/complaints/pages/contact")
			// The address Pat proved is filled in.
			if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#email`))); err != nil || got != "pat@example.com" {
				t.Fatalf("email filled in as %q (%v)", got, err)
			}
			next(cont, "/services/complaints/pages/address")
			next(cont, "/services/complaints/pages/service-area")
			run(t, ctx, chromedp.Click(chromedp.CSS(`#service_area`)))
			next(cont, "/services/complaints/pages/details")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#details`), "The bins on Elm Road were not collected."))
			next(cont, "/services/complaints/pages/evidence")
			next(cont, "/services/complaints/pages/complained-before")
			run(t, ctx, chromedp.Click(chromedp.CSS(`#complained_before-2`)))
			next(cont, "/services/complaints/pages/desired-outcome")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#desired_outcome`), "Collect them"))
			next(cont, "/services/complaints/check-answers")
			check("check answers")
			next(`main form button[type=submit]`, "/services/complaints/anonymous/confirmation")
			check("confirmation")
			ref, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#reference`)))
			noErr(t, err)
			c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
			noErr(t, err)
			if c.ApplicantEmail != "pat@example.com" || c.ApplicantID != "" {
				t.Fatalf("case %s: email %q applicant %q", ref, c.ApplicantEmail, c.ApplicantID)
			}

			// Track it with a fresh code.
			run(t, ctx, chromedp.Navigate(base+"/services/track"))
			check("track")
			errors("track with errors")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#reference`), ref), chromedp.SendKeys(chromedp.CSS(`#email`), "pat@example.com"))
			next(cont, "/services/track/code")
			check("track code")
			run(t, ctx, chromedp.SendKeys(chromedp.CSS(`#code`), e.codeSentTo("pat@example.com")))
			next(cont, "/services/track/"+ref)
			check("tracked request")
		})
	}
}
