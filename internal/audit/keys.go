package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// KeyName names the log's signing key in every signed tree head.
const KeyName = "dbtp-audit"

// Key files in the data folder. The public half is written beside the
// private one so an operator can hand it to an outside witness.
const (
	keyFile    = "audit.key"
	pubKeyFile = "audit.pub"
)

// LoadOrCreateKey returns the signing key kept in dataDir, generating it on
// first use. Several nodes sharing one PostgreSQL must share one key: give
// them the same key text through ParseKey instead.
func LoadOrCreateKey(dataDir string) (note.Signer, note.Verifier, error) {
	path := filepath.Join(dataDir, keyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b, err = createKey(dataDir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audit signing key %s: %w", path, err)
	}
	s, v, err := ParseKey(string(b))
	if err != nil {
		return nil, nil, fmt.Errorf("audit signing key %s: %w", path, err)
	}
	return s, v, nil
}

// createKey writes a new key without ever exposing a half-written file:
// write a temporary file, sync it, then link it into place, which fails if
// another process got there first (in which case its key wins).
func createKey(dataDir string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dataDir, ".audit.key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.WriteString(skey + "\n"); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, keyFile)
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, err
	}
	// The public key is a convenience copy; losing it loses nothing.
	_ = os.WriteFile(filepath.Join(dataDir, pubKeyFile), []byte(vkey+"\n"), 0o644)
	return []byte(skey), nil
}

// ParseKey accepts a private key in note format
// ("PRIVATE+KEY+dbtp-audit+<hash>+<base64>", as written by LoadOrCreateKey)
// and returns the signer and its matching verifier.
func ParseKey(skey string) (note.Signer, note.Verifier, error) {
	skey = strings.TrimSpace(skey)
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, nil, errors.New("not a valid audit signing key")
	}
	vkey, err := PublicKey(skey)
	if err != nil {
		return nil, nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, errors.New("not a valid audit signing key")
	}
	return s, v, nil
}

// PublicKey returns the verifier key ("dbtp-audit+<hash>+<base64>") for a
// private key, for publishing to whoever checks tree heads independently.
func PublicKey(skey string) (string, error) {
	skey = strings.TrimSpace(skey)
	if _, err := note.NewSigner(skey); err != nil {
		return "", errors.New("not a valid audit signing key")
	}
	// NewSigner accepted it, so the layout is PRIVATE+KEY+name+hash+base64
	// with an Ed25519 algorithm byte followed by a 32-byte seed.
	parts := strings.SplitN(skey, "+", 5)
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize {
		return "", errors.New("not a valid audit signing key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}
