package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Scenario is one thing a kind of user does, as one or more requests: a
// page view, or a view and the form post that follows it. The steady phase
// starts scenarios at the configured rate, choosing each by weight.
type Scenario struct {
	Name   string
	Role   string // which signed-in users run it (Credential.Role); "" runs it without a session, with Token
	Token  string // bearer token sent on every request of a sessionless scenario
	Weight int    // relative share of the mix
	// Run does the scenario's requests as c. n counts the scenario's runs
	// (0, 1, 2, ...), for choosing a page or a case in turn. It returns
	// nil on success, an error wrapping ErrConflict when the server
	// refused a stale change (counted apart, not as an error), or any
	// other error.
	Run func(ctx context.Context, c *Client, n int) error
}

// ErrConflict marks an answer the server gave because someone else changed
// the same thing first (409): expected now and then under load, and a sign
// of the server working, not failing.
var ErrConflict = errors.New("conflict")

// StatusError is an answer with a status the scenario did not expect.
type StatusError struct {
	Method, Path string
	Status       int
}

func (e *StatusError) Error() string { return fmt.Sprintf("status %d", e.Status) }

// Client is one user's side of the conversation: a signed-in person's
// cookie jar, or a bearer token for the API. It counts the requests it
// sends so the report can give HTTP requests as well as scenarios.
type Client struct {
	base   string
	http   *http.Client
	token  string
	counts func() // one request sent
}

// Get fetches path and returns the body of a 200 answer; any other status
// is a *StatusError (409 also wraps ErrConflict).
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	return c.Do(ctx, "GET", path, "", nil, http.StatusOK)
}

// PostForm posts a form as a browser would (with the Origin header the
// CSRF check wants) and expects want, typically 303 after a change.
func (c *Client) PostForm(ctx context.Context, path string, form url.Values, want int) ([]byte, error) {
	return c.Do(ctx, "POST", path, "application/x-www-form-urlencoded", []byte(form.Encode()), want)
}

// PostJSON posts a JSON body and expects want.
func (c *Client) PostJSON(ctx context.Context, path string, body []byte, want int) ([]byte, error) {
	return c.Do(ctx, "POST", path, "application/json", body, want)
}

// Do sends one request and reads the whole answer.
func (c *Client) Do(ctx context.Context, method, path, contentType string, body []byte, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != "GET" {
		req.Header.Set("Origin", c.base)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.counts != nil {
		c.counts()
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("transport: %s", shortErr(err))
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("transport: %s", shortErr(err))
	}
	if resp.StatusCode != want {
		se := &StatusError{Method: method, Path: path, Status: resp.StatusCode}
		if resp.StatusCode == http.StatusConflict {
			return b, fmt.Errorf("%w: %w", ErrConflict, se)
		}
		return b, se
	}
	return b, nil
}

// CSRFToken finds the form token in a page.
func CSRFToken(page []byte) (string, bool) {
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

// pageScenarios is the plain mix older callers ask for with Config.Pages
// and APIPaths: each page in turn by any signed-in user, and API calls with
// the one token, APIShare of the time.
func pageScenarios(cfg Config) []Scenario {
	pages, apis := cfg.Pages, cfg.APIPaths
	if len(pages) == 0 {
		pages = []string{"/"}
	}
	get := func(paths []string) func(context.Context, *Client, int) error {
		return func(ctx context.Context, c *Client, n int) error {
			_, err := c.Get(ctx, paths[n%len(paths)])
			return err
		}
	}
	if cfg.APIShare <= 0 || cfg.APIToken == "" || len(apis) == 0 {
		return []Scenario{{Name: "page", Role: anyRole, Weight: 1, Run: get(pages)}}
	}
	api := int(cfg.APIShare*1000 + 0.5)
	return []Scenario{
		{Name: "page", Role: anyRole, Weight: 1000 - api, Run: get(pages)},
		{Name: "api", Token: cfg.APIToken, Weight: api, Run: get(apis)},
	}
}

// anyRole lets any signed-in user run a scenario.
const anyRole = "*"

func reasonOf(err error) string {
	var se *StatusError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s %s: status %d", se.Method, pathShape(se.Path), se.Status)
	}
	return err.Error()
}

// pathShape drops IDs and queries so errors group by page, not by case.
func pathShape(p string) string {
	p, _, _ = strings.Cut(p, "?")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.Contains(s, "_") && len(s) > 20 {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}
