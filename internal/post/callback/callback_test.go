package callback

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"dbtp/internal/post/provider"
)

func TestPost(t *testing.T) {
	var auth string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.WriteHeader(status)
	}))
	defer srv.Close()
	ctx := context.Background()
	p := New(true)
	if err := p.Post(ctx, srv.URL, "a-long-token", []byte(`{}`)); err != nil || auth != "Bearer a-long-token" {
		t.Fatalf("post: %v, authorization %q", err, auth)
	}
	for code, permanent := range map[int]bool{400: true, 404: true, 410: true, 408: false, 429: false, 500: false, 503: false} {
		status = code
		err := p.Post(ctx, srv.URL, "t", []byte(`{}`))
		if err == nil || provider.IsPermanent(err) != permanent {
			t.Fatalf("%d: %v (permanent %v)", code, err, provider.IsPermanent(err))
		}
	}
	// Loopback is a private address: refused unless the council's own
	// network is allowed.
	status = http.StatusOK
	if err := New(false).Post(ctx, srv.URL, "t", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "private or local network") {
		t.Fatalf("private address: %v", err)
	}
	if err := p.Post(ctx, "::not a url", "t", nil); !provider.IsPermanent(err) {
		t.Fatalf("bad URL: %v", err)
	}
}
