package postweb

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/identity"
	"dbtp/internal/post"
	"dbtp/internal/store/storetest"
)

// TestTemplatesBrowserAccessible loads the module's home and every
// template page in Chromium under the real Content-Security-Policy and
// checks each with axe-core (WCAG 2.2 AA), the form with its errors
// included, then again at 320 px, where nothing may scroll sideways but
// a table in its own box.
func TestTemplatesBrowserAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newEnv(t, storetest.Open(t, storetest.Engines[0], testMods))
	ps := e.m.Store()
	yes := true
	var ids []string
	for _, in := range []post.TemplateInput{
		{Kind: post.KindEmail, Name: "Complaint received", Subject: "We have your complaint ((reference))",
			Body: "# Thanks\n\nDear ((name)),\n\n* one\n* two\n\n^ Keep ((reference)).\n\n---\n\nSee https://kent.example/complaints", Statutory: &yes},
		{Kind: post.KindSMS, Name: "Reminder", Body: "Hi ((name)), see you on ((date))."},
		{Kind: post.KindLetter, Name: "Outcome", Subject: "Your outcome", Body: "Dear ((name))\n\n***\n\nPage two"},
	} {
		in.ServiceID = e.service.ID
		tp, err := ps.CreateTemplate(e.ctx, e.subject("Dee"), in)
		noErr(t, err)
		ids = append(ids, tp.ID)
	}
	_, err := ps.UpdateTemplate(e.ctx, e.subject("Dee"), ids[0], post.TemplateInput{Name: "Complaint received", Subject: "Complaint ((reference))", Body: "Dear ((name))"})
	noErr(t, err)
	res, err := e.id.SignIn(e.ctx, "northshire", e.users["Dee"].Email, password, "127.0.0.1")
	noErr(t, err)
	if res.State != identity.StateSignedIn {
		t.Fatal(res.State)
	}
	ctx := browsertest.New(t, true)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "dbtp_session", Value: res.Token, URL: e.srv.URL})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/post", "/post/templates", "/post/templates?q=nothing", "/post/templates/new"}
	for _, id := range ids {
		pages = append(pages, "/post/templates/"+id, "/post/templates/"+id+"/edit", "/post/templates/"+id+"/versions",
			"/post/templates/"+id+"/preview?"+url.Values{"p.name": {"Ann Lee"}}.Encode())
	}
	visit := func(p, what string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		browsertest.CheckAccessible(t, ctx, p+what)
	}
	for _, p := range pages {
		visit(p, "")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/post/templates/new"), chromedp.Click(chromedp.CSS(`main form button.govuk-button`)),
		chromedp.WaitVisible(chromedp.CSS(`.govuk-error-summary`))); err != nil {
		t.Fatal(err)
	}
	browsertest.CheckAccessible(t, ctx, "/post/templates/new with errors")

	// The text message's length follows what is typed, on the form that
	// makes one and on the one that changes it.
	waitWords := func(want string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("sms-length").textContent.includes(`+strconv.Quote(want)+`)`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#sms-length`)))
			t.Fatalf("the count does not say %q: %q (%v)", want, s, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/post/templates/"+ids[1]+"/edit")); err != nil {
		t.Fatal(err)
	}
	waitWords("33 characters, sent as 1 text message")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#body`), " "+strings.Repeat("x", 140))); err != nil {
		t.Fatal(err)
	}
	waitWords("174 characters, sent as 2 text messages")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/post/templates/new"), chromedp.Click(chromedp.CSS(`input[name="kind"][value="sms"]`)),
		chromedp.SendKeys(chromedp.CSS(`#body`), "Hello ((name))")); err != nil {
		t.Fatal(err)
	}
	waitWords("14 characters, sent as 1 text message")
	browsertest.CheckAccessible(t, ctx, "/post/templates/new counting a text message")

	if err := chromedp.Do(ctx, browsertest.Viewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "template-new-sms-320")
	for _, p := range pages {
		visit(p, " at 320 px")
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || w > 320 {
			t.Errorf("%s at 320 px is %d px wide (%v)", p, w, err)
		}
	}
}
