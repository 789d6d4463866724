// Package browsertest drives Debian's Chromium through chromedp for end-to-end
// tests and checks pages with axe-core (vendored in testdata) against WCAG 2.2
// AA. Outside CI a missing browser skips the test with a clear message; under
// CI=true it fails, because the browser suite must run there.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

//go:embed testdata/axe.min.js
var axeSource string

// ChromiumPath finds the browser, or returns "".
func ChromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser for t and returns a context for chromedp
// actions; the browser is stopped when the test ends. javascript=false runs
// the page with scripts disabled, as for people who turn JavaScript off.
func New(t testing.TB, javascript bool) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required under CI=true (apt-get install chromium)")
		}
		t.Skip("skipping browser test: chromium not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	if !javascript {
		opts = append(opts, chromedp.Flag("blink-settings", "scriptEnabled=false"))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	ctx = context.WithValue(ctx, scriptsOff{}, !javascript)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// scriptsOff marks a browser context started without JavaScript.
type scriptsOff struct{}

// Violation is one axe-core finding.
type Violation struct {
	ID          string `json:"id"`
	Impact      string `json:"impact"`
	Description string `json:"description"`
	HelpURL     string `json:"helpUrl"`
	Nodes       []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var where []string
	for i, n := range v.Nodes {
		if i == 3 {
			where = append(where, "...")
			break
		}
		where = append(where, fmt.Sprint(n.Target))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Description, strings.Join(where, ", "))
}

// WCAG22AA are the axe-core rule tags for WCAG 2.0, 2.1 and 2.2 levels A and AA.
var WCAG22AA = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// Axe runs axe-core on the current page. It is injected through the DevTools
// protocol, which the page's strict CSP does not govern, so the page under
// test needs no exception for it.
func Axe(ctx context.Context) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		return nil, fmt.Errorf("inject axe: %w", err)
	}
	tags, _ := json.Marshal(WCAG22AA)
	script := fmt.Sprintf(`axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, tags)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("decode axe result: %w", err)
	}
	return vs, nil
}

// CheckAccessible fails t with every WCAG 2.2 AA violation on the current page.
func CheckAccessible(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	vs, err := Axe(ctx)
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	for _, v := range vs {
		t.Errorf("%s: accessibility violation %s", page, v)
	}
}

// Viewport resizes the page's window and returns once the page has drawn a
// frame at the new size. Scripts that watch the width run only then: GOV.UK
// Frontend's service navigation hides its menu on a narrow screen and shows
// it again when a media query changes, which moves everything below it. A
// click aimed before that frame lands where a link was, not where it is, so
// nothing happens and the test waits for a page that never comes. Where the
// browser runs no scripts nothing moves, and no animation frame would
// ever call back.
func Viewport(width, height int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.EmulateViewport(width, height)(ctx, t); err != nil {
			return err
		}
		if off, _ := ctx.Value(scriptsOff{}).(bool); off {
			return nil
		}
		_, err := chromedp.Evaluate[bool](`new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`,
			chromedp.EvalAwaitPromise)(ctx, t)
		return err
	})
}

// Settled waits until the page has loaded and drawn a frame, so that its
// scripts have run: GOV.UK Frontend hides a radio's conditional question
// and shows the service navigation only then, which moves what is below.
// A test that clicks on a page it reached by a click (not by a navigation
// chromedp waits for) calls it first. Without scripts nothing moves.
func Settled() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if off, _ := ctx.Value(scriptsOff{}).(bool); off {
			return nil
		}
		_, err := chromedp.Evaluate[bool](`new Promise(done => {
			const drawn = () => requestAnimationFrame(() => requestAnimationFrame(() => done(true)));
			if (document.readyState === "complete") drawn(); else addEventListener("load", drawn, {once: true});
		})`, chromedp.EvalAwaitPromise)(ctx, t)
		return err
	})
}
