package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"dbtp/internal/platform"
)

// CSRF defence has two layers. http.CrossOriginProtection refuses
// state-changing requests that the browser labels cross-site (Sec-Fetch-Site,
// falling back to Origin). Behind it, every state-changing request that could
// carry ambient credentials (cookies) must present a synchronizer token: an
// HMAC of a random per-browser secret held in a cookie, masked afresh for each
// response so the token in the page never repeats (which defeats
// compression-oracle attacks such as BREACH).

// CSRFField is the name of the hidden form field carrying the token.
const CSRFField = "csrf_token"

// CSRFHeader is the request header alternative to the form field.
const CSRFHeader = "X-CSRF-Token"

const csrfSecretLen = 32

// csrfDomain separates these MACs from any other use of the secret key.
var csrfDomain = []byte("dbtp csrf v1\x00")

func csrfMAC(key, secret []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(csrfDomain)
	m.Write(secret)
	return m.Sum(nil)
}

// NewCSRFToken returns a freshly masked token for a browser secret. The
// server calls it through CSRFToken; tests (see webtest) call it to act as
// a browser that has loaded a form.
func NewCSRFToken(key, secret []byte) string { return maskCSRF(key, secret) }

// maskCSRF returns pad || (pad XOR mac) as base64url with a fresh random pad.
func maskCSRF(key, secret []byte) string {
	mac := csrfMAC(key, secret)
	out := make([]byte, 2*len(mac))
	rand.Read(out[:len(mac)])
	subtle.XORBytes(out[len(mac):], out[:len(mac)], mac)
	return base64.RawURLEncoding.EncodeToString(out)
}

// VerifyCSRFToken reports whether token is a valid masked token for the
// browser secret. It never panics on hostile input and compares in constant
// time.
func VerifyCSRFToken(key, secret []byte, token string) bool {
	if len(secret) != csrfSecretLen || len(token) != base64.RawURLEncoding.EncodedLen(2*sha256.Size) {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 2*sha256.Size {
		return false
	}
	got := make([]byte, sha256.Size)
	subtle.XORBytes(got, raw[:sha256.Size], raw[sha256.Size:])
	return hmac.Equal(got, csrfMAC(key, secret))
}

// csrfSecret reads the browser's CSRF secret from its cookie.
func (s *Server) csrfSecret(r *http.Request) []byte {
	c, err := r.Cookie(s.cookieName(s.cfg.CSRFCookie))
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) != csrfSecretLen {
		return nil
	}
	return b
}

// CSRFToken returns a token for a form in this response. The browser's
// secret cookie is created on first use, so pages without forms (and static
// files) never set a cookie.
func CSRFToken(r *http.Request) string {
	st := stateOf(r)
	if st == nil || st.srv == nil {
		return ""
	}
	if st.csrfToken != "" {
		return st.csrfToken
	}
	s := st.srv
	secret := s.csrfSecret(r)
	if secret == nil {
		secret = make([]byte, csrfSecretLen)
		rand.Read(secret)
		// No Max-Age: the secret lives as long as the browser session and
		// is worthless without the server's key.
		http.SetCookie(st.w, s.cookie(s.cfg.CSRFCookie, base64.RawURLEncoding.EncodeToString(secret), 0))
	}
	st.csrfToken = maskCSRF(s.cfg.SecretKey, secret)
	return st.csrfToken
}

// checkCSRF enforces both layers for one routed request. It must run after
// authentication (it needs to know whether cookies were involved) and after
// the body limit (it may parse the form).
func (s *Server) checkCSRF(r *http.Request) error {
	if safeMethod(r.Method) {
		return nil
	}
	if err := s.cop.Check(r); err != nil {
		return &platform.Error{Code: platform.CodeForbidden, Message: "This request came from another website, so it was refused.", Err: err}
	}
	// Bearer-token requests carry no ambient credentials, and under /api/
	// the session cookie is never read (see authenticate), so a forged
	// request there would run as anonymous: nothing to protect.
	// A DeviceCredential route (under /api/, or another protocol's own
	// paths such as GOV.UK Notify's /v2/) never reads the session cookie
	// either.
	if SubjectOf(r).Kind == platform.SubjectToken || isAPIPath(r.URL.Path) || s.router.deviceRoute(r) {
		return nil
	}
	token := r.Header.Get(CSRFHeader)
	if token == "" {
		token = r.PostFormValue(CSRFField)
	}
	if !VerifyCSRFToken(s.cfg.SecretKey, s.csrfSecret(r), token) {
		return &platform.Error{Code: platform.CodeForbidden, Message: "Your form has expired or was sent from somewhere else. Go back, reload the page and try again."}
	}
	return nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}
