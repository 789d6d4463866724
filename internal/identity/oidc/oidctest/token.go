package oidctest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// token redeems an authorisation code. The order of checks follows RFC
// 6749: authenticate the client, then validate the grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.reject(w, http.StatusBadRequest, "invalid_request", "form could not be parsed")
		return
	}
	method, problem := s.authenticateClient(r)
	if problem != "" {
		s.reject(w, http.StatusUnauthorized, "invalid_client", problem)
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		s.reject(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
		return
	}
	now := s.cfg.Clock()
	s.mu.Lock()
	code := r.PostForm.Get("code")
	g, ok := s.codes[code]
	// A code is spent by its first presentation, even a failed one, so a
	// stolen code cannot be retried with guessed verifiers.
	delete(s.codes, code)
	fault := s.fault
	s.mu.Unlock()
	switch {
	case !ok:
		s.reject(w, http.StatusBadRequest, "invalid_grant", "code is unknown or already used")
		return
	case !now.Before(g.expires):
		s.reject(w, http.StatusBadRequest, "invalid_grant", "code has expired")
		return
	case r.PostForm.Get("redirect_uri") != g.redirectURI:
		s.reject(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request")
		return
	case !pkceMatches(r.PostForm.Get("code_verifier"), g.challenge):
		s.reject(w, http.StatusBadRequest, "invalid_grant", "PKCE code_verifier does not match the code_challenge")
		return
	}
	idToken, err := s.idToken(g, fault, now)
	if err != nil {
		s.reject(w, http.StatusInternalServerError, "server_error", "could not sign the ID token")
		return
	}
	access := randomString()
	s.mu.Lock()
	s.access[access] = accessGrant{user: g.user, expires: now.Add(time.Hour)}
	s.lastAuth = method
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": 3600, "id_token": idToken})
}

// authenticateClient returns the method used, or why it failed. Exactly
// one method must be presented (RFC 6749 2.3).
func (s *Server) authenticateClient(r *http.Request) (method, problem string) {
	var used []string
	if _, _, ok := r.BasicAuth(); ok {
		used = append(used, AuthClientSecretBasic)
	}
	if r.PostForm.Has("client_secret") {
		used = append(used, AuthClientSecretPost)
	}
	if r.PostForm.Has("client_assertion") {
		used = append(used, AuthPrivateKeyJWT)
	}
	if len(used) != 1 {
		return "", "exactly one client authentication method must be used"
	}
	method = used[0]
	if !slices.Contains(s.cfg.AuthMethods, method) {
		return "", method + " is not accepted"
	}
	switch method {
	case AuthClientSecretBasic:
		id, secret, _ := r.BasicAuth()
		// RFC 6749 2.3.1: both parts are form-encoded before Basic encoding.
		id, err1 := url.QueryUnescape(id)
		secret, err2 := url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || !s.secretMatches(id, secret) {
			return "", "client_id or client_secret is wrong"
		}
	case AuthClientSecretPost:
		if !s.secretMatches(r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")) {
			return "", "client_id or client_secret is wrong"
		}
	case AuthPrivateKeyJWT:
		if p := s.checkAssertion(r.PostForm); p != "" {
			return "", p
		}
	}
	return method, ""
}

func (s *Server) secretMatches(id, secret string) bool {
	return s.cfg.ClientSecret != "" && id == s.cfg.ClientID &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) == 1
}

// checkAssertion validates an RFC 7523 client assertion the way One Login
// does: signed by the registered key, iss = sub = client_id, aud = the
// token endpoint, unexpired, short-lived and with a jti never seen before.
func (s *Server) checkAssertion(form url.Values) string {
	if s.cfg.ClientKey == nil {
		return "no public key is registered for private_key_jwt"
	}
	if form.Get("client_assertion_type") != clientAssertionType {
		return "client_assertion_type is wrong"
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"),
		[]jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return "client_assertion is not a signed JWT"
	}
	var c jwt.Claims
	if err := tok.Claims(s.cfg.ClientKey, &c); err != nil {
		return "client_assertion signature does not verify"
	}
	now := s.cfg.Clock()
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: s.cfg.ClientID, Subject: s.cfg.ClientID,
		AnyAudience: jwt.Audience{s.TokenURL()}, Time: now}, 0); err != nil {
		return "client_assertion claims are wrong: " + err.Error()
	}
	if c.Expiry == nil || c.Expiry.Time().Sub(now) > 5*time.Minute {
		return "client_assertion must expire within 5 minutes"
	}
	if id := form.Get("client_id"); id != "" && id != s.cfg.ClientID {
		return "client_id differs from the assertion"
	}
	if c.ID == "" {
		return "client_assertion has no jti"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.DeleteFunc(s.jtis, func(_ string, exp time.Time) bool { return !now.Before(exp) })
	if _, seen := s.jtis[c.ID]; seen {
		return "client_assertion jti was already used"
	}
	s.jtis[c.ID] = c.Expiry.Time()
	return ""
}

func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// idToken signs the ID token for a grant, bent by the current fault.
func (s *Server) idToken(g *grant, fault Fault, now time.Time) (string, error) {
	claims := map[string]any{
		"iss": s.URL, "sub": g.user.Subject, "aud": g.clientID,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "auth_time": now.Unix(),
		"nonce": g.nonce,
	}
	if !s.cfg.UserInfoOnly {
		claims["email"] = g.user.Email
		if !g.user.NoEmailVerified {
			claims["email_verified"] = g.user.EmailVerified
		}
		claims["name"] = g.user.Name
	}
	if g.user.Groups != nil {
		claims[s.cfg.GroupsClaim] = g.user.Groups
	}
	maps.Copy(claims, g.user.Claims)
	key := s.key
	switch fault {
	case FaultWrongNonce:
		claims["nonce"] = "not-the-nonce-you-sent"
	case FaultMissingNonce:
		delete(claims, "nonce")
	case FaultWrongAudience:
		claims["aud"] = "some-other-client"
	case FaultWrongIssuer:
		claims["iss"] = "https://impostor.example"
	case FaultExpired:
		claims["iat"] = now.Add(-2 * time.Hour).Unix()
		claims["exp"] = now.Add(-time.Hour).Unix()
	case FaultBadSignature:
		key = s.rogue
	case FaultNone:
	default:
		return "", fmt.Errorf("unknown fault %d", fault)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), s.keyID))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

func (s *Server) reject(w http.ResponseWriter, status int, code, desc string) {
	s.mu.Lock()
	s.rejections = append(s.rejections, code+": "+desc)
	s.mu.Unlock()
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
