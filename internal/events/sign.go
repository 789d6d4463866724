package events

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Signing follows the Standard Webhooks specification: the secret is
// "whsec_" and base64 of the key; the signature is "v1," and base64 of
// HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>". Receivers can
// check it with any Standard Webhooks (or Svix) library.

const secretPrefix = "whsec_"

// NewSecret returns a fresh endpoint secret in the specification's format.
func NewSecret() string {
	k := make([]byte, 24)
	if _, err := rand.Read(k); err != nil {
		panic("events: crypto/rand failed: " + err.Error())
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(k)
}

func secretKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(k) < 16 {
		return nil, errors.New("webhook secret must be whsec_ and base64 of at least 16 bytes")
	}
	return k, nil
}

// Sign returns the webhook-signature header value for one message.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// ErrSignature is returned by Verify for a message that is not authentic.
var ErrSignature = errors.New("webhook signature does not match")

// Verify checks a received message the way a receiver should: one of the
// space-separated v1 signatures must match, and the timestamp must be
// within tolerance of now (replay protection). dbtp uses it in tests and
// for receivers written in Go.
func Verify(secret, id, timestamp, signatures string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("webhook-timestamp is not a Unix time in seconds")
	}
	ts := time.Unix(sec, 0)
	if now.Sub(ts) > tolerance || ts.Sub(now) > tolerance {
		return errors.New("webhook-timestamp is too far from now")
	}
	want, err := Sign(secret, id, ts, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(signatures) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}
