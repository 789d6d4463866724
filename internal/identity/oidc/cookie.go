package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// flowState is what Begin hands to Complete through the browser. It holds
// the PKCE verifier, which must stay secret from everyone but this server,
// so the cookie is encrypted, not just signed.
type flowState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
	// Expires is inside the sealed payload because the browser's Max-Age is
	// only advice: a stolen or kept cookie must still die on time.
	Expires int64 `json:"e"`
}

// flowLifetime bounds how long a person may spend at the provider. Ten
// minutes covers a password, MFA and a slow phone, and keeps the replay
// set small.
const flowLifetime = 10 * time.Minute

// sealVersion prefixes every sealed value so the format can change later
// without old cookies being misread.
const sealVersion byte = 1

// maxSealedLen rejects oversized cookies before any base64 or crypto work;
// a real one is about 300 bytes (returnTo is capped at maxReturnToLen).
const maxSealedLen = 4096

var errBadCookie = errors.New("state cookie is malformed or was not sealed by this server")

// sealer encrypts and authenticates flow state with AES-256-GCM. The
// provider name is the additional data, so a cookie sealed for one provider
// cannot be replayed at another that shares the key.
type sealer struct {
	aead cipher.AEAD
	aad  []byte
}

func newSealer(key []byte, provider string) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, aad: []byte("dbtp-oidc-state:" + provider)}, nil
}

// seal returns base64url(version || nonce || ciphertext). A fresh random
// GCM nonce per cookie is safe: 2^32 cookies per key keeps the collision
// chance negligible, far beyond any council's sign-in volume per rotation.
func (s *sealer) seal(st flowState) string {
	// flowState holds only strings and an int64, which Marshal always encodes.
	plain, _ := json.Marshal(st)
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	_, _ = rand.Read(out[1:]) // crypto/rand never fails on supported platforms
	out = s.aead.Seal(out, out[1:], plain, s.aad)
	return base64.RawURLEncoding.EncodeToString(out)
}

// open authenticates and decrypts a sealed value and checks its expiry. Any
// failure is the same error: telling an attacker which check failed helps
// only them.
func (s *sealer) open(v string, now time.Time) (flowState, error) {
	var st flowState
	if len(v) == 0 || len(v) > maxSealedLen {
		return st, errBadCookie
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(raw) < 1+s.aead.NonceSize()+s.aead.Overhead() || raw[0] != sealVersion {
		return st, errBadCookie
	}
	nonce := raw[1 : 1+s.aead.NonceSize()]
	plain, err := s.aead.Open(nil, nonce, raw[1+s.aead.NonceSize():], s.aad)
	if err != nil {
		return st, errBadCookie
	}
	if err := json.Unmarshal(plain, &st); err != nil {
		return st, errBadCookie
	}
	if st.State == "" || st.Nonce == "" || st.Verifier == "" {
		return st, errBadCookie
	}
	if !now.Before(time.Unix(st.Expires, 0)) {
		return st, errExpiredCookie
	}
	return st, nil
}

var errExpiredCookie = errors.New("state cookie has expired")
