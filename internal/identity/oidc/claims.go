package oidc

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// idClaims are the ID token (or userinfo) claims this package reads. Fields
// whose shape varies between providers are kept raw and decoded leniently.
type idClaims struct {
	Subject       string          `json:"sub"`
	Nonce         string          `json:"nonce"`
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
	// Entra puts the sign-in name here when there is no email claim.
	PreferredUsername string   `json:"preferred_username"`
	AuthTime          *float64 `json:"auth_time"`
	// ClaimNames is Entra's "group overage" marker: with too many groups
	// the groups claim is replaced by a pointer to Microsoft Graph.
	ClaimNames map[string]string `json:"_claim_names"`
}

// boolClaim accepts true/false and the strings "true"/"false", because
// some providers (older Entra, Cognito) send email_verified as a string.
func boolClaim(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.EqualFold(s, "true")
	}
	return false
}

// stringsClaim reads a claim that is a string or an array of strings, as
// "groups", "roles" and "vot"-style claims variously are. Other shapes
// yield nothing rather than an error: an unmappable claim means no roles.
func stringsClaim(all map[string]json.RawMessage, name string) []string {
	raw, ok := all[name]
	if !ok {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return slices.DeleteFunc(list, func(s string) bool { return s == "" })
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		// A space-separated string is how some providers send scopes and
		// roles; splitting also copes with a single value.
		return strings.Fields(one)
	}
	return nil
}

// mapRoles turns claim values into roles: several values may map, unknown
// ones are ignored, duplicates collapse, and the result follows the order
// of platform.Roles so it is stable for audit entries and tests.
func (c *Config) mapRoles(values []string) []platform.Role {
	got := make(map[platform.Role]bool)
	for _, v := range values {
		if r, ok := c.RoleMap[v]; ok {
			got[r] = true
		}
	}
	if len(got) == 0 && c.DefaultRole != "" {
		got[c.DefaultRole] = true
	}
	var roles []platform.Role
	for _, r := range platform.Roles {
		if got[r] {
			roles = append(roles, r)
		}
	}
	return roles
}

// buildIdentity assembles the Identity from verified claims and refuses
// people with no role, with a message that tells them whom to ask.
func (p *Provider) buildIdentity(issuer string, claims idClaims, all map[string]json.RawMessage, now time.Time) (*Identity, error) {
	if claims.Subject == "" {
		return nil, p.fail(platform.CodeUnauthorized, "the sign-in token had no subject", nil)
	}
	var groups []string
	if p.cfg.RoleClaim != "" {
		groups = stringsClaim(all, p.cfg.RoleClaim)
	}
	roles := p.cfg.mapRoles(groups)
	if len(roles) == 0 {
		if _, overage := claims.ClaimNames[p.cfg.RoleClaim]; overage && p.cfg.RoleClaim != "" {
			return nil, &platform.Error{Code: platform.CodeForbidden,
				Message: "you belong to too many groups for " + p.cfg.DisplayName + " to list; ask your administrator to assign you an app role instead"}
		}
		return nil, &platform.Error{Code: platform.CodeForbidden,
			Message: "your " + p.cfg.DisplayName + " account is not allowed to use this service; ask your administrator to add you to a group that is"}
	}
	id := &Identity{
		Provider:      p.cfg.Name,
		Issuer:        issuer,
		Subject:       claims.Subject,
		Email:         claims.Email,
		EmailVerified: boolClaim(claims.EmailVerified),
		Name:          claims.Name,
		Roles:         roles,
		Groups:        groups,
		OrgID:         p.cfg.OrgID,
		AuthTime:      now,
	}
	if id.Email == "" && strings.Contains(claims.PreferredUsername, "@") {
		// An Entra UPN looks like an email but is not verified as one.
		id.Email = claims.PreferredUsername
		id.EmailVerified = false
	}
	if p.entraTenant != "" {
		acct, ok := entraAccount(p.entraTenant, issuer, claims, all)
		if !ok {
			// iss already names the tenant, so this is a token without
			// tid or oid (a v1 token, or a misconfigured app registration).
			return nil, p.fail(platform.CodeUnauthorized, "the sign-in token from "+p.cfg.DisplayName+" did not say which account it is for",
				errors.New("entra ID token without the configured tid or a valid oid"))
		}
		id.Entra = acct
	}
	if claims.AuthTime != nil && *claims.AuthTime > 0 {
		id.AuthTime = time.Unix(int64(*claims.AuthTime), 0).UTC()
	}
	return id, nil
}
