package blob

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// MasterKeySize is the length of a master key in bytes (AES-256).
const MasterKeySize = 32

// MasterKey wraps the data keys of stored objects. Its text form is 64
// hexadecimal characters, the same as `openssl rand -hex 32` prints. The key
// ID (16 hex characters, derived one-way from the key) is recorded beside
// every wrapped data key, so a store can tell "wrong key" from "damaged
// object" and rotation can skip objects already re-wrapped.
//
// The zero MasterKey is not usable. String never shows the secret.
type MasterKey struct {
	id   string
	wrap cipher.AEAD
	raw  []byte
}

// GenerateMasterKey returns a new random master key.
func GenerateMasterKey() (MasterKey, error) {
	raw := make([]byte, MasterKeySize)
	if _, err := rand.Read(raw); err != nil {
		return MasterKey{}, err
	}
	return newMasterKey(raw)
}

// ParseMasterKey reads a key in its text form (for example from an
// environment variable). Surrounding white space is ignored.
func ParseMasterKey(text string) (MasterKey, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return MasterKey{}, errors.New("blob master key is empty: generate one with `openssl rand -hex 32`")
	}
	if len(text) != 2*MasterKeySize {
		return MasterKey{}, fmt.Errorf("blob master key must be %d hexadecimal characters, got %d characters", 2*MasterKeySize, len(text))
	}
	raw, err := hex.DecodeString(text)
	if err != nil {
		return MasterKey{}, errors.New("blob master key must be hexadecimal (0-9, a-f)")
	}
	return newMasterKey(raw)
}

// LoadMasterKey reads a key file holding the text form. The error names the
// file and says what is wrong with it, never the key.
func LoadMasterKey(path string) (MasterKey, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return MasterKey{}, fmt.Errorf("blob master key file %s does not exist: create it with `openssl rand -hex 32 > %s && chmod 600 %s`", path, path, path)
	}
	if err != nil {
		return MasterKey{}, fmt.Errorf("blob master key file: %w", err)
	}
	defer f.Close()
	// A key file is 65 bytes; reading a little more lets us say "too long"
	// without slurping a wrong file of any size.
	b, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return MasterKey{}, fmt.Errorf("blob master key file %s: %w", path, err)
	}
	k, err := ParseMasterKey(string(b))
	if err != nil {
		return MasterKey{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// WriteMasterKeyFile generates a key and writes it to a new file readable only
// by its owner. It refuses to overwrite an existing file: losing a master key
// loses every object wrapped under it.
func WriteMasterKeyFile(path string) (MasterKey, error) {
	k, err := GenerateMasterKey()
	if err != nil {
		return MasterKey{}, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return MasterKey{}, fmt.Errorf("blob master key file: %w", err)
	}
	if _, err := io.WriteString(f, k.Text()+"\n"); err != nil {
		f.Close()
		os.Remove(path)
		return MasterKey{}, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return MasterKey{}, err
	}
	return k, f.Close()
}

func newMasterKey(raw []byte) (MasterKey, error) {
	// Separate derived keys for the ID and for wrapping, so publishing the ID
	// in every header says nothing about the wrapping key.
	id, err := hkdf.Expand(sha256.New, raw, "dbtp blob key id v1", 8)
	if err != nil {
		return MasterKey{}, err
	}
	wk, err := hkdf.Expand(sha256.New, raw, "dbtp blob wrap key v1", 32)
	if err != nil {
		return MasterKey{}, err
	}
	aead, err := newGCM(wk)
	if err != nil {
		return MasterKey{}, err
	}
	return MasterKey{id: hex.EncodeToString(id), wrap: aead, raw: raw}, nil
}

// ID is the public identifier of the key, recorded in every header.
func (k MasterKey) ID() string { return k.id }

// Text is the secret text form, for writing to a key file.
func (k MasterKey) Text() string { return hex.EncodeToString(k.raw) }

// String names the key by its ID only, so a key printed by mistake leaks nothing.
func (k MasterKey) String() string { return "blob master key " + k.id }

func (k MasterKey) valid() bool { return k.wrap != nil }

const wrappedKeySize = 12 + 32 + 16 // nonce, data key, tag

// wrapKey seals a data key under the master key; aad binds it to the object.
func (k MasterKey) wrapKey(dataKey, aad []byte) ([]byte, error) {
	out := make([]byte, 12, wrappedKeySize)
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return k.wrap.Seal(out, out[:12], dataKey, aad), nil
}

func (k MasterKey) unwrapKey(wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) != wrappedKeySize {
		return nil, errors.New("wrapped key has the wrong length")
	}
	return k.wrap.Open(nil, wrapped[:12], wrapped[12:], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
