package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"dbtp/internal/platform"
)

// Every failure is a *platform.Error whose Message can be shown to an
// administrator; its Err carries one of these.
var (
	// ErrNotConfigured: the settings are missing or malformed.
	ErrNotConfigured = errors.New("microsoft graph is not configured")
	// ErrSetup: Microsoft refused the app registration (a wrong or
	// expired client secret, an unknown tenant or application).
	ErrSetup = errors.New("microsoft graph refused the app registration")
	// ErrAccessDenied: the app registration lacks a permission, or (for
	// online meetings) an application access policy for the organizer.
	ErrAccessDenied = errors.New("microsoft graph denied access")
	// ErrBusy: Graph throttled dbtp (429) or was unavailable (503) after
	// the retries; RetryAfter tells how long it asked to wait.
	ErrBusy = errors.New("microsoft graph is busy")
	// ErrUnavailable: Graph could not be reached or failed.
	ErrUnavailable = errors.New("microsoft graph unavailable")
)

type busyError struct {
	wait   time.Duration
	status int
}

func (e *busyError) Error() string {
	return fmt.Sprintf("%v (HTTP %d, retry after %s)", ErrBusy, e.status, e.wait)
}
func (e *busyError) Is(target error) bool { return target == ErrBusy }

// RetryAfter returns how long Graph asked dbtp to wait, when err says it
// is busy.
func RetryAfter(err error) (time.Duration, bool) {
	var b *busyError
	if errors.As(err, &b) {
		return b.wait, true
	}
	return 0, false
}

func busy(status int, wait time.Duration) *platform.Error {
	return &platform.Error{Code: platform.CodeRateLimited, Message: "Microsoft Graph is busy and asked dbtp to wait. Try again in a few minutes.",
		Err: &busyError{wait: wait, status: status}}
}

func unavailable(err error) *platform.Error {
	return &platform.Error{Code: platform.CodeInternal, Message: "Microsoft Graph could not be reached or did not answer properly. Try again later.",
		Err: errors.Join(ErrUnavailable, err)}
}

func timedOut(ctx context.Context) *platform.Error {
	return &platform.Error{Code: platform.CodeRateLimited, Message: "Microsoft Graph did not answer in time. Try again in a few minutes.",
		Err: errors.Join(ErrUnavailable, ctx.Err())}
}

func setupError(detail error) *platform.Error {
	return &platform.Error{Code: platform.CodeForbidden,
		Message: "Microsoft Graph did not accept dbtp's app registration. An administrator should check " +
			EnvTenant + ", " + EnvClientID + " and " + EnvClientSecret + " (client secrets expire).",
		Err: errors.Join(ErrSetup, detail)}
}

// graphError is Graph's error body: {"error":{"code":...,"message":...}}.
type graphError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// responseError turns a Graph error response into a platform error;
// Graph's own message goes to the log only (through Err).
func responseError(resp *http.Response, what string) *platform.Error {
	var ge graphError
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ge)
	detail := fmt.Errorf("graph: HTTP %d, code %q, request-id %q: %.300s", resp.StatusCode, ge.Error.Code, ge.Error.InnerError.RequestID, ge.Error.Message)
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		return &platform.Error{Code: platform.CodeNotFound, Message: "Microsoft Graph has no " + what + ".", Err: detail}
	case http.StatusForbidden:
		return &platform.Error{Code: platform.CodeForbidden, Err: errors.Join(ErrAccessDenied, detail),
			Message: "Microsoft Graph denied dbtp access to " + what + ". An administrator must grant the app registration the permission it needs " +
				"(OnlineMeetings.ReadWrite.All with an application access policy for the organizer, or DeviceManagementManagedDevices.Read.All)."}
	case http.StatusUnauthorized:
		return setupError(detail)
	case http.StatusBadRequest:
		return &platform.Error{Code: platform.CodeInvalid, Message: "Microsoft Graph refused the request for " + what + ".", Err: detail}
	}
	return unavailable(detail)
}
