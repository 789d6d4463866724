package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
// writing the row's page, x and y, which the form then saves. Each map
// shows its field where its named position puts it, on a picture of its
// page, with the page's other fields.
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
		Recipients: []signing.RecipientInput{{Step: 1, Role: signing.RoleSigner, Name: "Sam Supplier", Email: "sam@supplier.example"},
			{Step: 1, Role: signing.RoleSigner, Name: "Tess Trader", Email: "tess@trader.example"}}})
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
		if page == "/envelopes" {
			// The list stacks on a phone: when each changed is seen.
			statusSeenNarrow(t, ctx, "main table", "the envelopes list")
		}
	}
	// The fields page starts with the signers' signatures at the bottom
	// of the last page, left and right. Each map shows its own field where
	// its named position puts it (not all at 56, 56), the other numbered
	// beside it, on a picture of the page.
	type mapState struct {
		Label   string `json:"label"`
		Others  string `json:"others"`
		Picture int    `json:"picture"`
	}
	for row, want := range map[string]mapState{
		"0": {Label: "Field 1: signature for Sam Supplier, at Page 3 of 3, x 56, y 56", Others: "2", Picture: 476},
		"1": {Label: "Field 2: signature for Tess Trader, at Page 3 of 3, x 339, y 56", Others: "1", Picture: 476},
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[mapState](fmt.Sprintf(`(() => {
			const row = document.querySelector('[data-row="%s"]'), img = row.querySelector(".dbtp-pagemap__page");
			const st = {label: row.querySelector(".dbtp-pagemap__marker").getAttribute("aria-label"),
				others: Array.from(row.querySelectorAll(".dbtp-pagemap__other"), e => e.textContent).join(",")};
			if (img.complete) return {...st, picture: img.naturalWidth};
			return new Promise(done => { img.onload = img.onerror = () => done({...st, picture: img.naturalWidth}); });
		})()`, row), chromedp.EvalAwaitPromise))
		if err != nil || got != want {
			t.Fatalf("map of row %s: %+v (%v), want %+v", row, got, err, want)
		}
	}
	// Put in the same place as the first, the second shows the clash
	// before saving; put back, it does not.
	clash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const pos = document.getElementById("f1-position"), marker = () => document.querySelector('[data-row="1"] .dbtp-pagemap__marker');
		const set = v => { pos.value = v; pos.dispatchEvent(new Event("change", {bubbles: true})); };
		set("bottom of the last page");
		const during = marker().className + " | " + document.querySelector('[data-row="1"] .dbtp-pagemap + p + p').textContent;
		set("bottom right of the last page");
		return during + " | " + marker().className;
	})()`))
	if err != nil || !strings.Contains(clash, "dbtp-pagemap__marker--clash | ") || !strings.Contains(clash, "It overlaps field 1") ||
		!strings.HasSuffix(clash, "| dbtp-pagemap__marker") {
		t.Fatalf("a clash on the map: %q (%v)", clash, err)
	}
	// The keyboard moves the first to page 2, 20 points right.
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
	if len(got.Fields) != 2 || got.Fields[0].Page != 2 || got.Fields[0].X != 76 || got.Fields[0].Y != 56 || got.Fields[1].X != 339 {
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

	// A sealed envelope's evidence ends with the completion certificate's
	// fingerprint, one long word: it wraps, so the evidence keeps to its
	// column at 1280 px rather than scrolling sideways. The demo's Record
	// of Decision is sealed on the jobs queue; the Cabinet Member signed it.
	var sealed string
	for deadline := time.Now().Add(90 * time.Second); sealed == ""; time.Sleep(time.Second) {
		list, err := ss.List(bg, platform.System(org.ID), signing.ListQuery{Status: signing.EnvelopeCompleted})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Envelopes) > 0 {
			sealed = list.Envelopes[0].ID
		} else if time.Now().After(deadline) {
			t.Fatal("the demo's Record of Decision was not sealed")
		}
	}
	peter := browsertest.New(t, true)
	signIn(t, peter, r.url, loginByEmail(t, r, "cabinet@kent.example"), "main h1")
	open(t, peter, r.url+"/envelopes/"+sealed)
	over, err := chromedp.Run(peter, chromedp.Evaluate[int](`(w => w.scrollWidth - w.clientWidth)(document.querySelector('[aria-label^="Evidence"]'))`))
	if err != nil || over > 0 {
		t.Errorf("a sealed envelope's evidence is %d px wider than its column at 1280 px (%v)", over, err)
	}
}
