package oidc

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"golang.org/x/oauth2"

	"dbtp/internal/platform"
)

// Failures the person cannot fix carry one of these in their Err, so the
// web layer can answer 502 or 503 while still showing the plain message
// (rather than a generic "problem on our side").
var (
	// ErrSetup: the provider refused dbtp's registration or request (a
	// wrong or expired client secret, a scope it does not offer). An
	// administrator must change the configuration.
	ErrSetup = errors.New("single sign-on is set up wrongly")
	// ErrProviderDown: the provider says it failed or is busy.
	ErrProviderDown = errors.New("identity provider unavailable")
)

// errorCode and aadsts pick out the parts of a provider's error that are
// safe to show: a registered OAuth error code and Entra's AADSTS number.
// The description itself is never shown: its wording is the provider's,
// often technical, and a callback URL's text is whatever its author chose.
var (
	errorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)
	aadsts    = regexp.MustCompile(`AADSTS\d{4,7}`)
)

// reference is what the person can quote to the service desk.
func reference(code, description string) string {
	ref := ""
	if errorCode.MatchString(code) {
		ref = code
	}
	if n := aadsts.FindString(description); n != "" {
		if ref != "" {
			ref += ", "
		}
		ref += n
	}
	if ref == "" {
		return ""
	}
	return " (reference for your administrator: " + ref + ")"
}

// callbackError turns the error a provider sent back to the callback
// (RFC 6749 4.1.2.1, OpenID Connect Core 3.1.2.6) into plain words. The
// code and description go to the log, bounded.
func (p *Provider) callbackError(code, description string) *platform.Error {
	name := p.cfg.DisplayName
	detail := fmt.Errorf("provider error %q: %q", truncate(code, 64), truncate(description, 300))
	ref := reference(code, description)
	switch code {
	case "access_denied":
		return p.fail(platform.CodeForbidden, "sign-in with "+name+" was cancelled or refused. If you did not cancel it, ask your administrator whether your account may use this service"+ref, detail)
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return p.fail(platform.CodeUnauthorized, name+" needs you to sign in, choose an account or give your consent there; please start again"+ref, detail)
	case "server_error", "temporarily_unavailable":
		return p.fail(platform.CodeUnauthorized, name+" is having problems at the moment; please try again in a few minutes"+ref, errors.Join(ErrProviderDown, detail))
	case "invalid_scope", "invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_client",
		"invalid_request_uri", "invalid_request_object", "request_not_supported", "request_uri_not_supported", "registration_not_supported":
		return p.fail(platform.CodeUnauthorized, "sign-in with "+name+" is not set up correctly, so it cannot be used just now. Please tell your administrator"+ref, errors.Join(ErrSetup, detail))
	}
	return p.fail(platform.CodeUnauthorized, name+" could not sign you in; please try again"+ref, detail)
}

// tokenError explains a failed code exchange. The oauth2 error's text
// includes the whole response body, so only its status, code and a
// bounded description are kept for the log.
func (p *Provider) tokenError(err error) *platform.Error {
	name := p.cfg.DisplayName
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		// No answer at all: a network failure or timeout.
		return p.fail(platform.CodeUnauthorized, "could not reach "+name+" to finish signing you in; please try again in a few minutes",
			errors.Join(ErrProviderDown, err))
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	detail := fmt.Errorf("token endpoint answered %d, error %q: %q", status, truncate(re.ErrorCode, 64), truncate(re.ErrorDescription, 300))
	ref := reference(re.ErrorCode, re.ErrorDescription)
	switch {
	case re.ErrorCode == "invalid_grant":
		return p.fail(platform.CodeUnauthorized, "your sign-in with "+name+" had expired or was already used; please start again"+ref, detail)
	case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" || status == http.StatusUnauthorized:
		return p.fail(platform.CodeUnauthorized, name+" did not accept this service's credentials (its client secret or key may be wrong or expired), so sign-in cannot be used just now. Please tell your administrator"+ref,
			errors.Join(ErrSetup, detail))
	case status >= 500:
		return p.fail(platform.CodeUnauthorized, name+" is having problems at the moment; please try again in a few minutes"+ref, errors.Join(ErrProviderDown, detail))
	}
	return p.fail(platform.CodeUnauthorized, "could not complete sign-in with "+name+"; please start again"+ref, errors.Join(ErrSetup, detail))
}
