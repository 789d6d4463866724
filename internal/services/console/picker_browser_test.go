package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"dbtp/internal/browsertest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestBrowserPersonPickerWithThousands: in Chromium, a caseworker names
// an officer among 3,000 people whose names start alike. With JavaScript,
// the combobox lists ten, says in the list how many match and to type
// more, and narrows to the one person as she types, chosen by keyboard;
// without it, Search lists ten radios a page at a time with the count and
// the advice, and a narrower search finds the one to choose. Either way
// the case then names the officer. axe-clean with the list open, and the
// page fits 320 px.
func TestBrowserPersonPickerWithThousands(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
			omars := manyOmars(t, e, 3000)
			c := handoverCase(t, e)
			srv := pickerServer(t, e)
			ctx := browsertest.New(t, js)
			do(t, ctx, "sign in", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: srv.Srv.Config().SessionCookie, Value: "session-cara", URL: srv.URL})
				return err
			}))
			path := "/cases/" + c.ID + "/transitions/hand_over"
			do(t, ctx, "open the form", chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`#officer-q`)))
			if js {
				do(t, ctx, "type a name", chromedp.SendKeys(chromedp.CSS(`#officer-q`), "omar"),
					chromedp.WaitVisible(chromedp.CSS(`#officer-option-more`)))
				if n := count(t, ctx, `#officer-listbox li[role=option]:not([aria-disabled])`); n != 10 {
					t.Fatalf("the list shows %d people, want 10", n)
				}
				if s := textOf(t, ctx, `#officer-option-more`); !strings.Contains(s, "10 of more than 60 shown: type more of the name") {
					t.Fatalf("the list's last line says %q", s)
				}
				browsertest.CheckAccessible(t, ctx, "picker with 3,000 matches listed")
				fits(t, ctx, "picker with 3,000 matches listed")
				// Typing more narrows to one person; the count goes.
				do(t, ctx, "narrow", chromedp.SendKeys(chromedp.CSS(`#officer-q`), " 2999"),
					chromedp.WaitNotPresent(chromedp.CSS(`#officer-option-more`)), chromedp.WaitVisible(chromedp.CSS(`#officer-option-0`)))
				if n, s := count(t, ctx, `#officer-listbox li[role=option]`), textOf(t, ctx, `#officer-option-0`); n != 1 || !strings.HasPrefix(s, "Omar 2999") {
					t.Fatalf("after narrowing the list has %d entries, the first %q", n, s)
				}
				do(t, ctx, "choose by keyboard", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
				if v := valueOf(t, ctx, `input[type=hidden][name=officer]`); v != omars["Omar 2999"] {
					t.Fatalf("the chosen person is %q, want Omar 2999's ID", v)
				}
			} else {
				do(t, ctx, "search", chromedp.SendKeys(chromedp.CSS(`#officer-q`), "omar"),
					chromedp.Click(chromedp.CSS(`button[name=lookup][value=officer]`)), chromedp.WaitVisible(chromedp.CSS(`#officer-shown`)))
				if s := textOf(t, ctx, `#officer-shown`); !strings.Contains(s, "Showing people 1 to 10 of more than 60.") {
					t.Fatalf("the results say %q", s)
				}
				if s := textOf(t, ctx, `#officer-narrow`); !strings.Contains(s, "type more of their name") {
					t.Fatalf("the advice to narrow says %q", s)
				}
				if n := count(t, ctx, `input[type=radio][name=officer]`); n != 10 {
					t.Fatalf("%d radios, want 10", n)
				}
				fits(t, ctx, "picker with 3,000 matches listed")
				do(t, ctx, "next page", chromedp.Click(chromedp.CSS(`button[name=lookup]:not([value=officer])`)),
					chromedp.WaitVisible(chromedp.CSS(`#officer-shown`)))
				waitText(t, ctx, `#officer-shown`, "Showing people 11 to 20 of more than 70.")
				do(t, ctx, "narrow", chromedp.SetValue(chromedp.CSS(`#officer-q`), "omar 2999"),
					chromedp.Click(chromedp.CSS(`button[name=lookup][value=officer]`)))
				waitText(t, ctx, `#officer-shown`, "Showing people 1 to 1 of 1.")
				if s := textOf(t, ctx, `label[for=officer]`); s != "Omar 2999" {
					t.Fatalf("the one match is %q", s)
				}
				do(t, ctx, "choose", chromedp.Click(chromedp.CSS(`input#officer[type=radio]`)))
			}
			// The case page loads after the POST's redirect: wait for its
			// banner's words rather than any banner, so a read never lands
			// on the form page as it is replaced.
			do(t, ctx, "hand over", chromedp.Click(chromedp.CSS(`main form .govuk-button-group button`)))
			waitText(t, ctx, "main", "Handed over")
			waitText(t, ctx, "main", "Omar 2999")
		})
	}
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func valueOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// waitText waits until sel's text contains want (a page a form submitted
// to is loading meanwhile).
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.AtLeast(0)))
		if err == nil && strings.Contains(s, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never said %q (last %q, %v)", sel, want, s, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fits checks the page at 320 px wide scrolls only downwards (WCAG 2.2
// reflow), then puts the window back.
func fits(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	do(t, ctx, "narrow", browsertest.Viewport(320, 800))
	over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	do(t, ctx, "wide", browsertest.Viewport(1280, 900))
	if err != nil {
		t.Fatal(err)
	}
	if over > 0 {
		t.Errorf("%s: %d px wider than a 320 px screen", page, over)
	}
}
