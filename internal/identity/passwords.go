package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argonParams are the argon2id cost settings, stored in every hash so they
// can be raised later without invalidating existing passwords.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	saltLen int
	keyLen  int
}

// owaspParams follow the OWASP Password Storage Cheat Sheet's argon2id
// minimum: 19 MiB of memory, two iterations, one degree of parallelism.
var owaspParams = argonParams{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

const (
	minPasswordLen = 12
	maxPasswordLen = 256 // characters; also stops megabyte "passwords" reaching argon2
)

var b64 = base64.RawStdEncoding

// hashPassword returns a PHC-style string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	if err := s.acquireHash(ctx); err != nil {
		return "", err
	}
	defer s.releaseHash()
	p := s.params
	salt := randomBytes(p.saltLen)
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
	return encodeHash(p, salt, key), nil
}

func encodeHash(p argonParams, salt, key []byte) string {
	return "$argon2id$v=" + strconv.Itoa(argon2.Version) +
		"$m=" + strconv.FormatUint(uint64(p.memory), 10) +
		",t=" + strconv.FormatUint(uint64(p.time), 10) +
		",p=" + strconv.Itoa(int(p.threads)) +
		"$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
}

var errBadHash = errors.New("identity: malformed password hash")

// decodeHash parses a stored hash. It bounds every cost parameter so a
// corrupted or planted row cannot make verification allocate gigabytes or
// spin for minutes.
func decodeHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errBadHash
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, errBadHash
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		num, ok := strings.CutPrefix(kv[i], name)
		if !ok || num == "" || len(num) > 10 || (len(num) > 1 && num[0] == '0') {
			return p, nil, nil, errBadHash
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return p, nil, nil, errBadHash
		}
		vals[i] = v
	}
	p.memory, p.time = uint32(vals[0]), uint32(vals[1])
	if vals[2] < 1 || vals[2] > 16 || p.time < 1 || p.time > 16 || p.memory < 8*uint32(vals[2]) || p.memory > 256*1024 {
		return p, nil, nil, errBadHash
	}
	p.threads = uint8(vals[2])
	// Re-encoding must give back the input: the decoder alone skips CR and LF.
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 || b64.EncodeToString(salt) != parts[4] {
		return p, nil, nil, errBadHash
	}
	key, err := b64.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 || b64.EncodeToString(key) != parts[5] {
		return p, nil, nil, errBadHash
	}
	p.saltLen, p.keyLen = len(salt), len(key)
	return p, salt, key, nil
}

// verifyPassword reports whether password matches encoded, comparing in
// constant time. An empty or malformed hash never matches, but the work of a
// real verification is still done so the timing says nothing about why.
func (s *Service) verifyPassword(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	real := err == nil
	if !real {
		p, salt, key, _ = decodeHash(s.dummy())
	}
	if err := s.acquireHash(ctx); err != nil {
		return false, err
	}
	defer s.releaseHash()
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1 && real, nil
}

// dummy is a hash of a random password, verified against when the email is
// unknown so that a wrong email costs as long as a wrong password.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		p := s.params
		salt := randomBytes(p.saltLen)
		key := argon2.IDKey(randomBytes(32), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
		s.dummyHash = encodeHash(p, salt, key)
	})
	return s.dummyHash
}

func (s *Service) acquireHash(ctx context.Context) error {
	select {
	case s.hashSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) releaseHash() { <-s.hashSem }

// passwordAlphabet avoids look-alike characters so a reset password can be
// read over the phone; 20 characters from 55 give about 115 bits.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePassword returns a strong random password in groups of five
// characters, for new accounts and resets; it is shown to a person once.
func GeneratePassword() string {
	const n = 20
	out := make([]byte, 0, n+3)
	// Rejection sampling keeps every character equally likely.
	limit := byte(256 - 256%len(passwordAlphabet))
	for len(out) < n+3 {
		for _, b := range randomBytes(32) {
			if b >= limit || len(out) >= n+3 {
				continue
			}
			if len(out)%6 == 5 {
				out = append(out, '-') // groups of five are easier to copy
				continue
			}
			out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
		}
	}
	return string(out)
}
