package postweb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
)

// The Notify API's authentication, as GOV.UK Notify's: the caller signs a
// JWT (HS256, header typ JWT) with its API key's secret, its iss the
// service id and its iat the time it was made, to within 30 seconds. Each
// refusal is Notify's AuthError with Notify's own words, which client
// code and people's runbooks match.
//
// A token may be used again within its 30 seconds: Notify does the same
// (its tokens carry no jti), and its clients make one token a second, so
// two requests in the same second carry the same token; refusing the
// second would break them. A stolen token is worth at most 30 seconds;
// keys travel only over TLS.
//
// NOTE for the merge: notify.Verify is the templates part's; this is the
// sending part's own check, to the contract, until they are reconciled.

const (
	tokenWindow       = 30 * time.Second
	generalTokenError = "Invalid token: make sure your API token matches the example at https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
	clockError        = "Error: Your system clock must be accurate to within 30 seconds"
)

var v2UUIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func v2IsUUID(s string) bool { return v2UUIDRE.MatchString(s) }

func authError(status int, msg string) *notify.APIError {
	return &notify.APIError{Status: status, Errors: []notify.ErrorItem{{Error: "AuthError", Message: msg}}}
}

// authenticate checks the request's bearer token and returns the service
// and the key that signed it.
func (p *sendingPart) authenticate(ctx context.Context, r *http.Request) (post.Service, post.APIKey, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return post.Service{}, post.APIKey{}, authError(401, "Unauthorized: authentication token must be provided")
	}
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return post.Service{}, post.APIKey{}, authError(401, "Unauthorized: authentication bearer scheme must be used")
	}
	return p.verify(ctx, strings.TrimSpace(h[7:]))
}

func (p *sendingPart) verify(ctx context.Context, token string) (post.Service, post.APIKey, error) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil || len(tok.Headers) != 1 {
		return post.Service{}, post.APIKey{}, authError(403, generalTokenError)
	}
	var unverified map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return post.Service{}, post.APIKey{}, authError(403, generalTokenError)
	}
	iss, _ := unverified["iss"].(string)
	if iss == "" {
		return post.Service{}, post.APIKey{}, authError(403, "Invalid token: iss field not provided")
	}
	if !v2IsUUID(iss) {
		return post.Service{}, post.APIKey{}, authError(403, "Invalid token: service id is not the right data type")
	}
	sv, keys, err := p.m.ps.ServiceKeys(ctx, strings.ToLower(iss))
	switch {
	case platform.CodeOf(err) == platform.CodeNotFound:
		return sv, post.APIKey{}, authError(403, "Invalid token: service not found")
	case err != nil:
		return sv, post.APIKey{}, err
	case len(keys) == 0:
		return sv, post.APIKey{}, authError(403, "Invalid token: service has no API keys")
	case sv.Archived:
		return sv, post.APIKey{}, authError(403, "Invalid token: service is archived")
	}
	for _, k := range keys {
		var claims map[string]any
		if tok.Claims([]byte(k.Secret), &claims) != nil {
			continue // signed with another key, or not at all
		}
		if _, ok := claims["aud"]; ok {
			// An audience dbtp cannot check: Notify's library refuses these too.
			return sv, k, authError(403, generalTokenError)
		}
		iat, ok := claims["iat"].(float64)
		if !ok || math.IsNaN(iat) {
			return sv, k, authError(403, generalTokenError)
		}
		at := time.Unix(int64(iat), 0)
		now := p.m.d.Clock.Now()
		if at.Before(now.Add(-tokenWindow)) || at.After(now.Add(tokenWindow)) {
			return sv, k, authError(403, clockError)
		}
		if !k.RevokedAt.IsZero() {
			return sv, k, authError(403, "Invalid token: API key revoked")
		}
		return sv, k, nil
	}
	return sv, post.APIKey{}, authError(403, "Invalid token: API key not found")
}

// rateLimiter counts each service's API requests per key type in one-minute
// windows, as Notify's rate limit does ("3000 requests per 60 seconds"
// per key type). It is per node: with several nodes behind a balancer
// the effective limit is the node count times the setting.
type rateLimiter struct {
	mu   sync.Mutex
	wins map[string]*rateWindow
}

type rateWindow struct {
	start time.Time
	n     int
}

func (l *rateLimiter) allow(serviceID, keyType string, perMinute int, now time.Time) bool {
	if perMinute <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wins == nil {
		l.wins = map[string]*rateWindow{}
	}
	k := serviceID + " " + keyType
	w := l.wins[k]
	if w == nil || now.Sub(w.start) >= time.Minute || now.Before(w.start) {
		if len(l.wins) > 10_000 {
			clear(l.wins) // old windows of idle services: forget them all rather than grow
		}
		w = &rateWindow{start: now}
		l.wins[k] = w
	}
	w.n++
	return w.n <= perMinute
}

// keyTypeName is Notify's name of a key type in its rate limit message.
func keyTypeName(t string) string {
	switch t {
	case post.KeyTeam:
		return "TEAM"
	case post.KeyTest:
		return "TEST"
	}
	return "LIVE"
}

func rateLimitError(keyType string, perMinute int) *notify.APIError {
	return &notify.APIError{Status: 429, Errors: []notify.ErrorItem{{Error: "RateLimitError",
		Message: fmt.Sprintf("Exceeded rate limit for key type %s of %d requests per 60 seconds", keyTypeName(keyType), perMinute)}}}
}

// writeAPIError writes Notify's error JSON for err: its own *APIError as
// it is, the engine's refusals in Notify's classes, anything else a 500.
func (p *sendingPart) writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *notify.APIError
	if !errors.As(err, &ae) {
		pe := platform.AsError(err)
		switch pe.Code {
		case platform.CodeNotFound:
			ae = &notify.APIError{Status: 404, Errors: []notify.ErrorItem{{Error: "NoResultFound", Message: "No result found"}}}
		case platform.CodeInvalid:
			ae = &notify.APIError{Status: 400, Errors: []notify.ErrorItem{{Error: "BadRequestError", Message: pe.Message}}}
		case platform.CodeTooLarge:
			ae = &notify.APIError{Status: 413, Errors: []notify.ErrorItem{{Error: "BadRequestError", Message: "Request body is too large"}}}
		default:
			p.m.d.Log.ErrorContext(r.Context(), "post: Notify API", "path", r.URL.Path, "err", err)
			ae = &notify.APIError{Status: 500, Errors: []notify.ErrorItem{{Error: "Exception", Message: "Internal server error"}}}
		}
	}
	writeNotifyJSON(w, ae.Status, ae)
}

func writeNotifyJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
