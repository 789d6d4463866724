// Package graph reads files from Microsoft 365 (OneDrive for Business and
// SharePoint) through Microsoft Graph's driveItem API, so the records
// module can capture them: metadata by ID or by the link a person pastes,
// and content streamed with Microsoft's own hash checked at the end.
//
// dbtp signs in as an app registration with OAuth 2.0 client credentials
// (application permissions; no person's delegated access). The bearer
// token goes to Graph only: the pre-authenticated download URL Graph
// redirects to is fetched without it.
package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"dbtp/internal/platform"
)

const (
	// maxRetries is how many times a throttled (429) or unavailable (503)
	// request is sent again.
	maxRetries = 3
	// maxWait is the longest single wait dbtp accepts; beyond it the
	// person is told Microsoft 365 is busy rather than kept waiting.
	maxWait = time.Minute
	// metadataTimeout bounds one metadata request, retries included.
	metadataTimeout = 2 * time.Minute
	// maxJSON bounds a metadata response (a driveItem is a few KiB).
	maxJSON = 1 << 20
)

// Client reads driveItems from Microsoft Graph. It is safe for concurrent
// use; the access token is shared and renewed when it expires.
type Client struct {
	cfg   Config
	creds *clientcredentials.Config
	// api talks to Graph and the token endpoint and never follows a
	// redirect, so the bearer token cannot travel with one.
	api *http.Client
	// files fetches pre-authenticated download URLs; no token is ever set
	// on its requests.
	files *http.Client
	// wait sleeps between retries; tests in this package replace it to
	// record the waits instead of spending them.
	wait func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	token *oauth2.Token
}

// New checks cfg and returns a client. No request is made until one is
// needed.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	base := cfg.HTTPClient
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = time.Minute
		base = &http.Client{Transport: t}
	}
	api, files := *base, *base
	api.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	insecureOK := isHTTP(cfg.BaseURL)
	files.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		return checkDownloadURL(req.URL, insecureOK)
	}
	return &Client{
		cfg: cfg,
		creds: &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.TokenURL,
			Scopes:       []string{graphScope},
			// Entra ID documents the secret as a form parameter.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		api:   &api,
		files: &files,
		wait:  sleep,
	}, nil
}

func isHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "http"
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// accessToken returns a valid token, asking the token endpoint for a new
// one when the last has expired (or was refused by Graph: drop).
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token.Valid() {
		return c.token.AccessToken, nil
	}
	tok, err := c.creds.Token(context.WithValue(ctx, oauth2.HTTPClient, c.api))
	if err != nil {
		return "", tokenError(ctx, err)
	}
	c.token = tok
	return tok.AccessToken, nil
}

func (c *Client) dropToken(refused string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != nil && c.token.AccessToken == refused {
		c.token = nil
	}
}

// tokenError explains a failed token request. The oauth2 error's text
// holds the whole response body; only the status, the OAuth error code
// and a bounded description are kept, for the log. The secret is in the
// request, never in the response, so none of this can reveal it.
func tokenError(ctx context.Context, err error) *platform.Error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		if ctx.Err() != nil {
			return timedOut(ctx)
		}
		return unavailable(fmt.Errorf("token endpoint: %w", err))
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	detail := fmt.Errorf("token endpoint: HTTP %d, error %q: %.300s", status, re.ErrorCode, re.ErrorDescription)
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return busy(status, 0)
	case status >= 500 || status == 0:
		return unavailable(detail)
	}
	return setupError(detail)
}

// send GETs rawURL, with the bearer token when auth is set, and sends it
// again (up to maxRetries times) while the answer is 429 or 503, waiting
// as long as Retry-After says, within the context's deadline. A 401 from
// Graph drops the cached token and tries once more with a new one.
func (c *Client) send(ctx context.Context, hc *http.Client, rawURL string, auth bool) (*http.Response, error) {
	renewed := false
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, platform.Internal(err)
		}
		var token string
		if auth {
			if token, err = c.accessToken(ctx); err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, timedOut(ctx)
			}
			return nil, unavailable(err)
		}
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			if auth && !renewed {
				renewed = true
				discard(resp)
				c.dropToken(token)
				continue
			}
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			wait := retryAfter(resp.Header.Get("Retry-After"), attempt, time.Now())
			discard(resp)
			if attempt == maxRetries || wait > maxWait || !fitsDeadline(ctx, wait) {
				return nil, busy(resp.StatusCode, wait)
			}
			if c.wait(ctx, wait) != nil {
				return nil, busy(resp.StatusCode, wait)
			}
			continue
		}
		return resp, nil
	}
}

// retryAfter reads Retry-After (seconds, or an HTTP date); without one it
// backs off 1, 2, 4 seconds.
func retryAfter(h string, attempt int, now time.Time) time.Duration {
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0)
	}
	return time.Second << attempt
}

func fitsDeadline(ctx context.Context, wait time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > wait
}

// discard drains a little of an unwanted body so the connection can be
// reused, and closes it.
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
