// Package platform is the shared vocabulary of dbtp: identifiers, organisations,
// subjects, classifications, roles, error codes and the clock. It imports nothing
// from the rest of the tree so every other package can depend on it.
package platform

import (
	"errors"
	"fmt"
)

// Code classifies an error so the web layer can map it to a status without
// knowing where it came from.
type Code string

const (
	CodeInvalid      Code = "invalid"
	CodeNotFound     Code = "not_found"
	CodeConflict     Code = "conflict"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeRateLimited  Code = "rate_limited"
	CodeTooLarge     Code = "too_large"
	CodeInternal     Code = "internal"
)

// FieldError names one field of a form or JSON body that needs fixing.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type every module returns for expected failures. Message
// is safe to show to the person who made the request; Err is for the logs only.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with a user-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a problem with one or more fields.
func Invalid(msg string, fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: msg, Fields: fields}
}

// Internal wraps an unexpected failure; the message shown is generic.
func Internal(err error) *Error {
	return &Error{Code: CodeInternal, Message: "something went wrong on our side", Err: err}
}

// CodeOf returns the code of err, or CodeInternal when err is not an *Error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as an *Error, wrapping unknown errors as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// NotFound says which kind of thing was not found, without echoing the ID.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}
