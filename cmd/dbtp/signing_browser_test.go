package main

import (
	"context"
	"testing"

	"dbtp/internal/browsertest"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/signing/signingtest"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserEnvelopePages: the sender's pages are axe-clean and fit a
// 320 px screen, and a field is placed on the fields page by keyboard
// alone: the page map's marker moves with the arrow keys and Page Up,
// writing the row's page, x and y, which the form then saves.
func TestBrowserEnvelopePages(t *testing.T) {
	r := startDemo(t, t.TempDir())
	bg := context.Background()
	_, org, err := r.app.orgSubject(bg, "kent")
	if err != nil {
		t.Fatal(err)
	}
	jo, err := demoEnv(r.app).Person(bg, org, "staff@kent.example")
	if err != nil {
		t.Fatal(err)
	}
	ss := r.app.signing().Store()
	draft, err := ss.Compose(bg, jo, r.app.deps.Directory, signing.Composed{NewEnvelope: signing.NewEnvelope{Title: "Browser draft", PDF: signingtest.Contract(t, 3)},
		Recipients: []signing.RecipientInput{{Step: 1, Role: signing.RoleSigner, Name: "Sam Supplier", Email: "sam@supplier.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ss.Templates(bg, platform.System(org.ID))
	if err != nil || len(ts) == 0 {
		t.Fatalf("no demo template: %v", err)
	}
	ctx := browsertest.New(t, true)
	signIn(t, ctx, r.url, loginByEmail(t, r, "staff@kent.example"), "main h1")
	base := "/envelopes/" + draft.ID
	for _, page := range []string{"/envelopes", "/envelopes/new", "/envelope-templates", "/envelope-templates/" + ts[0].ID, base, base + "/recipients", base + "/fields"} {
		open(t, ctx, r.url+page)
		browsertest.CheckAccessible(t, ctx, page)
		fits(t, ctx, page)
	}
	// The fields page starts with the signer's signature at the bottom of
	// the last page; the keyboard moves it to page 2, 20 points right.
	do(t, ctx, "move the marker", chromedp.Focus(chromedp.CSS(`.dbtp-pagemap__marker`)),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.PageUp))
	for sel, want := range map[string]string{"#f0-page": "2", "#f0-x": "76", "#f0-y": "56", "#f0-position": ""} {
		if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel))); err != nil || got != want {
			t.Fatalf("%s = %q (%v), want %q", sel, got, err, want)
		}
	}
	submitAndWait(t, ctx, "#f0-x", "main h1")
	got, err := ss.Get(bg, jo, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Fields) != 1 || got.Fields[0].Page != 2 || got.Fields[0].X != 76 || got.Fields[0].Y != 56 {
		t.Fatalf("saved %+v", got.Fields)
	}
	// Discarding asks first, on a page of its own; going back keeps it.
	open(t, ctx, r.url+base)
	submitAndWait(t, ctx, `form[action$="/discard"]`, "main h1")
	if s := text(t, ctx, "main h1"); s != "Discard the draft?" {
		t.Fatalf("after Discard the draft: %q", s)
	}
	browsertest.CheckAccessible(t, ctx, "discard: confirm")
	fits(t, ctx, "discard: confirm")
	if _, err := ss.Get(bg, jo, draft.ID); err != nil {
		t.Fatalf("the draft before its confirmation: %v", err)
	}
}
