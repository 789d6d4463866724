package postweb

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
)

// The Notify API's authentication, as GOV.UK Notify's: the caller signs a
// JWT (HS256, header typ JWT) with its API key's secret, its iss the
// service id and its iat the time it was made, to within 30 seconds. The
// check is the notify package's (notify.BearerToken, notify.VerifyToken:
// each refusal is Notify's AuthError in Notify's own words, which client
// code and people's runbooks match); this file gives it the service's
// keys.
//
// A token may be used again within its 30 seconds: Notify does the same
// (its tokens carry no jti), and its clients make one token a second, so
// two requests in the same second carry the same token; refusing the
// second would break them. A stolen token is worth at most 30 seconds;
// keys travel only over TLS.

// authenticate checks the request's bearer token and returns the service
// and the key that signed it.
func (p *sendingPart) authenticate(ctx context.Context, r *http.Request) (post.Service, post.APIKey, error) {
	token, err := notify.BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		return post.Service{}, post.APIKey{}, err
	}
	return p.verify(ctx, token)
}

func (p *sendingPart) verify(ctx context.Context, token string) (post.Service, post.APIKey, error) {
	var sv post.Service
	var keys []post.APIKey
	_, keyID, err := notify.VerifyToken(token, func(iss string) (notify.ServiceKeys, error) {
		var err error
		sv, keys, err = p.m.ps.ServiceKeys(ctx, strings.ToLower(iss))
		if platform.CodeOf(err) == platform.CodeNotFound {
			return notify.ServiceKeys{}, nil
		}
		if err != nil {
			return notify.ServiceKeys{}, err
		}
		sk := notify.ServiceKeys{Found: true, Archived: sv.Archived}
		for _, k := range keys {
			sk.Keys = append(sk.Keys, notify.Key{ID: k.ID, Secret: k.Secret, Revoked: !k.RevokedAt.IsZero()})
		}
		return sk, nil
	}, p.m.d.Clock.Now())
	if err != nil {
		return sv, post.APIKey{}, err
	}
	for _, k := range keys {
		if k.ID == keyID {
			return sv, k, nil
		}
	}
	return sv, post.APIKey{}, notify.NewError(403, notify.ErrAuth, notify.MsgKeyNotFound)
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
