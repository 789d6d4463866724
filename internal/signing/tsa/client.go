// Package tsa speaks RFC 3161, the Time-Stamp Protocol: a client that asks a
// time-stamping authority (TSA) to countersign a digest with the time, and a
// small authority of our own for tests and the demo.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// Client asks one TSA for timestamps. The zero value of every field but URL
// has a sensible default.
type Client struct {
	URL string
	// HTTP is the client used for requests; nil means one with a 20 s timeout.
	HTTP *http.Client
	// Username and Password, when set, are sent as HTTP basic authentication
	// (commercial TSAs commonly ask for it).
	Username, Password string
	// Attempts is how many times a request is tried before the failure is
	// returned as temporary (default 3); Backoff is the wait before the second
	// attempt, doubled for each one after (default 500 ms).
	Attempts int
	Backoff  time.Duration
}

// MaxResponseSize caps what is read from a TSA; real responses are a few KB.
const MaxResponseSize = 256 << 10

// TemporaryError is a failure that may pass: the TSA could not be reached, was
// overloaded or answered with a server error on every attempt. The caller
// keeps the work (the signer's signature) and tries again later.
type TemporaryError struct {
	URL      string
	Attempts int
	Err      error
}

func (e *TemporaryError) Error() string {
	return fmt.Sprintf("time-stamping authority %s unavailable after %d attempts: %v", e.URL, e.Attempts, e.Err)
}

func (e *TemporaryError) Unwrap() error { return e.Err }

// Temporary reports true: retrying later may succeed.
func (e *TemporaryError) Temporary() bool { return true }

// IsTemporary tells whether err (or an error it wraps) is a TemporaryError.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// Token is a verified timestamp token from a TSA.
type Token struct {
	// DER is the TimeStampToken (a CMS SignedData), ready to embed.
	DER  []byte
	Time time.Time
	// Certificates are those the token carries (the TSA's, at least).
	Certificates []*x509.Certificate
}

// Stamp asks the TSA to timestamp message (hashed here with h, SHA-256 when
// zero). The response is checked: granted, the imprint and nonce are ours,
// and the token's signature verifies against the certificate it carries. Its
// chain to a trusted root is for the verifier to judge.
func (c *Client) Stamp(ctx context.Context, message []byte, h crypto.Hash) (*Token, error) {
	if h == 0 {
		h = crypto.SHA256
	}
	if !h.Available() {
		return nil, fmt.Errorf("hash %v not available", h)
	}
	d := h.New()
	d.Write(message)
	return c.StampDigest(ctx, d.Sum(nil), h)
}

// StampDigest is Stamp for a digest already computed with h.
func (c *Client) StampDigest(ctx context.Context, want []byte, h crypto.Hash) (*Token, error) {
	if h == 0 || len(want) != h.Size() {
		return nil, errors.New("the digest does not match its hash function")
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req, err := (&timestamp.Request{HashAlgorithm: h, HashedMessage: want, Certificates: true, Nonce: nonce}).Marshal()
	if err != nil {
		return nil, err
	}

	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = 500 * time.Millisecond
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, &TemporaryError{URL: c.URL, Attempts: i, Err: ctx.Err()}
			case <-t.C:
			}
			backoff *= 2
		}
		body, temporary, err := c.post(ctx, req)
		if err != nil {
			if !temporary {
				return nil, err
			}
			last = err
			continue
		}
		tok, temporary, err := checkResponse(body, want, nonce)
		if err != nil {
			if !temporary {
				return nil, err
			}
			last = err
			continue
		}
		return tok, nil
	}
	return nil, &TemporaryError{URL: c.URL, Attempts: attempts, Err: last}
}

// post sends one request; temporary says whether trying again may help.
func (c *Client) post(ctx context.Context, query []byte) (body []byte, temporary bool, err error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(query))
	if err != nil {
		return nil, false, fmt.Errorf("time-stamping authority URL %q: %w", c.URL, err)
	}
	r.Header.Set("Content-Type", "application/timestamp-query")
	if c.Username != "" {
		r.SetBasicAuth(c.Username, c.Password)
	}
	resp, err := hc.Do(r)
	if err != nil {
		return nil, true, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return nil, true, err
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, true, fmt.Errorf("time-stamping authority answered %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("time-stamping authority refused the request: %s", resp.Status)
	case len(body) > MaxResponseSize:
		return nil, false, errors.New("time-stamping authority's response is too large")
	}
	return body, false, nil
}

// timeStampResp is RFC 3161's TimeStampResp, parsed here rather than by the
// timestamp package so that "grantedWithMods" counts as granted and the
// failure info can tell a temporary refusal from a permanent one.
type timeStampResp struct {
	Status struct {
		Status       int
		StatusString []asn1.RawValue `asn1:"optional"`
		FailInfo     asn1.BitString  `asn1:"optional"`
	}
	Token asn1.RawValue `asn1:"optional"`
}

// PKIFailureInfo bits (RFC 3161 section 2.4.2) for failures that may pass.
const (
	failTimeNotAvailable = 14
	failSystemFailure    = 25
)

func checkResponse(body, want []byte, nonce *big.Int) (tok *Token, temporary bool, err error) {
	var resp timeStampResp
	rest, err := asn1.Unmarshal(body, &resp)
	if err != nil || len(rest) > 0 {
		return nil, false, errors.New("time-stamping authority's response is not a TimeStampResp")
	}
	if s := resp.Status.Status; s != 0 && s != 1 {
		fi := resp.Status.FailInfo
		temp := s == 3 || fi.At(failSystemFailure) == 1 || fi.At(failTimeNotAvailable) == 1 // 3: waiting
		return nil, temp, fmt.Errorf("time-stamping authority refused the request (status %d)", s)
	}
	ts, err := timestamp.Parse(resp.Token.FullBytes)
	if err != nil {
		return nil, false, fmt.Errorf("time-stamping authority's token does not verify: %w", err)
	}
	if !bytes.Equal(ts.HashedMessage, want) {
		return nil, false, errors.New("time-stamping authority stamped another digest than the one asked for")
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, false, errors.New("time-stamping authority's reply does not carry our nonce")
	}
	return &Token{DER: ts.RawToken, Time: ts.Time, Certificates: ts.Certificates}, false, nil
}
