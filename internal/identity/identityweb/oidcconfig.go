package identityweb

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"dbtp/internal/identity/oidc"
	"dbtp/internal/platform"
)

// oidcFromEnv reads single sign-on providers from DBTP_OIDC_* variables:
//
//	DBTP_OIDC_PROVIDERS=entra,onelogin       which providers to offer
//	DBTP_OIDC_COOKIE_KEY=<base64 32 bytes>   seals the sign-in state cookie (same on every node)
//	DBTP_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _PRIVATE_KEY_FILE,
//	_PRIVATE_KEY_ID, _CLIENT_AUTH, _DISPLAY_NAME, _SCOPES, _ROLE_CLAIM,
//	_ROLE_MAP (value=role,...), _DEFAULT_ROLE, _AUTH_PARAMS (k=v;...),
//	_USERINFO (true/false), _ENTRA_TENANT (directory ID), _ORG (organisation
//	short name users join)
//
// docs/operations.md describes each. Providers are discovered at start, so
// a wrong issuer stops the server with a clear message. The organisation is
// returned by short name (provider name to slug) and looked up at each
// sign-in, not here: `dbtp demo` creates its organisations after start, and
// an administrator may create the organisation while the server runs.
func oidcFromEnv(ctx context.Context, getenv func(string) string, baseURL string) ([]*oidc.Provider, map[string]string, error) {
	names := splitList(getenv("DBTP_OIDC_PROVIDERS"))
	if len(names) == 0 {
		return nil, nil, nil
	}
	key, err := oidc.ParseCookieKey(getenv("DBTP_OIDC_COOKIE_KEY"))
	if err != nil {
		return nil, nil, fmt.Errorf("DBTP_OIDC_COOKIE_KEY: %w", err)
	}
	orgs := map[string]string{}
	client := &http.Client{Timeout: 15 * time.Second}
	var out []*oidc.Provider
	for _, name := range names {
		p := "DBTP_OIDC_" + strings.ToUpper(name) + "_"
		get := func(k string) string { return strings.TrimSpace(getenv(p + k)) }
		cfg := oidc.Config{
			Name: name, DisplayName: get("DISPLAY_NAME"), Issuer: get("ISSUER"),
			ClientID: get("CLIENT_ID"), ClientSecret: get("CLIENT_SECRET"), PrivateKeyID: get("PRIVATE_KEY_ID"),
			ClientAuth: get("CLIENT_AUTH"), RoleClaim: get("ROLE_CLAIM"), CookieKey: key,
			RedirectURL: strings.TrimRight(baseURL, "/") + "/sign-in/oidc/" + name + "/callback",
			Scopes:      splitList(strings.ReplaceAll(get("SCOPES"), " ", ",")),
			UserInfo:    get("USERINFO") == "true", EntraTenant: get("ENTRA_TENANT"),
		}
		if f := get("PRIVATE_KEY_FILE"); f != "" {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, fmt.Errorf("%sPRIVATE_KEY_FILE: %w", p, err)
			}
			if cfg.PrivateKey, err = oidc.ParsePrivateKeyPEM(pem); err != nil {
				return nil, nil, fmt.Errorf("%sPRIVATE_KEY_FILE: %w", p, err)
			}
		}
		if r := get("DEFAULT_ROLE"); r != "" {
			role, ok := platform.ParseRole(r)
			if !ok {
				return nil, nil, fmt.Errorf("%sDEFAULT_ROLE=%q is not a role", p, r)
			}
			cfg.DefaultRole = role
		}
		if m := get("ROLE_MAP"); m != "" {
			cfg.RoleMap = map[string]platform.Role{}
			for _, pair := range splitList(m) {
				k, v, ok := strings.Cut(pair, "=")
				role, rok := platform.ParseRole(strings.TrimSpace(v))
				if !ok || !rok {
					return nil, nil, fmt.Errorf("%sROLE_MAP entry %q must be claim-value=role", p, pair)
				}
				cfg.RoleMap[strings.TrimSpace(k)] = role
			}
		}
		if ap := get("AUTH_PARAMS"); ap != "" {
			cfg.ExtraAuthParams = map[string]string{}
			for _, pair := range strings.Split(ap, ";") {
				k, v, ok := strings.Cut(pair, "=")
				if !ok {
					return nil, nil, fmt.Errorf("%sAUTH_PARAMS entry %q must be key=value", p, pair)
				}
				cfg.ExtraAuthParams[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		org := get("ORG")
		if org == "" {
			return nil, nil, fmt.Errorf("%sORG must name the organisation whose users sign in with %s", p, name)
		}
		orgs[name] = org
		prov, err := oidc.New(ctx, cfg, client)
		if err != nil {
			return nil, nil, fmt.Errorf("single sign-on provider %s: %w", name, err)
		}
		out = append(out, prov)
	}
	return out, orgs, nil
}
