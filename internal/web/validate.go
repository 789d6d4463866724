package web

import (
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// validText reports whether s is valid UTF-8 without control characters
// other than tab, carriage return and line feed. NUL in particular must not
// reach PostgreSQL, which refuses it in text columns with an error that
// would otherwise surface as a 500.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// ValidateValues checks every key and value of a parsed query string or
// form. The error names the first offending field so the person can fix it.
func ValidateValues(v url.Values) error {
	for k, vs := range v {
		if !validText(k) {
			return platform.Invalid("A field name contains characters that are not allowed.")
		}
		for _, s := range vs {
			if !validText(s) {
				return platform.Invalid("The form contains characters that are not allowed.",
					platform.FieldError{Field: k, Message: "Remove characters that are not letters, numbers, spaces or punctuation"})
			}
		}
	}
	return nil
}

// checkQuery rejects malformed or non-text query strings up front, so no
// handler ever sees them.
func checkQuery(r *http.Request) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return platform.Invalid("The address contains a malformed query string.")
	}
	return ValidateValues(q)
}

// maxMultipartMemory bounds the part of an upload held in memory; the rest
// spills to temporary files (still within the route's body limit).
const maxMultipartMemory = 8 << 20

// parseForm parses urlencoded and multipart bodies of state-changing
// requests before the CSRF check reads the token, turning body-limit
// overruns into 413 and bad text into 400. Other bodies (JSON) are left for
// DecodeJSON.
func parseForm(r *http.Request) error {
	if safeMethod(r.Method) {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mt {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxMultipartMemory)
	default:
		return nil
	}
	if err != nil {
		return formReadError(err)
	}
	return ValidateValues(r.PostForm)
}

func formReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return tooLarge(err)
	}
	return &platform.Error{Code: platform.CodeInvalid, Message: "The form could not be read. Go back and try again.", Err: err}
}

func tooLarge(err error) *platform.Error {
	return &platform.Error{Code: platform.CodeTooLarge, Message: "The request is too large.", Err: err}
}
