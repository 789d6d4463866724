package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"dbtp/internal/platform"
)

// state is everything the shell learns about one request. One pointer lives
// in the context so that inner layers (the router, which learns the route
// pattern) can tell outer layers (logging, metrics) what they found even
// though each layer sees its own shallow copy of *http.Request.
type state struct {
	srv       *Server
	w         http.ResponseWriter // the outermost writer, used to set cookies lazily
	requestID string
	nonce     string
	pattern   string
	subject   *platform.Subject
	csrfToken string
	bodyLimit int64
}

type stateKey struct{}

func stateOf(r *http.Request) *state {
	st, _ := r.Context().Value(stateKey{}).(*state)
	return st
}

func withState(r *http.Request, st *state) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
}

// SubjectOf returns who is making the request. It is never nil: a signed-out
// visitor is an anonymous subject carrying only the client address.
func SubjectOf(r *http.Request) *platform.Subject {
	if st := stateOf(r); st != nil && st.subject != nil {
		return st.subject
	}
	return &platform.Subject{Kind: platform.SubjectAnonymous, Addr: clientHost(r.RemoteAddr)}
}

// WithSubject returns a copy of r carrying s; it exists for tests of module
// handlers and for handlers that change who is signed in mid-request.
func WithSubject(r *http.Request, s *platform.Subject) *http.Request {
	st := stateOf(r)
	if st == nil {
		st = &state{}
		r = withState(r, st)
	}
	st.subject = s
	return r
}

// Nonce returns the CSP nonce of this response, for a module that writes its
// own <script> or <style> element outside the layout.
func Nonce(r *http.Request) string {
	if st := stateOf(r); st != nil {
		return st.nonce
	}
	return ""
}

// RequestID returns the random identifier logged with the request and shown
// on the error page, so a member of the public can quote it to the help desk.
func RequestID(r *http.Request) string {
	if st := stateOf(r); st != nil {
		return st.requestID
	}
	return ""
}

// Pattern returns the ServeMux pattern that matched, or "" before routing.
func Pattern(r *http.Request) string {
	if st := stateOf(r); st != nil {
		return st.pattern
	}
	return ""
}

// randomString returns n random bytes as unpadded base64url.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
