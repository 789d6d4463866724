// Package oidc signs people in with OpenID Connect: Microsoft Entra ID for
// staff and GOV.UK One Login for residents. It runs the authorisation code
// flow with PKCE (S256), state and nonce, keeps the in-flight values in an
// encrypted cookie so any node can finish a sign-in another node began, and
// turns the verified ID token into an Identity whose roles come from a claim.
//
// The package knows nothing about users or sessions: the caller (identity or
// the composition root) decides what an Identity means for the platform.
package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// Client authentication methods at the token endpoint.
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
)

// CookieKeySize is the length of Config.CookieKey: an AES-256 key.
const CookieKeySize = 32

// Config describes one identity provider. It is built by the composition root
// (from DBTP_OIDC_* settings) and never changed afterwards.
type Config struct {
	// Name is the short, URL-safe name used in routes and cookie names
	// ("entra", "onelogin").
	Name string
	// DisplayName is shown to people ("Council staff sign-in").
	DisplayName string
	// Issuer is the exact issuer URL; discovery is fetched from
	// Issuer + "/.well-known/openid-configuration" and every ID token's iss
	// must equal it. For Entra use the tenant-specific v2.0 issuer, not
	// "common", so tokens from other tenants are refused.
	Issuer       string
	ClientID     string
	ClientSecret string
	// PrivateKey, when set, authenticates the client at the token endpoint
	// with private_key_jwt (RFC 7523), as GOV.UK One Login requires. RSA
	// (RS256), ECDSA P-256 (ES256) and Ed25519 (EdDSA) keys are accepted.
	PrivateKey crypto.Signer
	// PrivateKeyID is the "kid" sent in the client assertion header, for
	// providers that hold several keys for one client. Optional.
	PrivateKeyID string
	// ClientAuth picks the token endpoint authentication method. Empty means
	// private_key_jwt when PrivateKey is set, otherwise client_secret_basic.
	ClientAuth string
	// RedirectURL is the absolute callback URL registered with the provider,
	// e.g. https://council.example/sign-in/oidc/entra/callback.
	RedirectURL string
	// Scopes are requested in addition to "openid", which is always sent.
	// Empty means DefaultScopes, less any the provider's discovery document
	// says it does not support (One Login, say, has no "profile").
	Scopes []string
	// RoleClaim names the ID token claim whose values map to roles
	// ("groups" or "roles" for Entra). Empty means roles come only from
	// DefaultRole.
	RoleClaim string
	// RoleMap maps a claim value (an Entra group object ID or app role name)
	// to a platform role. Values not in the map are ignored.
	RoleMap map[string]platform.Role
	// DefaultRole is given when no claim value maps to a role (resident for
	// One Login). Empty means such people are refused.
	DefaultRole platform.Role
	// ExtraAuthParams are added to the authorisation request, e.g. One
	// Login's vtr=["Cl.Cm"] or Entra's domain_hint.
	ExtraAuthParams map[string]string
	// UserInfo fetches the userinfo endpoint after the exchange to fill in
	// email and name. One Login puts them only there, not in the ID token.
	UserInfo bool
	// OrgID is the organisation people signing in here belong to.
	OrgID string
	// EntraTenant is the Microsoft Entra ID directory (tenant) ID. It
	// switches on Entra account matching (see EntraAccount): every token
	// must carry this tid and an oid. It must be the tenant the issuer URL
	// names; a https://login.microsoftonline.com/<tenant>/v2.0 issuer sets it
	// without being asked.
	EntraTenant string

	// CookieKey is the AES-256-GCM key that seals the state cookie. It must
	// be CookieKeySize random bytes and the same on every node, or a sign-in
	// begun on one node cannot finish on another. Providers may share a key:
	// each cookie is bound to its provider's name. Changing the key only
	// fails sign-ins begun in the last ten minutes; nothing else uses it.
	// Generate one with `openssl rand -base64 32` and load it with
	// ParseCookieKey.
	CookieKey []byte
	// Clock tells the time for cookie and token expiry; nil means the system clock.
	Clock platform.Clock
	// Replay remembers completed sign-ins; nil means an in-memory set, which
	// is right for one node. Several nodes need a shared implementation.
	Replay ReplayGuard
}

// Identity is a person the provider vouched for.
type Identity struct {
	Provider      string // Config.Name
	Issuer        string
	Subject       string // the provider's stable ID for the person; pair it with Issuer
	Email         string
	EmailVerified bool
	Name          string
	Roles         []platform.Role
	Groups        []string // the raw RoleClaim values, for audit and diagnosis
	OrgID         string
	AuthTime      time.Time // when the person authenticated at the provider
	// Entra is set when the provider is Microsoft Entra ID (EntraTenant);
	// link accounts with LinkKey rather than Issuer and Subject.
	Entra *EntraAccount
}

// DefaultScopes are asked for when Config.Scopes is empty: without email
// and profile most providers (Dex, Keycloak, Google, Entra) leave the
// email address and name out of the ID token, and nobody can be matched
// to an account.
var DefaultScopes = []string{"openid", "email", "profile"}

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// validate reports the first configuration mistake as an invalid error that
// names the setting, so the operator can fix it from one line of output. It
// never echoes secrets.
func (c *Config) validate() error {
	bad := func(field, msg string) error {
		return platform.Invalid("oidc provider "+c.Name+": "+msg, platform.FieldError{Field: field, Message: msg})
	}
	if !providerName.MatchString(c.Name) {
		return platform.Invalid("oidc provider name must be 1-32 lower-case letters, digits or hyphens",
			platform.FieldError{Field: "name", Message: "use a short name such as entra or onelogin"})
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("issuer", "issuer must be an absolute http(s) URL")
	}
	if f, msg := c.validateEntra(); f != "" {
		return bad(f, msg)
	}
	if c.ClientID == "" {
		return bad("client_id", "client ID is required")
	}
	if u, err := url.Parse(c.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("redirect_url", "redirect URL must be an absolute http(s) URL")
	}
	switch c.clientAuth() {
	case AuthClientSecretBasic, AuthClientSecretPost:
		if c.ClientSecret == "" {
			return bad("client_secret", "client secret is required for "+c.clientAuth())
		}
	case AuthPrivateKeyJWT:
		if _, err := signingAlg(c.PrivateKey); err != nil {
			return bad("private_key", err.Error())
		}
	default:
		return bad("client_auth", "client authentication must be client_secret_basic, client_secret_post or private_key_jwt")
	}
	if len(c.CookieKey) != CookieKeySize {
		return bad("cookie_key", fmt.Sprintf("cookie key must be %d random bytes", CookieKeySize))
	}
	for v, r := range c.RoleMap {
		if _, ok := platform.ParseRole(string(r)); !ok {
			return bad("role_map", fmt.Sprintf("role map entry %q names unknown role %q", v, r))
		}
	}
	if c.DefaultRole != "" {
		if _, ok := platform.ParseRole(string(c.DefaultRole)); !ok {
			return bad("default_role", fmt.Sprintf("unknown default role %q", c.DefaultRole))
		}
	}
	if c.DefaultRole == "" && (c.RoleClaim == "" || len(c.RoleMap) == 0) {
		return bad("role_map", "set a default role, or a role claim with a role map, or nobody could sign in")
	}
	for k := range c.ExtraAuthParams {
		if slices.Contains(reservedAuthParams, k) {
			return bad("extra_auth_params", fmt.Sprintf("%q is set by the sign-in flow and cannot be overridden", k))
		}
	}
	return nil
}

// reservedAuthParams carry the flow's own security values; letting config
// override them would silently switch off state, nonce or PKCE.
var reservedAuthParams = []string{"state", "nonce", "code_challenge", "code_challenge_method",
	"client_id", "redirect_uri", "response_type", "scope"}

func (c *Config) clientAuth() string {
	if c.ClientAuth != "" {
		return c.ClientAuth
	}
	if c.PrivateKey != nil {
		return AuthPrivateKeyJWT
	}
	return AuthClientSecretBasic
}

// ParseCookieKey decodes a base64 (standard or URL alphabet, padded or not)
// cookie key, as set in DBTP_OIDC_COOKIE_KEY, and checks its length. The
// error never echoes the value.
func ParseCookieKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == CookieKeySize {
			return k, nil
		}
	}
	return nil, platform.Invalid(fmt.Sprintf("OIDC cookie key must be %d random bytes in base64; generate one with: openssl rand -base64 32", CookieKeySize),
		platform.FieldError{Field: "cookie_key", Message: "not base64 of 32 bytes"})
}

// ParsePrivateKeyPEM reads a PKCS#8, PKCS#1 (RSA) or SEC 1 (EC) private key,
// so the composition root can load DBTP_OIDC_<NAME>_PRIVATE_KEY_FILE. The
// error never contains key material.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, platform.Invalid("private key file is not PEM")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, platform.Invalid("private key PEM block must be PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY")
	}
	if err != nil {
		return nil, platform.Invalid("private key could not be parsed")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, platform.Invalid("private key type cannot sign")
	}
	if _, err := signingAlg(signer); err != nil {
		return nil, platform.Invalid(err.Error())
	}
	return signer, nil
}

// signingAlg picks the JWS algorithm for a client assertion key.
func signingAlg(k crypto.Signer) (string, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("RSA private key must be at least 2048 bits")
		}
		return "RS256", nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("ECDSA private key must use P-256")
		}
		return "ES256", nil
	case ed25519.PrivateKey:
		return "EdDSA", nil
	case nil:
		return "", fmt.Errorf("private key is required for private_key_jwt")
	}
	return "", fmt.Errorf("private key must be RSA, ECDSA P-256 or Ed25519")
}
