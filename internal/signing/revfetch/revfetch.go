// Package revfetch fetches the revocation data a certificate names: CRLs
// from its CRL distribution points (RFC 5280) and OCSP responses from the
// responders in its Authority Information Access (RFC 6960). The seal uses
// it for a council's own imported certificate (and a commercial TSA's), so
// that PAdES-B-LT can embed current data and a revoked certificate is
// refused before it signs.
//
// It asks only the URLs the certificate names, over HTTP or HTTPS (not
// LDAP or files), follows no redirects, and bounds every request by a
// timeout and every answer by a size limit. What it fetched is checked (a
// CRL signed by the certificate's issuer and not stale, an OCSP response
// for this certificate signed by the issuer or its delegated responder)
// and kept until its next update, and never longer than MaxAge, so a
// revocation is seen within that time.
package revfetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"dbtp/internal/platform"
	"dbtp/internal/signing/pades"
)

// Defaults for a Fetcher's zero fields.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxCRLSize  = 10 << 20 // a large CA's full CRL runs to a few MB
	DefaultMaxOCSPSize = 64 << 10
	DefaultMaxAge      = time.Hour
	// ocspBriefly is how long an OCSP response without a next update is
	// kept: RFC 6960 says newer information is then always available.
	ocspBriefly = 5 * time.Minute
)

// Fetcher fetches and keeps revocation data. Its zero value works; it is
// safe for concurrent use and meant to live as long as the process.
type Fetcher struct {
	// HTTP is the client requests go through; nil means one that follows
	// no redirects and takes proxies from the environment.
	HTTP        *http.Client
	Timeout     time.Duration // per request; zero: DefaultTimeout
	MaxCRLSize  int64         // bytes; zero: DefaultMaxCRLSize
	MaxOCSPSize int64         // bytes; zero: DefaultMaxOCSPSize
	// MaxAge is the longest anything fetched is kept, even when it says
	// it is good for longer; zero: DefaultMaxAge.
	MaxAge time.Duration
	Now    func() time.Time // nil: time.Now

	mu    sync.Mutex
	cache map[string]kept
	once  sync.Once
	hc    *http.Client
}

type kept struct {
	der   []byte
	until time.Time
}

// Error says why no revocation data could be had for a certificate that
// names where to find it.
type Error struct {
	Cert string // the certificate's common name
	// Temporary is true when a server did not answer, timed out or
	// answered 5xx or 429: asking again later may work.
	Temporary bool
	Reasons   []string // one per URL tried
}

func (e *Error) Error() string {
	return fmt.Sprintf("no revocation data could be fetched for the certificate %q: %s", e.Cert, strings.Join(e.Reasons, "; "))
}

// IsTemporary tells whether err is a fetch that may work later.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// Source is f as the seal's source of revocation data.
func (f *Fetcher) Source() pades.RevocationSource { return f.Fetch }

// Fetch returns current CRLs and OCSP responses for cert, issued by
// issuer, from the URLs cert names: the first CRL distribution point that
// gives a good CRL and the first OCSP responder that gives a response. A
// certificate that names none gets nothing, and no error. When it names
// some and none gives data, the error is an *Error inside a platform error:
// invalid when the answers were wrong (a CRL another CA signed, a stale
// one, one too large), otherwise temporary (IsTemporary).
func (f *Fetcher) Fetch(ctx context.Context, cert, issuer *x509.Certificate) (pades.Revocation, error) {
	var rev pades.Revocation
	if cert == nil || issuer == nil {
		return rev, nil
	}
	fail := &Error{Cert: cert.Subject.CommonName}
	tried := false
	for _, u := range cert.CRLDistributionPoints {
		tried = true
		der, temp, err := f.crl(ctx, u, issuer)
		if err == nil {
			rev.CRLs = append(rev.CRLs, der)
			break
		}
		fail.Reasons, fail.Temporary = append(fail.Reasons, fmt.Sprintf("the CRL at %s: %v", u, err)), fail.Temporary || temp
	}
	for _, u := range cert.OCSPServer {
		tried = true
		der, temp, err := f.ocsp(ctx, u, cert, issuer)
		if err == nil {
			rev.OCSPs = append(rev.OCSPs, der)
			break
		}
		fail.Reasons, fail.Temporary = append(fail.Reasons, fmt.Sprintf("the OCSP responder at %s: %v", u, err)), fail.Temporary || temp
	}
	if !tried || len(rev.CRLs)+len(rev.OCSPs) > 0 {
		return rev, nil
	}
	if fail.Temporary {
		return rev, fail
	}
	return rev, &platform.Error{Code: platform.CodeInvalid, Message: fail.Error(), Err: fail}
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) client() *http.Client {
	f.once.Do(func() {
		f.hc = f.HTTP
		if f.hc == nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			f.hc = &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
	})
	return f.hc
}

// crl gives the current CRL at u, signed by issuer: kept, or fetched.
func (f *Fetcher) crl(ctx context.Context, u string, issuer *x509.Certificate) (der []byte, temporary bool, err error) {
	now := f.now()
	key := "crl " + u
	if der, ok := f.kept(key, now); ok {
		if crl, err := x509.ParseRevocationList(der); err == nil && crl.CheckSignatureFrom(issuer) == nil {
			return der, false, nil
		}
	}
	body, temporary, err := f.get(ctx, http.MethodGet, u, "application/pkix-crl", nil, f.limit(f.MaxCRLSize, DefaultMaxCRLSize))
	if err != nil {
		return nil, temporary, err
	}
	if b, _ := pem.Decode(body); b != nil && b.Type == "X509 CRL" {
		body = b.Bytes // some CAs publish PEM
	}
	crl, err := x509.ParseRevocationList(body)
	if err != nil {
		return nil, false, errors.New("not a CRL")
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, false, fmt.Errorf("not signed by the issuer %q", issuer.Subject.CommonName)
	}
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(now) {
		return nil, false, fmt.Errorf("stale: its next update was due %s", crl.NextUpdate.UTC().Format(time.RFC3339))
	}
	f.keep(key, crl.Raw, crl.NextUpdate, now)
	return crl.Raw, false, nil
}

// ocsp gives a current OCSP response for cert from the responder at u.
func (f *Fetcher) ocsp(ctx context.Context, u string, cert, issuer *x509.Certificate) (der []byte, temporary bool, err error) {
	now := f.now()
	spki := sha256.Sum256(issuer.RawSubjectPublicKeyInfo)
	key := "ocsp " + u + " " + hex.EncodeToString(spki[:]) + " " + cert.SerialNumber.Text(16)
	if der, ok := f.kept(key, now); ok {
		return der, false, nil
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, false, err
	}
	body, temporary, err := f.get(ctx, http.MethodPost, u, "application/ocsp-response", req, f.limit(f.MaxOCSPSize, DefaultMaxOCSPSize))
	if err != nil {
		return nil, temporary, err
	}
	resp, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		// A responder's "try later" is temporary; anything else is not.
		var re ocsp.ResponseError
		return nil, errors.As(err, &re) && re.Status == ocsp.TryLater, fmt.Errorf("no usable response: %v", err)
	}
	switch {
	case resp.Status == ocsp.Unknown:
		return nil, false, errors.New("the responder does not know the certificate")
	case resp.ThisUpdate.After(now.Add(5 * time.Minute)):
		return nil, false, errors.New("the response is dated in the future")
	case !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(now):
		return nil, false, errors.New("the response is stale")
	}
	next := resp.NextUpdate
	if next.IsZero() {
		next = now.Add(ocspBriefly)
	}
	f.keep(key, body, next, now)
	return body, false, nil
}

func (f *Fetcher) limit(v, def int64) int64 {
	if v > 0 {
		return v
	}
	return def
}

// get asks u (http or https only), at most limit bytes back.
func (f *Fetcher) get(ctx context.Context, method, u, accept string, body []byte, limit int64) ([]byte, bool, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, false, errors.New("not fetched: only http and https addresses are asked")
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", accept)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/ocsp-request")
	}
	res, err := f.client().Do(req)
	if err != nil {
		return nil, true, errors.New("no answer: " + strings.TrimPrefix(err.Error(), method+" "))
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
		return nil, true, fmt.Errorf("answered %s", res.Status)
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return nil, false, fmt.Errorf("answered %s (redirects are not followed)", res.Status)
	case res.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("answered %s", res.Status)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, true, fmt.Errorf("reading the answer: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, false, fmt.Errorf("the answer is over %d bytes", limit)
	}
	return b, false, nil
}

func (f *Fetcher) kept(key string, now time.Time) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.cache[key]
	if !ok || !now.Before(k.until) {
		delete(f.cache, key)
		return nil, false
	}
	return k.der, true
}

// keep holds der until next, and at most MaxAge.
func (f *Fetcher) keep(key string, der []byte, next, now time.Time) {
	maxAge := f.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	until := now.Add(maxAge)
	if !next.IsZero() && next.Before(until) {
		until = next
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cache == nil {
		f.cache = map[string]kept{}
	}
	if len(f.cache) >= 1000 {
		for k, v := range f.cache {
			if !now.Before(v.until) {
				delete(f.cache, k)
			}
		}
	}
	f.cache[key] = kept{der: der, until: until}
}
