package browsertest_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

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
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
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
