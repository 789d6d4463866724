// Package msgraph is the workplace's client for Microsoft Graph: Teams
// online meetings for rooms with video conferencing (onlineMeetings) and
// the Intune device inventory (deviceManagement/managedDevices).
//
// dbtp signs in as an app registration with OAuth 2.0 client credentials
// (application permissions). The records module has its own Graph client
// for files; modules do not import each other, so this one stands alone.
package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	maxRetries = 4
	// maxWait is the longest single wait accepted; beyond it the caller
	// (a job, retried later) is told Graph is busy.
	maxWait = time.Minute
	// maxJSON bounds one response (a page of devices is well under this).
	maxJSON = 16 << 20
)

// Client calls Microsoft Graph. It is safe for concurrent use; the access
// token is shared and renewed when it expires.
type Client struct {
	cfg   Config
	creds *clientcredentials.Config
	// hc never follows a redirect, so the bearer token cannot travel with one.
	hc *http.Client
	// wait sleeps between retries; tests replace it to record the waits.
	wait func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	token *oauth2.Token
}

// New checks cfg and returns a client; no request is made until needed.
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
	hc := *base
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		cfg: cfg,
		creds: &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL,
			Scopes: []string{graphScope}, AuthStyle: oauth2.AuthStyleInParams},
		hc:   &hc,
		wait: sleep,
	}, nil
}

// Config is the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

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

func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token.Valid() {
		return c.token.AccessToken, nil
	}
	tok, err := c.creds.Token(context.WithValue(ctx, oauth2.HTTPClient, c.hc))
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

// tokenError explains a failed token request with the status and OAuth
// error code only (the response body can be long; it never holds the
// secret, which is only in the request).
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

// call sends one Graph request (body as JSON when in is not nil) and
// decodes a successful answer into out (when not nil). It sends again
// while the answer is 429 or 503, waiting as Retry-After says, and once
// more with a new token after a 401. what names the thing for messages.
func (c *Client) call(ctx context.Context, method, rawURL string, in, out any, what string) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return platform.Internal(err)
		}
	}
	renewed := false
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
		if err != nil {
			return platform.Internal(err)
		}
		token, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return timedOut(ctx)
			}
			return unavailable(err)
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && !renewed:
			renewed = true
			discard(resp)
			c.dropToken(token)
			continue
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			wait := retryAfter(resp.Header.Get("Retry-After"), attempt, time.Now())
			discard(resp)
			if attempt == maxRetries || wait > maxWait || !fitsDeadline(ctx, wait) || c.wait(ctx, wait) != nil {
				return busy(resp.StatusCode, wait)
			}
			continue
		case resp.StatusCode >= 300:
			defer resp.Body.Close()
			return responseError(resp, what)
		}
		defer resp.Body.Close()
		if out == nil || resp.StatusCode == http.StatusNoContent {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			return nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSON)).Decode(out); err != nil {
			return unavailable(fmt.Errorf("graph: %s %s: reading the answer: %w", method, what, err))
		}
		return nil
	}
}

// retryAfter reads Retry-After (seconds, or an HTTP date); without one it
// backs off 1, 2, 4... seconds.
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

func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
