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

// Credential is one person to sign in as. Role groups people for the
// scenarios they run (see Scenario.Role).
type Credential struct {
	Org, Email, Password, Role string
}

// Config describes a run.
type Config struct {
	BaseURL    string
	Users      []Credential
	SignInConc int     // parallel sign-ins (default 8)
	Rate       float64 // scenarios started per second in the steady phase
	// MoreRates are further steady phases, run one after another with the
	// same signed-in users (signing thousands in again costs minutes of
	// password hashing); each is reported in Result.More.
	MoreRates []float64
	Duration  time.Duration // length of the steady phase
	// Scenarios is the weighted mix of the steady phase. When empty, a
	// plain mix is made of Pages (viewed in turn by any signed-in user)
	// and, APIShare of the time, APIPaths called with APIToken.
	Scenarios   []Scenario
	Pages       []string
	APIPaths    []string
	APIToken    string
	APIShare    float64 // fraction of requests that are API calls (0..1)
	MaxInFlight int     // beyond this, a scheduled scenario counts as an error (default 20000)
	Progress    func(format string, a ...any)
}

// Result is a whole run.
type Result struct {
	SignIn       Summary
	SignedIn     int
	Steady       Summary // every scenario together
	PerScenario  []NamedSummary
	HTTPRequests int // requests sent in the steady phase (a scenario may send several)
	SignInPerSec float64
	More         []Result // the phases at MoreRates, with only their steady fields set
}

// NamedSummary is one scenario's share of the steady phase.
type NamedSummary struct {
	Name string
	Summary
}

type session struct {
	client *http.Client
	role   string
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
	if len(cfg.Scenarios) == 0 {
		cfg.Scenarios = pageScenarios(cfg)
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
	progress("steady phase: %.0f scenarios/s for %s across %d signed-in users", cfg.Rate, cfg.Duration, len(sessions))
	if res, err = steady(ctx, cfg, tr, sessions, res); err != nil {
		return res, err
	}
	for _, r := range cfg.MoreRates {
		if r <= 0 || ctx.Err() != nil {
			continue
		}
		c := cfg
		c.Rate = r
		progress("steady phase: %.0f scenarios/s for %s across %d signed-in users", r, cfg.Duration, len(sessions))
		more, err := steady(ctx, c, tr, sessions, Result{})
		res.More = append(res.More, more)
		if err != nil {
			return res, err
		}
	}
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
	return &session{client: client, role: c.Role}, nil
}

// steady starts scenarios on schedule, each chosen by weight from a fixed
// wheel (so the mix is exact and runs repeat), run by the next signed-in
// user of its role in turn.
func steady(ctx context.Context, cfg Config, tr *http.Transport, sessions []*session, res Result) (Result, error) {
	byRole := map[string][]*session{}
	for _, s := range sessions {
		byRole[s.role] = append(byRole[s.role], s)
		byRole[anyRole] = append(byRole[anyRole], s)
	}
	var httpReqs atomic.Int64
	count := func() { httpReqs.Add(1) }
	apiHTTP := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	clients := make([][]*Client, len(cfg.Scenarios))
	for i, sc := range cfg.Scenarios {
		if sc.Weight <= 0 || sc.Run == nil {
			continue
		}
		if sc.Role == "" {
			clients[i] = []*Client{{base: cfg.BaseURL, http: apiHTTP, token: sc.Token, counts: count}}
		} else {
			for _, s := range byRole[sc.Role] {
				clients[i] = append(clients[i], &Client{base: cfg.BaseURL, http: s.client, counts: count})
			}
			if len(clients[i]) == 0 {
				return res, fmt.Errorf("loadgen: scenario %s needs signed-in users with role %q and none signed in", sc.Name, sc.Role)
			}
		}
	}
	wheel := spread(cfg.Scenarios)
	if len(wheel) == 0 {
		return res, errors.New("loadgen: no scenario has a weight")
	}

	total := NewRecorder()
	per := make([]*Recorder, len(cfg.Scenarios))
	runs := make([]atomic.Int64, len(cfg.Scenarios))
	for i := range per {
		per[i] = NewRecorder()
	}
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	n := int(cfg.Duration.Seconds() * cfg.Rate)
	var inFlight, dropped atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		si := wheel[i%len(wheel)]
		if inFlight.Load() >= int64(cfg.MaxInFlight) {
			dropped.Add(1)
			const reason = "client overloaded: too many requests in flight"
			total.Observe(time.Since(due), reason)
			per[si].Observe(time.Since(due), reason)
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		go func(si int, due time.Time) {
			defer wg.Done()
			defer inFlight.Add(-1)
			k := int(runs[si].Add(1)) - 1
			cs := clients[si]
			err := cfg.Scenarios[si].Run(ctx, cs[k%len(cs)], k)
			d := time.Since(due)
			switch {
			case err == nil:
				total.Observe(d, "")
				per[si].Observe(d, "")
			case errors.Is(err, ErrConflict):
				total.Conflict(d)
				per[si].Conflict(d)
			default:
				total.Observe(d, cfg.Scenarios[si].Name+": "+reasonOf(err))
				per[si].Observe(d, reasonOf(err))
			}
		}(si, due)
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.Steady = total.Summarise(elapsed)
	res.Steady.ScheduledPerSec = cfg.Rate
	res.Steady.DroppedOverloads = int(dropped.Load())
	res.HTTPRequests = int(httpReqs.Load())
	for i, sc := range cfg.Scenarios {
		if sc.Weight > 0 && sc.Run != nil {
			res.PerScenario = append(res.PerScenario, NamedSummary{Name: sc.Name, Summary: per[i].Summarise(elapsed)})
		}
	}
	return res, nil
}

// spread lays the scenarios out on a wheel of sum(weights) slots, each
// scenario as evenly spaced as its weight allows (smooth weighted round
// robin), so any stretch of the run carries the whole mix.
func spread(scs []Scenario) []int {
	sum := 0
	for _, sc := range scs {
		if sc.Weight > 0 && sc.Run != nil {
			sum += sc.Weight
		}
	}
	cur := make([]int, len(scs))
	wheel := make([]int, 0, sum)
	for range sum {
		best := -1
		for i, sc := range scs {
			if sc.Weight <= 0 || sc.Run == nil {
				continue
			}
			cur[i] += sc.Weight
			if best < 0 || cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= sum
		wheel = append(wheel, best)
	}
	return wheel
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
