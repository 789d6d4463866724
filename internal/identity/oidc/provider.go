package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"dbtp/internal/platform"
)

// Provider runs sign-ins against one OpenID Connect provider. It is safe for
// concurrent use and holds no per-request state: everything a sign-in needs
// between Begin and Complete travels in the sealed cookie.
type Provider struct {
	cfg          Config
	client       *http.Client
	discovered   *gooidc.Provider
	verifier     *gooidc.IDTokenVerifier
	oauth        oauth2.Config
	sealer       *sealer
	clock        platform.Clock
	replay       ReplayGuard
	assertionAlg string
	entraTenant  string // lower case; empty for a generic provider
}

// New validates cfg and fetches the provider's discovery document with
// httpClient (nil means a client with a 15 second timeout: the default
// client has none, and a stalled provider must not hold requests forever).
func New(ctx context.Context, cfg Config, httpClient *http.Client) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.DisplayName == "" {
		cfg.DisplayName = cfg.Name
	}
	p := &Provider{cfg: cfg, client: httpClient, clock: cfg.Clock, replay: cfg.Replay}
	if p.clock == nil {
		p.clock = platform.SystemClock{}
	}
	if p.replay == nil {
		p.replay = NewMemoryReplayGuard(0, p.clock.Now)
	}
	discovered, err := gooidc.NewProvider(gooidc.ClientContext(ctx, httpClient), cfg.Issuer)
	if err != nil {
		return nil, &platform.Error{Code: platform.CodeInvalid,
			Message: "oidc provider " + cfg.Name + ": could not read the discovery document; check the issuer URL and network access", Err: err}
	}
	var meta struct {
		ChallengeMethods []string `json:"code_challenge_methods_supported"`
		AuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
		Scopes           []string `json:"scopes_supported"`
	}
	if err := discovered.Claims(&meta); err != nil {
		return nil, &platform.Error{Code: platform.CodeInvalid, Message: "oidc provider " + cfg.Name + ": discovery document is not valid JSON", Err: err}
	}
	// Absent lists are common (Entra omits code_challenge_methods_supported
	// yet supports S256), so only an explicit list that leaves us out is fatal.
	if len(meta.ChallengeMethods) > 0 && !slices.Contains(meta.ChallengeMethods, "S256") {
		return nil, platform.Invalid("oidc provider " + cfg.Name + ": provider does not support PKCE with S256")
	}
	if len(meta.AuthMethods) > 0 && !slices.Contains(meta.AuthMethods, cfg.clientAuth()) {
		return nil, platform.Invalid("oidc provider " + cfg.Name + ": provider does not accept " + cfg.clientAuth() + " client authentication")
	}
	p.discovered = discovered
	p.verifier = discovered.Verifier(&gooidc.Config{ClientID: cfg.ClientID, Now: p.clock.Now})

	endpoint := discovered.Endpoint()
	p.entraTenant = cfg.entraTenant()
	p.oauth = oauth2.Config{ClientID: cfg.ClientID, RedirectURL: cfg.RedirectURL, Scopes: scopes(cfg.Scopes, meta.Scopes)}
	switch cfg.clientAuth() {
	case AuthClientSecretBasic:
		endpoint.AuthStyle = oauth2.AuthStyleInHeader
		p.oauth.ClientSecret = cfg.ClientSecret
	case AuthClientSecretPost:
		endpoint.AuthStyle = oauth2.AuthStyleInParams
		p.oauth.ClientSecret = cfg.ClientSecret
	case AuthPrivateKeyJWT:
		// InParams with no secret sends just client_id; the assertion is
		// added per request in Complete.
		endpoint.AuthStyle = oauth2.AuthStyleInParams
		p.assertionAlg, _ = signingAlg(cfg.PrivateKey) // checked by validate
	}
	p.oauth.Endpoint = endpoint

	if p.sealer, err = newSealer(cfg.CookieKey, cfg.Name); err != nil {
		return nil, platform.Internal(err)
	}
	return p, nil
}

// scopes is what to ask for: "openid" first, then the configured scopes,
// or DefaultScopes less those a provider's published list leaves out
// (configured scopes are sent as given: the operator asked for them).
func scopes(configured, supported []string) []string {
	out := []string{gooidc.ScopeOpenID}
	want := configured
	if len(want) == 0 {
		want = DefaultScopes
	}
	for _, s := range want {
		if s == gooidc.ScopeOpenID || slices.Contains(out, s) {
			continue
		}
		if len(configured) == 0 && len(supported) > 0 && !slices.Contains(supported, s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Scopes are the scopes sent in the authorisation request.
func (p *Provider) Scopes() []string { return slices.Clone(p.oauth.Scopes) }

// Name is the provider's route name.
func (p *Provider) Name() string { return p.cfg.Name }

// DisplayName is the provider's name for people.
func (p *Provider) DisplayName() string { return p.cfg.DisplayName }

// Begin starts a sign-in: it sets the sealed state cookie and redirects the
// browser to the provider. returnTo is where to go afterwards; anything that
// is not a local path becomes "/".
func (p *Provider) Begin(w http.ResponseWriter, r *http.Request, returnTo string) {
	now := p.clock.Now()
	st := flowState{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: SafeReturnTo(returnTo),
		Expires:  now.Add(flowLifetime).Unix(),
	}
	http.SetCookie(w, p.cookie(r, p.sealer.seal(st), int(flowLifetime/time.Second)))

	opts := []oauth2.AuthCodeOption{gooidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)}
	for k, v := range p.cfg.ExtraAuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	// The redirect carries nothing secret, but a cached copy would replay a
	// stale state into a later sign-in.
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.oauth.AuthCodeURL(st.State, opts...), http.StatusFound)
}

// Complete finishes a sign-in at the callback. On success it returns the
// verified Identity and the local path to send the person to. Every error
// is a *platform.Error whose message is safe to show; details for the log
// are in its Err and never include tokens or secrets.
func (p *Provider) Complete(w http.ResponseWriter, r *http.Request) (*Identity, string, error) {
	now := p.clock.Now()
	q := r.URL.Query()
	c, err := r.Cookie(p.cookieName(r))
	if err != nil {
		return nil, "", p.fail(platform.CodeUnauthorized, "your sign-in has expired or was started in another browser; please start again", nil)
	}
	st, err := p.sealer.open(c.Value, now)
	if err != nil {
		p.clearCookie(w, r)
		if errors.Is(err, errExpiredCookie) {
			return nil, "", p.fail(platform.CodeUnauthorized, "your sign-in took too long and has expired; please start again", err)
		}
		return nil, "", p.fail(platform.CodeUnauthorized, "your sign-in could not be checked; please start again", err)
	}
	// The cookie is left alone on a mismatch: the request may be a forged
	// callback, and the person's own sign-in in progress should survive it.
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		return nil, "", p.fail(platform.CodeUnauthorized, "the sign-in response did not match the sign-in started in this browser; please start again", nil)
	}
	// From here the flow ends, whatever the outcome.
	p.clearCookie(w, r)

	if e := q.Get("error"); e != "" {
		return nil, "", p.callbackError(e, q.Get("error_description"))
	}
	// RFC 9207: a provider that names itself must be the one we asked, which
	// stops a malicious provider replaying a code it got from another.
	if iss := q.Get("iss"); iss != "" && iss != p.cfg.Issuer {
		return nil, "", p.fail(platform.CodeUnauthorized, "the sign-in response came from the wrong provider; please start again", nil)
	}
	code := q.Get("code")
	if code == "" {
		return nil, "", p.fail(platform.CodeInvalid, "the sign-in response had no authorisation code; please start again", nil)
	}
	first, err := p.replay.Claim(r.Context(), replayKey(p.cfg.Name, st.State), time.Unix(st.Expires, 0))
	switch {
	case errors.Is(err, ErrReplayGuardFull):
		return nil, "", &platform.Error{Code: platform.CodeRateLimited, Message: "too many sign-ins are in progress; please try again in a few minutes", Err: err}
	case err != nil:
		return nil, "", p.fail(platform.CodeUnauthorized, "your sign-in could not be checked; please start again", err)
	case !first:
		return nil, "", p.fail(platform.CodeUnauthorized, "this sign-in response has already been used; please start again", nil)
	}

	id, err := p.exchange(r.Context(), code, st, now)
	if err != nil {
		return nil, "", err
	}
	return id, SafeReturnTo(st.ReturnTo), nil
}

// exchange redeems the code with the PKCE verifier, verifies the ID token
// and its nonce, and optionally reads userinfo.
func (p *Provider) exchange(ctx context.Context, code string, st flowState, now time.Time) (*Identity, error) {
	ctx = gooidc.ClientContext(ctx, p.client)
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(st.Verifier)}
	if p.assertionAlg != "" {
		extra, err := p.clientAssertion(now)
		if err != nil {
			return nil, platform.Internal(err)
		}
		opts = append(opts, extra...)
	}
	tok, err := p.oauth.Exchange(ctx, code, opts...)
	if err != nil {
		return nil, p.tokenError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, p.fail(platform.CodeUnauthorized, p.cfg.DisplayName+" did not return an ID token", nil)
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, p.fail(platform.CodeUnauthorized, "the sign-in token from "+p.cfg.DisplayName+" could not be verified", err)
	}
	var claims idClaims
	var all map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return nil, p.fail(platform.CodeUnauthorized, "the sign-in token from "+p.cfg.DisplayName+" could not be read", err)
	}
	if err := idt.Claims(&all); err != nil {
		return nil, p.fail(platform.CodeUnauthorized, "the sign-in token from "+p.cfg.DisplayName+" could not be read", err)
	}
	// The nonce ties the token to this browser's request; a missing one is
	// as bad as a wrong one, since we always send it.
	if claims.Nonce == "" || subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(st.Nonce)) != 1 {
		return nil, p.fail(platform.CodeUnauthorized, "the sign-in token from "+p.cfg.DisplayName+" was not issued for this sign-in", nil)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, p.fail(platform.CodeUnauthorized, "the sign-in token from "+p.cfg.DisplayName+" could not be verified", err)
		}
	}
	if p.cfg.UserInfo {
		if err := p.mergeUserInfo(ctx, tok, idt.Subject, &claims); err != nil {
			return nil, err
		}
	}
	return p.buildIdentity(idt.Issuer, claims, all, now)
}

// mergeUserInfo fills email and name from the userinfo endpoint. The
// response must be about the same subject as the ID token (OIDC Core
// 5.3.2), or a token substitution could attach someone else's email.
func (p *Provider) mergeUserInfo(ctx context.Context, tok *oauth2.Token, subject string, claims *idClaims) error {
	ui, err := p.discovered.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return p.fail(platform.CodeUnauthorized, "could not read your details from "+p.cfg.DisplayName, err)
	}
	if ui.Subject != subject {
		return p.fail(platform.CodeUnauthorized, "could not read your details from "+p.cfg.DisplayName, errors.New("userinfo subject differs from ID token subject"))
	}
	var extra idClaims
	if err := ui.Claims(&extra); err != nil {
		return p.fail(platform.CodeUnauthorized, "could not read your details from "+p.cfg.DisplayName, err)
	}
	if extra.Email != "" {
		claims.Email = extra.Email
		claims.EmailVerified = extra.EmailVerified
	}
	if extra.Name != "" {
		claims.Name = extra.Name
	}
	return nil
}

// fail builds a safe error; err is kept for the log only.
func (p *Provider) fail(code platform.Code, msg string, err error) *platform.Error {
	return &platform.Error{Code: code, Message: msg, Err: err}
}

// secure reports whether the cookie must be Secure: the request arrived
// over TLS, or the public callback is https (TLS ended at a proxy).
func (p *Provider) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(p.cfg.RedirectURL, "https://")
}

// cookieName uses the __Host- prefix when Secure, so a sibling subdomain
// cannot plant or overwrite the cookie; plain-http development cannot.
func (p *Provider) cookieName(r *http.Request) string {
	if p.secure(r) {
		return "__Host-dbtp-oidc-" + p.cfg.Name
	}
	return "dbtp-oidc-" + p.cfg.Name
}

// cookie is SameSite=Lax because the callback is a top-level GET navigation
// from the provider's site, which Strict would strip.
func (p *Provider) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: p.cookieName(r), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: p.secure(r), SameSite: http.SameSiteLaxMode}
}

func (p *Provider) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, p.cookie(r, "", -1))
}

// randomToken is 256 bits, base64url: unguessable state and nonce values.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// truncate bounds attacker-chosen text before it reaches the log.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
