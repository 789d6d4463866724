// Package loadgen drives a running dbtp server the way its users would: it
// signs many people in through the real sign-in form, then sends page views
// and API calls at a fixed arrival rate (an open model: requests are sent on
// schedule whether or not earlier ones have finished), and reports throughput
// and latency percentiles measured from each request's scheduled start, so a
// slow server cannot hide its queueing (no coordinated omission).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Credential is one person to sign in as.
type Credential struct {
	Org, Email, Password string
}

// Config describes a run.
type Config struct {
	BaseURL     string
	Users       []Credential
	SignInConc  int           // parallel sign-ins (default 8)
	Rate        float64       // requests per second in the steady phase
	Duration    time.Duration // length of the steady phase
	Pages       []string      // paths of pages to view, chosen in turn
	APIPaths    []string      // API paths to call with APIToken
	APIToken    string
	APIShare    float64 // fraction of requests that are API calls (0..1)
	MaxInFlight int     // beyond this, a scheduled request counts as an error (default 20000)
	Progress    func(format string, a ...any)
}

// Result is a whole run.
type Result struct {
	SignIn       Summary
	SignedIn     int
	Steady       Summary
	SignInPerSec float64
}

type session struct {
	client *http.Client
}

var csrfField = regexp.MustCompile(`name="csrf_token"\s+value="([^"]+)"`)

// newTransport returns a transport tuned for many concurrent loopback requests.
func newTransport() *http.Transport {
	return &http.Transport{
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// Run signs the users in and then runs the steady phase.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.BaseURL == "" || len(cfg.Users) == 0 {
		return Result{}, errors.New("loadgen: need a base URL and at least one user")
	}
	if cfg.SignInConc <= 0 {
		cfg.SignInConc = 8
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 20000
	}
	if len(cfg.Pages) == 0 {
		cfg.Pages = []string{"/"}
	}
	progress := cfg.Progress
	if progress == nil {
		progress = func(string, ...any) {}
	}
	tr := newTransport()
	defer tr.CloseIdleConnections()

	sessions, signIn, err := signInAll(ctx, cfg, tr, progress)
	res := Result{SignIn: signIn, SignedIn: len(sessions)}
	if signIn.Elapsed > 0 {
		res.SignInPerSec = float64(len(sessions)) / signIn.Elapsed.Seconds()
	}
	if err != nil {
		return res, err
	}
	if cfg.Rate <= 0 || cfg.Duration <= 0 {
		return res, nil
	}
	progress("steady phase: %.0f requests/s for %s across %d signed-in users", cfg.Rate, cfg.Duration, len(sessions))
	res.Steady = steady(ctx, cfg, tr, sessions)
	return res, nil
}

func signInAll(ctx context.Context, cfg Config, tr *http.Transport, progress func(string, ...any)) ([]*session, Summary, error) {
	rec := NewRecorder()
	out := make([]*session, len(cfg.Users))
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.SignInConc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(cfg.Users) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				s, err := signIn(ctx, cfg.BaseURL, cfg.Users[i], tr)
				reason := ""
				if err != nil {
					reason = err.Error()
					errOnce.Do(func() { firstErr = err })
				} else {
					out[i] = s
				}
				rec.Observe(time.Since(t0), reason)
				if n := i + 1; n%1000 == 0 {
					progress("signed in %d/%d", n, len(cfg.Users))
				}
			}
		}()
	}
	wg.Wait()
	sum := rec.Summarise(time.Since(start))
	var ok []*session
	for _, s := range out {
		if s != nil {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return nil, sum, fmt.Errorf("no user could sign in: %v", firstErr)
	}
	return ok, sum, nil
}

// signIn goes through the real form: fetch it for the CSRF token, post it,
// and keep the session cookie in a per-user jar.
func signIn(ctx context.Context, base string, c Credential, tr *http.Transport) (*session, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/sign-in", nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("sign-in page has no csrf_token (status %d)", resp.StatusCode)
	}
	form := url.Values{"csrf_token": {string(m[1])}, "org": {c.Org}, "email": {c.Email}, "password": {c.Password}}
	req, _ = http.NewRequestWithContext(ctx, "POST", base+"/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = client.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("sign-in answered %d", resp.StatusCode)
	}
	return &session{client: client}, nil
}

func steady(ctx context.Context, cfg Config, tr *http.Transport, sessions []*session) Summary {
	rec := NewRecorder()
	apiClient := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	total := int(cfg.Duration.Seconds() * cfg.Rate)
	var inFlight atomic.Int64
	var dropped atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	apiEvery := 0
	if cfg.APIShare > 0 && cfg.APIToken != "" && len(cfg.APIPaths) > 0 {
		apiEvery = max(1, int(1/cfg.APIShare+0.5))
	}
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				wg.Wait()
				return rec.Summarise(time.Since(start))
			}
		}
		if inFlight.Load() >= int64(cfg.MaxInFlight) {
			dropped.Add(1)
			rec.Observe(time.Since(due), "client overloaded: too many requests in flight")
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer inFlight.Add(-1)
			var req *http.Request
			client := sessions[i%len(sessions)].client
			if apiEvery > 0 && i%apiEvery == 0 {
				req, _ = http.NewRequestWithContext(ctx, "GET", cfg.BaseURL+cfg.APIPaths[i%len(cfg.APIPaths)], nil)
				req.Header.Set("Authorization", "Bearer "+cfg.APIToken)
				client = apiClient
			} else {
				req, _ = http.NewRequestWithContext(ctx, "GET", cfg.BaseURL+cfg.Pages[i%len(cfg.Pages)], nil)
			}
			resp, err := client.Do(req)
			reason := ""
			if err != nil {
				reason = "transport: " + shortErr(err)
			} else {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					reason = fmt.Sprintf("status %d", resp.StatusCode)
				}
			}
			rec.Observe(time.Since(due), reason)
		}(i, due)
	}
	wg.Wait()
	s := rec.Summarise(time.Since(start))
	s.ScheduledPerSec = cfg.Rate
	s.DroppedOverloads = int(dropped.Load())
	return s
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
