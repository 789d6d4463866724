package web

import (
	"context"
	"net/http"
	"net/url"

	"dbtp/internal/platform"
)

// Authenticator turns credentials into subjects; identity implements it and
// cmd/dbtp wires it in with WithAuthenticator. addr is the client address
// for the audit log. Errors with a code other than internal mean "not
// signed in": the session cookie is then cleared, or the bearer request
// refused with 401.
type Authenticator interface {
	// SessionSubject resolves the value of the session cookie.
	SessionSubject(ctx context.Context, cookieValue, addr string) (*platform.Subject, error)
	// TokenSubject resolves an API bearer token; the subject's Kind must
	// be platform.SubjectToken.
	TokenSubject(ctx context.Context, token, addr string) (*platform.Subject, error)
}

// SignInPath is where RequireSignedIn sends signed-out visitors; identity
// serves it and honours the "return" query parameter via SafeReturn.
const SignInPath = "/sign-in"

// RequireSignedIn lets authenticated subjects through. Others get a 401
// problem on the API, or a redirect to the sign-in page that brings them
// back afterwards.
func RequireSignedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if SubjectOf(r).Authenticated() {
			next.ServeHTTP(w, r)
			return
		}
		if isAPIPath(r.URL.Path) || !safeMethod(r.Method) && r.Method != http.MethodPost {
			Error(w, r, platform.Errorf(platform.CodeUnauthorized, "You need to sign in to do this."))
			return
		}
		ret := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			// A form post cannot be replayed after sign-in; come back to
			// the page instead (the referring form is not known, so home).
			ret = "/"
		}
		http.Redirect(w, r, SignInPath+"?return="+url.QueryEscape(SafeReturn(ret)), http.StatusSeeOther)
	})
}

// RequireSignedInFunc is RequireSignedIn for error-returning handlers.
func RequireSignedInFunc(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return RequireSignedIn(HandlerFunc(h))
}
