package signingweb

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/identity"
	"dbtp/internal/signing"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserCeremony: in Chromium at 320 px, an outside signer asks for
// a code, gets one wrong, enters it, fails to sign once, signs; a staff
// member declines; every page is axe-core clean (WCAG 2.2 AA) and nothing
// scrolls sideways. Scripts are on because axe-core needs them; the pages
// have none of their own (plain forms: TestCeremonyPages drives them
// without any).
func TestBrowserCeremony(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	c := newCeremonyEnv(t, storetest.Open(t, store.SQLite, testMods))
	id, _ := c.insertCeremonyTestEnvelope("Supply contract CT-2026-017",
		cerWebRecipient{step: 1, role: signing.RoleSigner, name: "Sam Supplier", email: "sam@acme.example", mayReassign: true, fields: []signing.Field{
			{Kind: signing.FieldSignature, Page: 2, X: 72, Y: 90, Width: 200, Height: 50, Required: true},
			{Kind: signing.FieldText, Page: 2, X: 300, Y: 90, Width: 150, Height: 20, Required: true, Label: "Company number"},
			{Kind: signing.FieldCheckbox, Page: 2, X: 300, Y: 120, Width: 12, Height: 12, Required: true, Label: "I have read the schedules"}}},
		cerWebRecipient{step: 2, role: signing.RoleSigner, user: "Cara"})
	link := c.srv.URL + c.last("sam@acme.example", cerLinkRE)
	ctx := browsertest.New(t, true)
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	check := func(page string) {
		t.Helper()
		browsertest.CheckAccessible(t, ctx, page)
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || w > 320 {
			t.Errorf("%s at 320 px is %d px wide (%v)", page, w, err)
		}
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		noErr(t, err)
		return s
	}
	submit := func(form string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`form[action$="?do=` + form + `"] button[type=submit]`))
	}
	do(browsertest.Viewport(320, 800))

	do(chromedp.Navigate(link))
	check("the link")
	do(submit("code"), chromedp.WaitVisible(chromedp.CSS(`#code`)))
	check("enter the code")
	do(chromedp.SendKeys(chromedp.CSS(`#code`), "12"), submit("verify"), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
	check("a wrong code")
	do(chromedp.SetValue(chromedp.CSS(`#code`), c.last("sam@acme.example", cerCodeRE)), submit("verify"), chromedp.WaitVisible(chromedp.CSS(`#typed`)))
	check("the document to sign")
	do(submit("sign"), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
	check("signing with errors")
	if s := text(); !strings.Contains(s, "Confirm that you agree") || !strings.Contains(s, "Tick") {
		t.Fatalf("errors shown:\n%s", s)
	}
	// The drawing area, border and all, stays inside the text column.
	over, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.getElementById("drawn").getBoundingClientRect().right - document.getElementById("draw-area").getBoundingClientRect().right`))
	if err != nil || over > 0 {
		t.Errorf("the drawing area stands %.0f px past the column (%v)", over, err)
	}
	// Draw a stroke on the canvas (scripts on), as a finger would.
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const c = document.getElementById("drawn"); c.scrollIntoView(); const r = c.getBoundingClientRect(); return [r.left, r.top]; })()`))
	noErr(t, err)
	do(chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, box[0]+20, box[1]+50, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+80, box[1]+30, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+160, box[1]+70, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, box[0]+160, box[1]+70, chromedp.ButtonLeft))
	do(chromedp.SendKeys(chromedp.CSS(`#typed`), "Sam Supplier"), chromedp.SendKeys(chromedp.CSS(`input[name^="field-"][type=text]`), "01234567"),
		chromedp.Click(chromedp.CSS(`input[name^="field-"][type=checkbox]`)), chromedp.Click(chromedp.CSS(`#consent`)),
		submit("sign"), chromedp.WaitVisible(chromedp.CSS(`.govuk-panel`)))
	check("signed")
	var kind string
	noErr(t, c.db.QueryRow(c.ctx, "SELECT signature_kind FROM signing_recipients WHERE email = ?", "sam@acme.example").Scan(&kind))
	if kind != "drawn" {
		t.Fatalf("the drawn signature was kept as %q", kind)
	}
	do(chromedp.Navigate(link))
	check("a used link")
	if s := text(); !strings.Contains(s, "This link does not work") || strings.Contains(s, "CT-2026") {
		t.Fatalf("a used link shows:\n%s", s)
	}

	res, err := c.id.SignIn(c.ctx, "northshire", c.users["Cara"].Email, password, "127.0.0.1")
	noErr(t, err)
	if res.State != identity.StateSignedIn {
		t.Fatalf("sign-in: %s", res.State)
	}
	do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: c.srv.Srv.Config().SessionCookie, Value: res.Token, URL: c.srv.URL})
		return err
	}))
	do(chromedp.Navigate(c.srv.URL + "/envelopes/to-sign"))
	check("staff tasks")
	do(chromedp.Click(chromedp.CSS(`a[href="/envelopes/`+id+`/sign"]`)), chromedp.WaitVisible(chromedp.CSS(`#typed`)))
	check("staff sign")
	do(chromedp.Click(chromedp.CSS(`a[href$="?page=decline"]`)), chromedp.WaitVisible(chromedp.CSS(`#reason`)))
	check("decline")
	do(submit("decline"), chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`)))
	check("decline with an error")
	do(chromedp.SendKeys(chromedp.CSS(`#reason`), "The schedules are out of date"), submit("decline"), chromedp.WaitVisible(chromedp.CSS(`.govuk-panel`)))
	check("declined")
}
