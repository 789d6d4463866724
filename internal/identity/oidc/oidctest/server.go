// Package oidctest runs a real OpenID Connect provider in-process for tests:
// discovery, JWKS, an auto-approving /authorize, a /token endpoint that
// checks client authentication and PKCE, and /userinfo. Knobs make it
// misbehave in the ways a relying party must refuse.
//
// It is deliberately strict where real providers are strict (single-use,
// expiring codes; exact redirect URIs; S256 only), so a client that passes
// here is not relying on leniency.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Fault makes the provider issue an ID token a relying party must refuse.
type Fault int

const (
	FaultNone          Fault = iota
	FaultWrongNonce          // nonce is not the one sent to /authorize
	FaultMissingNonce        // no nonce claim at all
	FaultWrongAudience       // aud is another client
	FaultWrongIssuer         // iss is another provider
	FaultExpired             // exp is an hour ago
	FaultBadSignature        // signed by a key not in the JWKS, with the JWKS key's kid
)

// Client authentication methods the token endpoint understands.
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
)

// User is the person /authorize signs in without asking.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string       // sent under Config.GroupsClaim
	Claims        map[string]any // any other ID token claims
	// NoEmailVerified leaves email_verified out altogether, as Microsoft
	// Entra ID does.
	NoEmailVerified bool
}

// Config sets up the provider.
type Config struct {
	ClientID     string
	ClientSecret string           // for client_secret_basic and client_secret_post
	ClientKey    crypto.PublicKey // for private_key_jwt
	// AuthMethods limits the accepted client authentication methods (One
	// Login accepts only private_key_jwt). Empty means all three.
	AuthMethods []string
	// RedirectURL, when set, is the only redirect_uri accepted.
	RedirectURL string
	// GroupsClaim names the claim carrying User.Groups; default "groups".
	GroupsClaim string
	// UserInfoOnly keeps email and name out of the ID token, as One Login
	// does, so the client must call /userinfo.
	UserInfoOnly bool
	User         User
	// Clock drives code, token and assertion expiry; nil means time.Now.
	Clock func() time.Time
	// Path puts the issuer, and every endpoint, under a path, as Entra's
	// /<tenant>/v2.0 is. Empty means the server's root.
	Path string
	// ScopesSupported is published in discovery; nil means openid, email
	// and profile.
	ScopesSupported []string
}

// codeLifetime is short, as at real providers; tests move the clock past it.
const codeLifetime = time.Minute

// Server is a running provider. Its URL is the issuer.
type Server struct {
	URL string

	cfg    Config
	srv    *httptest.Server
	key    *rsa.PrivateKey
	rogue  *rsa.PrivateKey
	keyID  string
	mu     sync.Mutex
	user   User
	fault  Fault
	authzE [2]string // error, error_description for /authorize; empty = approve
	codes  map[string]*grant
	access map[string]accessGrant
	jtis   map[string]time.Time
	// rejections records why token requests failed, so tests can assert
	// the right check refused them rather than any check.
	rejections []string
	lastAuth   string
	lastScope  string
}

type grant struct {
	clientID, redirectURI, challenge, nonce string
	user                                    User
	expires                                 time.Time
}

type accessGrant struct {
	user    User
	expires time.Time
}

// keys are generated once per test binary: RSA generation is the slowest
// part of starting a provider and the keys carry no test-specific meaning.
var keys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var k [2]*rsa.PrivateKey
	for i := range k {
		var err error
		if k[i], err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return k, err
		}
	}
	return k, nil
})

// Start runs a provider on 127.0.0.1 until the test ends.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	k, err := keys()
	if err != nil {
		tb.Fatalf("oidctest: generate keys: %v", err)
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if len(cfg.AuthMethods) == 0 {
		cfg.AuthMethods = []string{AuthClientSecretBasic, AuthClientSecretPost, AuthPrivateKeyJWT}
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Server{cfg: cfg, key: k[0], rogue: k[1], keyID: "oidctest-1", user: cfg.User,
		codes: map[string]*grant{}, access: map[string]accessGrant{}, jtis: map[string]time.Time{}}
	mux := http.NewServeMux()
	if cfg.ScopesSupported == nil {
		s.cfg.ScopesSupported = []string{"openid", "email", "profile"}
	}
	at := strings.TrimRight(cfg.Path, "/")
	mux.HandleFunc("GET "+at+"/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET "+at+"/jwks", s.jwks)
	mux.HandleFunc("GET "+at+"/authorize", s.authorize)
	mux.HandleFunc("POST "+at+"/token", s.token)
	mux.HandleFunc("GET "+at+"/userinfo", s.userinfo)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + at
	tb.Cleanup(s.srv.Close)
	return s
}

// TokenURL is the token endpoint, the audience of client assertions.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// SetUser changes who the next /authorize signs in.
func (s *Server) SetUser(u User) { s.mu.Lock(); s.user = u; s.mu.Unlock() }

// SetFault makes subsequent ID tokens faulty; FaultNone restores them.
func (s *Server) SetFault(f Fault) { s.mu.Lock(); s.fault = f; s.mu.Unlock() }

// SetAuthorizeError makes /authorize redirect back with error=code (for
// example "access_denied") instead of a code; an empty code approves again.
func (s *Server) SetAuthorizeError(code, description string) {
	s.mu.Lock()
	s.authzE = [2]string{code, description}
	s.mu.Unlock()
}

// Rejections lists why token requests were refused, oldest first.
func (s *Server) Rejections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rejections)
}

// LastScope is the scope parameter of the last /authorize request.
func (s *Server) LastScope() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastScope
}

// LastClientAuth is the authentication method of the last accepted token request.
func (s *Server) LastClientAuth() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuth
}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                           s.URL,
		"authorization_endpoint":                           s.URL + "/authorize",
		"token_endpoint":                                   s.TokenURL(),
		"userinfo_endpoint":                                s.URL + "/userinfo",
		"jwks_uri":                                         s.URL + "/jwks",
		"response_types_supported":                         []string{"code"},
		"subject_types_supported":                          []string{"public"},
		"id_token_signing_alg_values_supported":            []string{"RS256"},
		"token_endpoint_auth_methods_supported":            s.cfg.AuthMethods,
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256", "ES256", "EdDSA"},
		"code_challenge_methods_supported":                 []string{"S256"},
		"scopes_supported":                                 s.cfg.ScopesSupported,
		"authorization_response_iss_parameter_supported":   true,
	})
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &s.key.PublicKey, KeyID: s.keyID, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

// authorize approves at once. Problems with client_id or redirect_uri are
// shown here, never redirected, because the redirect target is untrusted
// (RFC 6749 4.1.2.1); all others go back to the client as error=.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.lastScope = q.Get("scope")
	s.mu.Unlock()
	if q.Get("client_id") != s.cfg.ClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() || (s.cfg.RedirectURL != "" && q.Get("redirect_uri") != s.cfg.RedirectURL) {
		http.Error(w, "redirect_uri is not registered", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		params.Set("state", q.Get("state"))
		params.Set("iss", s.URL)
		redirect.RawQuery = params.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	fail := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only the code flow is supported")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "openid scope is required")
		return
	case q.Get("state") == "" || q.Get("nonce") == "":
		fail("invalid_request", "state and nonce are required")
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		fail("invalid_request", "PKCE with S256 is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authzE[0] != "" {
		fail(s.authzE[0], s.authzE[1])
		return
	}
	code := randomString()
	s.codes[code] = &grant{clientID: s.cfg.ClientID, redirectURI: q.Get("redirect_uri"),
		challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), user: s.user,
		expires: s.cfg.Clock().Add(codeLifetime)}
	back(url.Values{"code": {code}})
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g, found := s.access[token]
	s.mu.Unlock()
	if !ok || !found || !s.cfg.Clock().Before(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": g.user.Subject, "email": g.user.Email,
		"email_verified": g.user.EmailVerified, "name": g.user.Name})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomString() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
