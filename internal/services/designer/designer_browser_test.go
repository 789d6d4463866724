package designer

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserDesignThenUse: in Chromium, with JavaScript and without, a
// designer builds a service in the designer (new service, details, a
// choice question with branching), tries its branching in the preview,
// and publishes it; a resident then completes the new service in the
// portal, in the same test. Every designer page on the way, one with
// errors among them, is axe-core clean against WCAG 2.2 AA.
func TestBrowserDesignThenUse(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) { designThenUse(t, js) })
	}
}

func designThenUse(t *testing.T, js bool) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	ctx := browsertest.New(t, js)
	base := e.srv.URL
	signIn := func(name string) {
		t.Helper()
		token := e.session(name)
		run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: e.srv.Srv.Config().SessionCookie, Value: token, URL: e.srv.URL})
			return err
		}))
	}
	check := func(what string) {
		t.Helper()
		// axe-core is itself JavaScript; the markup is the same without
		// it, and is checked in the run with scripts on.
		if js {
			browsertest.CheckAccessible(t, ctx, what)
		}
	}
	visit := func(path, what string) {
		t.Helper()
		run(t, ctx, chromedp.Navigate(base+path))
		waitPath(t, ctx, path)
		check(what)
	}
	// submit clicks a form's button and waits to arrive at path.
	submit := func(sel, path string) {
		t.Helper()
		run(t, ctx, chromedp.Click(chromedp.CSS(sel)))
		waitPath(t, ctx, path)
	}
	typeIn := func(sel, text string) {
		t.Helper()
		run(t, ctx, chromedp.SendKeys(chromedp.CSS(sel), text)) // into an empty box
	}
	const save = `main form[method=post] button[type=submit]:not(.govuk-button--warning)`
	const d = "/designer/report-pothole"

	signIn("Dee")
	visit("/designer", "designer")
	run(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/designer"] button`)), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
	check("designer with errors")
	typeIn(`#title`, "Report a pothole")
	typeIn(`#id`, "report-pothole")
	submit(`form[action="/designer"] button`, d)
	check("draft")

	visit(d+"/details", "details")
	typeIn(`#reference_prefix`, "POT")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#owner_unit`), "Customer Services"))
	submit(save, d)

	visit(d+"/new-field", "choose the kind of answer")
	run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=type][value=choice]`)))
	run(t, ctx, chromedp.Click(chromedp.CSS(`main form[method=get] button`)), chromedp.WaitVisible(chromedp.CSS(`#options`)))
	check("new question")
	if js {
		// With scripts on, the checks follow the kind of answer at once.
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
			var kind = document.getElementById("type");
			kind.value = "number"; kind.dispatchEvent(new Event("change"));
			var number = document.getElementById("min").offsetParent !== null && document.getElementById("options").offsetParent === null;
			kind.value = "choice"; kind.dispatchEvent(new Event("change"));
			return number && document.getElementById("options").offsetParent !== null;
		})()`))
		noErr(t, err)
		if !shown {
			t.Fatal("changing the kind of answer did not show its checks")
		}
	}
	typeIn(`#label`, "How deep is it?")
	typeIn(`#id`, "depth")
	run(t, ctx, chromedp.Click(chromedp.CSS(`#required`)))
	typeIn(`#options`, "shallow | Less than 5cm\ndeep | 5cm or more")
	submit(save, d)
	check("draft with a question")

	// Deep holes end at once; shallow ones too, but by a rule of their own,
	// so the preview shows a branch being followed.
	visit(d+"/pages/depth", "page")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#rule0_test`), "equals"),
		chromedp.SetValue(chromedp.CSS(`#rule0_field`), "depth"))
	typeIn(`#rule0_value`, "deep")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`#rule0_goto`), "check-answers"))
	// The page is saved back to itself: wait for the message that says so.
	run(t, ctx, chromedp.Click(chromedp.CSS(save)), chromedp.WaitVisible(chromedp.CSS(`.govuk-notification-banner--success`)))

	visit(d+"/preview/details", "preview")
	typeIn(`#details`, "Outside number 12")
	submit(`main form[method=get] button`, d+"/preview/depth")
	check("preview, second page")
	run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=depth][value=deep]`)),
		chromedp.Click(chromedp.CSS(`main form[method=get] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.govuk-panel--confirmation`)))
	check("preview, end of the questions")

	visit(d+"/new-state", "new state")
	visit(d+"/states/submitted", "state")
	visit(d+"/new-transition", "new transition")
	visit(d+"/transitions/close", "transition")
	visit(d+"/yaml", "yaml")
	visit(d+"/publish", "publish")
	submit(`main form[method=post] button`, d+"/versions/1")
	check("published version")

	// A resident uses what was just designed.
	signIn("Rita")
	run(t, ctx, chromedp.Navigate(base+"/services/report-pothole/start"))
	waitPath(t, ctx, "/services/report-pothole/start")
	submit(`a.govuk-button--start`, "/services/report-pothole/pages/details")
	const cont = `main form button[type=submit]:not([name=action])`
	typeIn(`#details`, "Outside number 12, by the bus stop")
	submit(cont, "/services/report-pothole/pages/depth")
	run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=depth][value=shallow]`)))
	submit(cont, "/services/report-pothole/check-answers")
	run(t, ctx, chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	waitPrefix(t, ctx, "/services/report-pothole/confirmation/")
	ref, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#reference`)))
	noErr(t, err)
	if !regexp.MustCompile(`^POT-\d{4}-\d{6}$`).MatchString(ref) {
		t.Fatalf("reference %q", ref)
	}
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// waitPath waits until the browser shows exactly path (the query and the
// fragment aside) and the page has loaded.
func waitPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	waitFor(t, ctx, path, func(p string) bool { return p == path })
}

func waitPrefix(t *testing.T, ctx context.Context, prefix string) {
	t.Helper()
	waitFor(t, ctx, prefix, func(p string) bool { return strings.HasPrefix(p, prefix) })
}

func waitFor(t *testing.T, ctx context.Context, want string, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		state, err2 := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
		if err == nil && err2 == nil && state == "complete" {
			if u, perr := url.Parse(loc); perr == nil && ok(u.Path) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("did not reach %s (at %s)", want, loc)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
