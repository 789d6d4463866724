package notify

import (
	"errors"
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

// ParseKey splits an API key of Notify's form,
// "{key name}-{service id}-{secret}", where the service id and secret are
// each a 36-character UUID.
func ParseKey(key string) (serviceID, secret string, err error) {
	if len(key) < 74 {
		return "", "", errors.New("not an API key")
	}
	return key[len(key)-73 : len(key)-37], key[len(key)-36:], nil
}

// Verify checks a bearer token as Notify does: a JWT signed HS256 with one
// of the issuing service's secrets, its iss the service id and its iat
// within 30 seconds of now. secrets returns the service's live keys' IDs
// and secrets. It returns the service id and the key that signed it, or
// Notify's 403 AuthError with its words.
func Verify(token string, secrets func(serviceID string) (keyIDs, secrets []string, err error), now time.Time) (serviceID, keyID string, err error) {
	return "", "", &APIError{Status: 403, Errors: []ErrorItem{{Error: "AuthError", Message: "Invalid token: not implemented"}}}
}
