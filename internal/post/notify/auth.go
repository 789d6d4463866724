package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// APIError is Notify's error response: the HTTP status and a list of
// {"error": class, "message": text}, written as
// {"status_code": 400, "errors": [...]}.
type APIError struct {
	Status int         `json:"status_code"`
	Errors []ErrorItem `json:"errors"`
}

// ErrorItem is one of an APIError's errors.
type ErrorItem struct {
	Error   string `json:"error"`   // BadRequestError, AuthError, ValidationError, RateLimitError, TooManyRequestsError
	Message string `json:"message"` // Notify's own words where a client might match them
}

func (e *APIError) Error() string {
	if len(e.Errors) == 0 {
		return "notify error"
	}
	return e.Errors[0].Message
}

// Notify's error classes.
const (
	ErrAuth            = "AuthError"
	ErrBadRequest      = "BadRequestError"
	ErrValidation      = "ValidationError"
	ErrRateLimit       = "RateLimitError"
	ErrTooManyRequests = "TooManyRequestsError"
	ErrNoResult        = "NoResultFound"
	ErrException       = "Exception"
)

// NewError is an APIError of one error.
func NewError(status int, class, message string) *APIError {
	return &APIError{Status: status, Errors: []ErrorItem{{Error: class, Message: message}}}
}

// BadRequest is a 400 BadRequestError ("Missing personalisation: name").
func BadRequest(message string) *APIError { return NewError(400, ErrBadRequest, message) }

// Validation is a 400 ValidationError listing one message a field
// ("email_address Not a valid email address"), as Notify lists its
// schema's complaints.
func Validation(messages ...string) *APIError {
	e := &APIError{Status: 400}
	for _, m := range messages {
		e.Errors = append(e.Errors, ErrorItem{Error: ErrValidation, Message: m})
	}
	return e
}

// JSON is the error's body.
func (e *APIError) JSON() []byte {
	b, _ := json.Marshal(e) // strings and ints only: never fails
	return b
}

// Notify's AuthError messages, word for word: client code matches them.
const (
	MsgNoToken         = "Unauthorized: authentication token must be provided"
	MsgNotBearer       = "Unauthorized: authentication bearer scheme must be used"
	MsgNoIss           = "Invalid token: iss field not provided"
	MsgBadToken        = "Invalid token: make sure your API token matches the example at https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
	MsgServiceIDType   = "Invalid token: service id is not the right data type"
	MsgServiceNotFound = "Invalid token: service not found"
	MsgNoKeys          = "Invalid token: service has no API keys"
	MsgArchived        = "Invalid token: service is archived"
	MsgClock           = "Error: Your system clock must be accurate to within 30 seconds"
	MsgAlgorithm       = "Invalid token: algorithm used is not HS256"
	MsgRevoked         = "Invalid token: API key revoked"
	MsgKeyNotFound     = "Invalid token: API key not found"
)

// TokenWindow is how far a token's iat may be from the server's clock,
// either way.
const TokenWindow = 30 * time.Second

func authErr(status int, msg string) *APIError { return NewError(status, ErrAuth, msg) }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether s is a UUID written out in hex with dashes.
func IsUUID(s string) bool { return uuidRE.MatchString(s) }

// ParseKey splits an API key of Notify's form,
// "{key name}-{service id}-{secret}", where the service id and secret are
// each a 36-character UUID (the name may hold dashes: it is everything
// before them).
func ParseKey(key string) (serviceID, secret string, err error) {
	key = strings.TrimSpace(key)
	if len(key) < 74 || key[len(key)-74] != '-' || key[len(key)-37] != '-' {
		return "", "", errors.New("not an API key: want {name}-{service id}-{secret}")
	}
	serviceID, secret = key[len(key)-73:len(key)-37], key[len(key)-36:]
	if !IsUUID(serviceID) || !IsUUID(secret) {
		return "", "", errors.New("not an API key: the service id and secret are UUIDs")
	}
	return serviceID, secret, nil
}

// BearerToken takes the token from an Authorization header, or Notify's
// 401 AuthError.
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", authErr(401, MsgNoToken)
	}
	if len(header) < 7 || !strings.EqualFold(header[:7], "Bearer ") {
		return "", authErr(401, MsgNotBearer)
	}
	return strings.TrimSpace(header[7:]), nil
}

// Token is a JWT of Notify's form: HS256, iss the service id, iat now in
// seconds. Client libraries make these; dbtp makes them to send through
// Notify itself and in tests.
func Token(serviceID, secret string, now time.Time) string {
	head := b64([]byte(`{"typ":"JWT","alg":"HS256"}`))
	claims, _ := json.Marshal(map[string]any{"iss": serviceID, "iat": now.Unix()})
	signing := head + "." + b64(claims)
	return signing + "." + b64(sign(signing, secret))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sign(signing, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return m.Sum(nil)
}

// unb64 reads base64url with or without padding.
func unb64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// jwt is a token split and its parts read, not yet trusted.
type jwt struct {
	signing string
	sig     []byte
	alg     string
	iss     any
	iat     any
}

func parseJWT(token string) (*jwt, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, authErr(403, MsgBadToken)
	}
	hb, err1 := unb64(parts[0])
	cb, err2 := unb64(parts[1])
	sig, err3 := unb64(parts[2])
	var head struct {
		Alg string `json:"alg"`
	}
	var claims map[string]any
	if err := errors.Join(err1, err2, err3); err != nil || json.Unmarshal(hb, &head) != nil || json.Unmarshal(cb, &claims) != nil {
		return nil, authErr(403, MsgBadToken)
	}
	return &jwt{signing: parts[0] + "." + parts[1], sig: sig, alg: head.Alg, iss: claims["iss"], iat: claims["iat"]}, nil
}

// ServiceKeys is what Verify needs to know of the service a token names.
type ServiceKeys struct {
	Found    bool // false: no such service
	Archived bool
	Keys     []Key // every key, revoked ones too (so a revoked key is named as such)
}

// Key is one of a service's API keys.
type Key struct {
	ID      string
	Secret  string
	Revoked bool
}

// VerifyToken checks a bearer token as Notify does, in Notify's order and
// words: the issuer (a service's UUID), the service (found, not archived,
// with keys), then each key's signature; the matching key must not be
// revoked, its algorithm must be HS256 and its iat within TokenWindow of
// now. keys is asked once, for the issuer; its error is returned as it is.
func VerifyToken(token string, keys func(serviceID string) (ServiceKeys, error), now time.Time) (serviceID, keyID string, err error) {
	t, err := parseJWT(token)
	if err != nil {
		return "", "", err
	}
	iss, ok := t.iss.(string)
	if t.iss == nil || (ok && iss == "") {
		return "", "", authErr(403, MsgNoIss)
	}
	if !ok || !IsUUID(iss) {
		return "", "", authErr(403, MsgServiceIDType)
	}
	sk, err := keys(iss)
	if err != nil {
		return "", "", err
	}
	switch {
	case !sk.Found:
		return "", "", authErr(403, MsgServiceNotFound)
	case len(sk.Keys) == 0:
		return "", "", authErr(403, MsgNoKeys)
	case sk.Archived:
		return "", "", authErr(403, MsgArchived)
	}
	for _, k := range sk.Keys {
		if !hmac.Equal(t.sig, sign(t.signing, k.Secret)) {
			continue
		}
		if t.alg != "HS256" {
			return "", "", authErr(403, MsgAlgorithm)
		}
		if err := checkIat(t.iat, now); err != nil {
			return "", "", err
		}
		if k.Revoked {
			return "", "", authErr(403, MsgRevoked)
		}
		return iss, k.ID, nil
	}
	return "", "", authErr(403, MsgKeyNotFound)
}

// checkIat wants a number of seconds within TokenWindow of now.
func checkIat(v any, now time.Time) error {
	var iat float64
	switch x := v.(type) {
	case float64:
		iat = x
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return authErr(403, MsgBadToken)
		}
		iat = f
	default:
		return authErr(403, MsgBadToken)
	}
	if math.IsNaN(iat) || math.Abs(float64(now.Unix())-iat) > TokenWindow.Seconds() {
		return authErr(403, MsgClock)
	}
	return nil
}

// Verify checks a bearer token as Notify does: a JWT signed HS256 with one
// of the issuing service's secrets, its iss the service id and its iat
// within 30 seconds of now. secrets returns the service's live keys' IDs
// and secrets. It returns the service id and the key that signed it, or
// Notify's 403 AuthError with its words. (VerifyToken tells a revoked
// key, an archived service and one not found apart, as Notify does.)
func Verify(token string, secrets func(serviceID string) (keyIDs, secrets []string, err error), now time.Time) (serviceID, keyID string, err error) {
	return VerifyToken(token, func(id string) (ServiceKeys, error) {
		ids, ss, err := secrets(id)
		if err != nil {
			return ServiceKeys{}, err
		}
		sk := ServiceKeys{Found: true}
		for i := range ids {
			if i < len(ss) {
				sk.Keys = append(sk.Keys, Key{ID: ids[i], Secret: ss[i]})
			}
		}
		return sk, nil
	}, now)
}

// Notify's other words a client may match, for the sending part's errors.
const (
	MsgTemplateNotFound = "Template not found"
	MsgNoResult         = "No result found"
	MsgTeamKeyRecipient = "Can't send to this recipient using a team-only API key"
	MsgInternal         = "Internal server error"
)

// TemplateArchived is Notify's 400 for a template no longer in use.
func TemplateArchived(id string) *APIError {
	return BadRequest("Template " + id + " has been deleted")
}

// RateLimited is Notify's 429 RateLimitError for a key type over its
// limit: "Exceeded rate limit for key type LIVE of 3000 requests per 60
// seconds" (a normal key is LIVE in Notify's words; TEAM and TEST).
func RateLimited(keyType string, limit, seconds int) *APIError {
	kt := strings.ToUpper(keyType)
	if kt == "NORMAL" {
		kt = "LIVE"
	}
	return NewError(429, ErrRateLimit, "Exceeded rate limit for key type "+kt+" of "+strconv.Itoa(limit)+
		" requests per "+strconv.Itoa(seconds)+" seconds")
}

// DailyLimited is Notify's 429 TooManyRequestsError for a service over
// its daily limit.
func DailyLimited(limit int) *APIError {
	return NewError(429, ErrTooManyRequests, "Exceeded send limits ("+strconv.Itoa(limit)+") for today")
}

// NotFound is Notify's 404 for a notification or template that is not
// the caller's.
func NotFound() *APIError { return NewError(404, ErrNoResult, MsgNoResult) }

// Time is t as Notify's JSON writes times (UTC with microseconds,
// "2026-03-02T08:00:00.000000Z"), or nil (null) for the zero time.
func Time(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000000Z")
	return &s
}
