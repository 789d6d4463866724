package loadgen_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/loadgen"
)

// A small real server with the same sign-in shape as dbtp: a form carrying a
// csrf_token, a 303 with a cookie, pages that need the cookie, and an API that
// needs the bearer token.
func fakeServer(t *testing.T) (string, *atomic.Int64) {
	var pages atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sign-in", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<form method="post"><input type="hidden" name="csrf_token" value="tok123"></form>`)
	})
	mux.HandleFunc("POST /sign-in", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("csrf_token") != "tok123" || r.FormValue("password") != "right" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "s", Value: r.FormValue("email"), Path: "/"})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("s"); err != nil {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		pages.Add(1)
		fmt.Fprint(w, "home")
	})
	mux.HandleFunc("GET /api/x", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer T" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "{}")
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String(), &pages
}

func TestRunSignsInAndDrivesPagesAndAPI(t *testing.T) {
	base, pages := fakeServer(t)
	users := []loadgen.Credential{{Email: "a", Password: "right"}, {Email: "b", Password: "right"}, {Email: "c", Password: "wrong"}}
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		BaseURL: base, Users: users, Rate: 400, Duration: 250 * time.Millisecond,
		APIPaths: []string{"/api/x"}, APIToken: "T", APIShare: 0.5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.SignedIn != 2 || res.SignIn.Errors != 1 {
		t.Fatalf("signed in %d with %d errors, want 2 and 1", res.SignedIn, res.SignIn.Errors)
	}
	if res.Steady.Requests != 100 || res.Steady.Errors != 0 {
		t.Fatalf("steady: %+v", res.Steady)
	}
	if got := pages.Load(); got != 50 {
		t.Fatalf("page views = %d, want 50 (half the requests)", got)
	}
	if res.Steady.P50 > res.Steady.P99 || res.Steady.P99 > res.Steady.Max || res.Steady.Max == 0 {
		t.Fatalf("percentiles out of order: %+v", res.Steady)
	}
}

func TestRunFailsWhenNobodyCanSignIn(t *testing.T) {
	base, _ := fakeServer(t)
	_, err := loadgen.Run(context.Background(), loadgen.Config{BaseURL: base, Users: []loadgen.Credential{{Email: "x", Password: "wrong"}}})
	if err == nil {
		t.Fatal("want an error")
	}
}

func TestPercentilesNearestRank(t *testing.T) {
	r := loadgen.NewRecorder()
	for i := 1; i <= 100; i++ {
		reason := ""
		if i%50 == 0 {
			reason = "status 500"
		}
		r.Observe(time.Duration(i)*time.Millisecond, reason)
	}
	s := r.Summarise(time.Second)
	if s.P50 != 50*time.Millisecond || s.P95 != 95*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Fatalf("percentiles: %+v", s)
	}
	if s.Errors != 2 || s.Reasons["status 500"] != 2 || s.ErrorRate != 0.02 || s.Throughput != 100 {
		t.Fatalf("errors: %+v", s)
	}
}

func TestMoreRatesRunFurtherPhasesWithTheSameUsers(t *testing.T) {
	base, pages := fakeServer(t)
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		BaseURL: base, Users: []loadgen.Credential{{Email: "a", Password: "right"}},
		Rate: 200, MoreRates: []float64{400}, Duration: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.SignIn.Requests != 1 || res.Steady.Requests != 20 || len(res.More) != 1 || res.More[0].Steady.Requests != 40 {
		t.Fatalf("sign-ins %d, phases %d then %+v", res.SignIn.Requests, res.Steady.Requests, res.More)
	}
	if got := pages.Load(); got != 60 {
		t.Fatalf("page views = %d, want 60", got)
	}
}
