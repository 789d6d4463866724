package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// ProblemDetails is an RFC 9457 problem document. Type is "about:blank"
// (the status says it all); Code carries the platform error code for
// programs, Errors the fields to fix.
type ProblemDetails struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail,omitempty"`
	Instance  string                `json:"instance,omitempty"`
	Code      platform.Code         `json:"code"`
	RequestID string                `json:"request_id,omitempty"`
	Errors    []platform.FieldError `json:"errors,omitempty"`
}

// StatusOf maps an error to its HTTP status. Invalid input that names
// fields is 422 (the request was well-formed but its content needs fixing,
// and the errors array says where); invalid input without fields (malformed
// JSON, bad query string) is 400. Error and Problem refine this with the
// request: see statusFor.
func StatusOf(err error) int {
	e := platform.AsError(err)
	switch e.Code {
	case platform.CodeInvalid:
		if len(e.Fields) > 0 {
			return http.StatusUnprocessableEntity
		}
		return http.StatusBadRequest
	case platform.CodeUnauthorized:
		return http.StatusUnauthorized
	case platform.CodeForbidden:
		return http.StatusForbidden
	case platform.CodeNotFound:
		return http.StatusNotFound
	case platform.CodeConflict:
		return http.StatusConflict
	case platform.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case platform.CodeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// statusFor is StatusOf for a particular request: field errors on a GET or
// HEAD can only be about query parameters, which makes the request itself
// malformed (400); 422 is kept for content submitted in a body.
func statusFor(r *http.Request, err error) int {
	status := StatusOf(err)
	if status == http.StatusUnprocessableEntity && safeMethod(r.Method) {
		return http.StatusBadRequest
	}
	return status
}

// retryAfter decorates an error with how long the client should wait.
type retryAfter struct {
	err   error
	after time.Duration
}

func (e *retryAfter) Error() string { return e.err.Error() }
func (e *retryAfter) Unwrap() error { return e.err }

// WithRetryAfter attaches a wait to a rate-limited (or unavailable) error so
// Problem and Error send a Retry-After header.
func WithRetryAfter(err error, after time.Duration) error { return &retryAfter{err: err, after: after} }

// problemFor builds the problem document for err; internal errors get a
// generic detail so nothing about the failure leaks.
func problemFor(r *http.Request, err error) ProblemDetails {
	e := platform.AsError(err)
	status := statusFor(r, err)
	p := ProblemDetails{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    e.Message,
		Instance:  r.URL.Path,
		Code:      e.Code,
		RequestID: RequestID(r),
		Errors:    e.Fields,
	}
	if status == http.StatusInternalServerError {
		p.Code = platform.CodeInternal
		p.Detail = "Something went wrong on our side. Quote the request ID if you contact us."
		p.Errors = nil
	}
	return p
}

// Problem writes err as application/problem+json.
func Problem(w http.ResponseWriter, r *http.Request, err error) {
	logInternal(r, err)
	p := problemFor(r, err)
	errorHeaders(w, err)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dbtp"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(p)
}

// Error writes err for a person or a program: problem+json for the API and
// for clients that ask for JSON, otherwise an HTML page in the layout.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	if wantsJSON(r) {
		Problem(w, r, err)
		return
	}
	logInternal(r, err)
	st := stateOf(r)
	if st == nil || st.srv == nil {
		p := problemFor(r, err)
		http.Error(w, p.Detail, p.Status)
		return
	}
	p := problemFor(r, err)
	errorHeaders(w, err)
	name := "errors/error"
	switch p.Status {
	case http.StatusNotFound:
		name = "errors/not-found"
	case http.StatusForbidden:
		name = "errors/forbidden"
	case http.StatusInternalServerError:
		name = "errors/internal"
	}
	data := ErrorPage{Status: p.Status, Title: p.Title, Message: p.Detail, RequestID: p.RequestID, Fields: p.Errors}
	if rerr := st.srv.renderer.Render(w, r, p.Status, name, data); rerr != nil {
		slog.Error("web: rendering error page", "request_id", p.RequestID, "err", rerr)
		http.Error(w, p.Detail, p.Status)
	}
}

// ErrorPage is the data of the error page templates.
type ErrorPage struct {
	Status    int
	Title     string
	Message   string
	RequestID string
	Fields    []platform.FieldError
}

// NotFound answers 404 in the right format; it is the router's fallback.
func NotFound(w http.ResponseWriter, r *http.Request) {
	if isAPIPath(r.URL.Path) {
		Problem(w, r, platform.Errorf(platform.CodeNotFound, "There is no API operation at this address."))
		return
	}
	Error(w, r, platform.Errorf(platform.CodeNotFound, "Page not found"))
}

func errorHeaders(w http.ResponseWriter, err error) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	var ra *retryAfter
	if errors.As(err, &ra) && ra.after > 0 {
		h.Set("Retry-After", strconv.Itoa(int((ra.after+time.Second-1)/time.Second)))
	}
}

// logInternal logs the full chain of an internal error, which the client
// never sees.
func logInternal(r *http.Request, err error) {
	if StatusOf(err) < 500 {
		return
	}
	log := slog.Default()
	if st := stateOf(r); st != nil && st.srv != nil {
		log = st.srv.log
	}
	log.Error("web: internal error", "request_id", RequestID(r), "method", r.Method, "path", r.URL.Path, "err", err.Error())
}

// wantsJSON decides the error format: the API always answers in JSON;
// elsewhere a client that prefers JSON over HTML gets it.
func wantsJSON(r *http.Request) bool {
	if isAPIPath(r.URL.Path) {
		return true
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/html":
			return false
		case "application/json", "application/problem+json":
			return true
		}
	}
	return false
}
