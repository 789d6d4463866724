package graph

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

// Every failure is a *platform.Error whose Message can be shown to the
// person capturing the file. Its Err carries one of these, so the records
// module can tell, say, "ask your administrator" apart from "try again".
var (
	// ErrNotConfigured: the settings are missing or malformed.
	ErrNotConfigured = errors.New("microsoft 365 capture is not configured")
	// ErrSetup: Microsoft refused dbtp's app registration (a wrong or
	// expired client secret, an unknown tenant or application).
	ErrSetup = errors.New("microsoft 365 refused the app registration")
	// ErrAccessDenied: the app registration lacks a permission (or the
	// site has not been granted to it under Sites.Selected).
	ErrAccessDenied = errors.New("microsoft 365 denied access")
	// ErrBusy: Microsoft 365 throttled dbtp (429) or was unavailable (503)
	// after the retries; RetryAfter tells how long it asked to wait.
	ErrBusy = errors.New("microsoft 365 is busy")
	// ErrUnavailable: Microsoft 365 could not be reached or failed.
	ErrUnavailable = errors.New("microsoft 365 unavailable")
	// ErrNotFile: the item is a folder (or a OneNote notebook), not a file.
	ErrNotFile = errors.New("not a file")
	// ErrNotLink: the text is not a OneDrive for Business or SharePoint link.
	ErrNotLink = errors.New("not a onedrive or sharepoint link")
	// ErrHashMismatch: the content downloaded differs from the hash
	// Microsoft 365 holds for it.
	ErrHashMismatch = errors.New("content does not match microsoft 365's hash")
)

// busyError remembers the wait Graph asked for, for RetryAfter.
type busyError struct {
	wait   time.Duration
	status int
}

func (e *busyError) Error() string {
	return fmt.Sprintf("%v (HTTP %d, retry after %s)", ErrBusy, e.status, e.wait)
}
func (e *busyError) Is(target error) bool { return target == ErrBusy }

// RetryAfter returns how long Microsoft 365 asked dbtp to wait, when err
// says it is busy, so the caller can pass the wait on (web.WithRetryAfter).
func RetryAfter(err error) (time.Duration, bool) {
	var b *busyError
	if errors.As(err, &b) {
		return b.wait, true
	}
	return 0, false
}

func busy(status int, wait time.Duration) *platform.Error {
	return &platform.Error{Code: platform.CodeRateLimited,
		Message: "Microsoft 365 is busy and asked dbtp to wait. Try again in a few minutes.",
		Err:     &busyError{wait: wait, status: status}}
}

func unavailable(err error) *platform.Error {
	return &platform.Error{Code: platform.CodeInternal,
		Message: "Microsoft 365 could not be reached or did not answer properly. Try again later.",
		Err:     errors.Join(ErrUnavailable, err)}
}

func timedOut(ctx context.Context) *platform.Error {
	return &platform.Error{Code: platform.CodeRateLimited,
		Message: "Microsoft 365 did not answer in time. Try again in a few minutes.",
		Err:     errors.Join(ErrUnavailable, ctx.Err())}
}

// What the messages call the thing asked for.
const (
	fileWhat = "this file"
	linkWhat = "this link"
)

// graphError is Graph's error body: {"error":{"code":...,"message":...}}.
type graphError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id"`
			Date      string `json:"date"`
		} `json:"innerError"`
	} `json:"error"`
}

// responseError turns a Graph error response into a platform error. what
// names the thing asked for, as the person knows it ("this link", "the
// file"). Graph's own message goes to the log only: it is technical, and
// for a sharing link it can echo the link.
func responseError(resp *http.Response, what string) *platform.Error {
	var ge graphError
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ge)
	detail := fmt.Errorf("graph: HTTP %d, code %q, request-id %q: %.300s",
		resp.StatusCode, ge.Error.Code, ge.Error.InnerError.RequestID, ge.Error.Message)
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		return &platform.Error{Code: platform.CodeNotFound,
			Message: "Microsoft 365 has no file for " + what + ": it may have been deleted or moved, or the link may have expired.",
			Err:     detail}
	case http.StatusForbidden:
		msg := "Microsoft 365 denied dbtp access to " + what + ". An administrator must grant dbtp's app registration the Files.Read.All or Sites.Read.All application permission (or Sites.Selected with access to this site)."
		if what == linkWhat {
			msg += " Microsoft documents opening links as needing Files.ReadWrite.All."
		}
		return &platform.Error{Code: platform.CodeForbidden, Message: msg, Err: errors.Join(ErrAccessDenied, detail)}
	case http.StatusUnauthorized:
		return setupError(detail)
	case http.StatusBadRequest:
		return &platform.Error{Code: platform.CodeInvalid,
			Message: "Microsoft 365 did not recognise " + what + ". Copy the link again from OneDrive or SharePoint (Copy link, or the address bar when the file is open).",
			Err:     detail}
	case http.StatusLocked:
		return &platform.Error{Code: platform.CodeConflict,
			Message: "Microsoft 365 has locked " + what + ". Try again when it is no longer being edited.",
			Err:     detail}
	}
	return unavailable(detail)
}

func setupError(detail error) *platform.Error {
	return &platform.Error{Code: platform.CodeForbidden,
		Message: "Microsoft 365 did not accept dbtp's app registration. An administrator should check " +
			EnvTenant + ", " + EnvClientID + " and " + EnvClientSecret + " (client secrets expire).",
		Err: errors.Join(ErrSetup, detail)}
}
