package browsertest_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/browsertest"

	"github.com/chromedp/chromedp"
)

// serve starts a loopback server with one page and returns its URL.
func serve(t *testing.T, html string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		if r.URL.Path == "/menu.js" {
			// Hides the menu on a narrow screen, as GOV.UK Frontend's
			// service navigation does, when a media query changes.
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `const narrow = matchMedia("(max-width: 640px)");
const fit = () => { document.getElementById("menu").hidden = narrow.matches; };
narrow.addEventListener("change", fit); fit();`)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/"
}

// The checker must find real problems, or a clean result means nothing.
func TestAxeFindsViolationsUnderStrictCSP(t *testing.T) {
	ctx := browsertest.New(t, true)
	bad := serve(t, `<!doctype html><html><head><title>x</title></head><body><main><img src="a.png"><input type="text"></main></body></html>`)
	if err := chromedp.Do(ctx, chromedp.Navigate(bad)); err != nil {
		t.Fatal(err)
	}
	vs, err := browsertest.Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	got := strings.Join(ids, ",")
	for _, want := range []string{"image-alt", "html-has-lang", "label"} {
		if !strings.Contains(got, want) {
			t.Errorf("axe missed %s; found %s", want, got)
		}
	}
	good := serve(t, `<!doctype html><html lang="en-GB"><head><title>Good</title></head><body><main><h1>Good</h1><label for="n">Name</label><input id="n" type="text"></main></body></html>`)
	if err := chromedp.Do(ctx, chromedp.Navigate(good)); err != nil {
		t.Fatal(err)
	}
	browsertest.CheckAccessible(t, ctx, "good page")
}

// After Viewport the page's width-watching scripts have run: a menu hidden
// on a narrow screen is shown again before the next click is aimed. Without
// scripts it returns at once, as there is nothing to wait for.
func TestViewportWaitsForScriptsThatWatchTheWidth(t *testing.T) {
	page := serve(t, `<!doctype html><html lang="en-GB"><head><title>Menu</title></head><body>
<nav id="menu" style="height:120px">Menu</nav><main><a id="next" href="/next">Next</a></main>
<script type="module" src="/menu.js"></script></body></html>`)
	for _, js := range []bool{true, false} {
		ctx := browsertest.New(t, js)
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
			t.Fatal(err)
		}
		var hidden []bool
		for _, w := range []int64{320, 1280} {
			if err := chromedp.Do(ctx, browsertest.Viewport(w, 900)); err != nil {
				t.Fatalf("javascript %v: viewport %d: %v", js, w, err)
			}
			h, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("menu").hidden`))
			if err != nil {
				t.Fatal(err)
			}
			hidden = append(hidden, h)
		}
		want := []bool{js, false}
		if !slices.Equal(hidden, want) {
			t.Errorf("javascript %v: menu hidden at 320 and 1280 px: %v, want %v", js, hidden, want)
		}
	}
}

// After Settled the page's scripts have run, even on a page reached by a
// click, which chromedp does not wait for: here the script is held back
// until the page is already seen, and hides a notice above the link.
func TestSettledWaitsForThePagesScripts(t *testing.T) {
	release := make(chan struct{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<!doctype html><html lang="en-GB"><head><title>A</title></head><body><main><a id="go" href="/b">B</a></main></body></html>`)
		case "/b":
			fmt.Fprint(w, `<!doctype html><html lang="en-GB"><head><title>B</title></head><body><p id="notice">Scripts not run yet</p>
<main><h1 id="b">B</h1></main><script type="module" src="/late.js"></script></body></html>`)
		case "/late.js":
			<-release
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `document.getElementById("notice").hidden = true;`)
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	ctx := browsertest.New(t, true)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hidden := func() bool {
		t.Helper()
		h, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("notice").hidden`))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+l.Addr().String()+"/"), chromedp.Click(chromedp.CSS("#go")), chromedp.WaitVisible(chromedp.CSS("#b"))); err != nil {
		t.Fatal(err)
	}
	if hidden() {
		t.Fatal("the script ran before it was sent")
	}
	close(release)
	if err := chromedp.Do(ctx, browsertest.Settled()); err != nil {
		t.Fatal(err)
	}
	if !hidden() {
		t.Fatal("Settled returned before the page's script ran")
	}
}
