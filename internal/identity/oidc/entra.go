package oidc

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// EntraAccount is who a Microsoft Entra ID token says the person is, in
// the terms Entra keeps stable. Entra ID tokens usually carry no
// email_verified claim, and their email claim is an attribute any tenant
// administrator (or, for some accounts, the person) can change, so it
// cannot link an account; the object ID can.
type EntraAccount struct {
	// TenantID (tid) is the directory the account lives in; it is always
	// the configured tenant, or the token is refused.
	TenantID string
	// ObjectID (oid) is the account's immutable ID in the tenant, the same
	// for every application, unlike sub, which differs per application.
	ObjectID string
	// UPN is the user principal name (preferred_username), set only for
	// members of the tenant: its domain is one the tenant has proved it
	// owns, and only the tenant's administrators can assign it. It is empty
	// for guests (B2B accounts from other directories), whose
	// preferred_username is whatever their home directory says.
	UPN string
}

// LinkKey is the (issuer, subject) pair an account link is stored under:
// the tenant and object ID for Entra, which survive a new app registration
// and a switch between v1 and v2 endpoints, and iss and sub otherwise.
func (id *Identity) LinkKey() (issuer, subject string) {
	if id.Entra != nil {
		return "entra:" + id.Entra.TenantID, id.Entra.ObjectID
	}
	return id.Issuer, id.Subject
}

// entraIssuer matches a tenant-specific Entra ID v2.0 issuer in the public
// and government clouds. "common", "organizations" and "consumers" are not
// tenants and do not match.
var entraIssuer = regexp.MustCompile(`^https://login\.microsoftonline\.(?:com|us)/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/v2\.0/?$`)

// entraMultiTenant matches the Entra endpoints that accept any directory.
var entraMultiTenant = regexp.MustCompile(`^https://login\.microsoftonline\.(?:com|us)/(?:common|organizations|consumers)(?:/|$)`)

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// entraTenant is the tenant Entra matching applies to: the configured one,
// which must be the tenant the issuer URL names, or the one a
// login.microsoftonline.com issuer names. Empty means a generic provider.
func (c *Config) entraTenant() string {
	if c.EntraTenant != "" {
		return strings.ToLower(c.EntraTenant)
	}
	if m := entraIssuer.FindStringSubmatch(c.Issuer); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// validateEntra checks that an explicit tenant is the one the issuer names
// (so a token from another tenant can never pass iss) and that the issuer
// is not a multi-tenant endpoint, where any organisation's accounts could
// sign in.
func (c *Config) validateEntra() (field, msg string) {
	if entraMultiTenant.MatchString(c.Issuer) {
		return "issuer", "issuer must be your tenant's own https://login.microsoftonline.com/<tenant-id>/v2.0, not common, organizations or consumers"
	}
	if c.entraTenant() != "" && len(c.Scopes) > 0 && !slices.Contains(c.Scopes, "profile") {
		// Without it Entra leaves out oid and preferred_username, and
		// every sign-in would be refused.
		return "scopes", "Entra ID sends the object ID and UPN only with the profile scope; add profile to the scopes"
	}
	if c.EntraTenant == "" {
		return "", ""
	}
	if !guid.MatchString(c.EntraTenant) {
		return "entra_tenant", "Entra tenant must be the directory (tenant) ID, a GUID"
	}
	u, err := url.Parse(c.Issuer)
	if err != nil || !strings.EqualFold(strings.TrimSuffix(u.Path, "/"), "/"+c.EntraTenant+"/v2.0") {
		return "entra_tenant", "Entra tenant must be the tenant in the issuer URL (…/<tenant-id>/v2.0)"
	}
	return "", ""
}

// entraAccount reads tid, oid and the UPN from a verified token. It fails
// (nil, false) when the token is not about an account of the tenant.
func entraAccount(tenant, issuer string, claims idClaims, all map[string]json.RawMessage) (*EntraAccount, bool) {
	var tid, oid, idp string
	_ = json.Unmarshal(all["tid"], &tid)
	_ = json.Unmarshal(all["oid"], &oid)
	_ = json.Unmarshal(all["idp"], &idp)
	if !strings.EqualFold(tid, tenant) || !guid.MatchString(oid) {
		return nil, false
	}
	acct := &EntraAccount{TenantID: tenant, ObjectID: strings.ToLower(oid)}
	// idp is present, and names another authority, only for accounts that
	// authenticated elsewhere: guests and personal Microsoft accounts.
	member := idp == "" || idp == issuer || strings.EqualFold(idp, "https://sts.windows.net/"+tenant+"/")
	if member && strings.Contains(claims.PreferredUsername, "@") && !strings.Contains(claims.PreferredUsername, "#EXT#") {
		acct.UPN = claims.PreferredUsername
	}
	return acct, true
}
