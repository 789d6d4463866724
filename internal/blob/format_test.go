package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testHeader(t testing.TB) (*header, MasterKey, string) {
	t.Helper()
	k, err := GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	h := &header{segSize: DefaultSegmentSize, size: 1234567, body: "bodies/ab/ab0123"}
	rand.Read(h.prefix[:])
	id := strings.Repeat("ab", 32)
	h.keyID = k.ID()
	if h.wrapped, err = k.wrapKey(make([]byte, 32), h.aad(id)); err != nil {
		t.Fatal(err)
	}
	return h, k, id
}

func TestHeaderRoundTrip(t *testing.T) {
	h, k, id := testHeader(t)
	got, err := parseHeader(h.encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.segSize != h.segSize || got.size != h.size || got.prefix != h.prefix || got.body != h.body || got.keyID != h.keyID {
		t.Fatalf("parsed %+v, want %+v", got, h)
	}
	if _, err := k.unwrapKey(got.wrapped, got.aad(id)); err != nil {
		t.Fatalf("unwrap after round trip: %v", err)
	}
	// Bound to the ID and to every authenticated field.
	if _, err := k.unwrapKey(got.wrapped, got.aad(strings.Repeat("cd", 32))); err == nil {
		t.Fatal("unwrapped under another ID")
	}
	got.size++
	if _, err := k.unwrapKey(got.wrapped, got.aad(id)); err == nil {
		t.Fatal("unwrapped with a changed size")
	}
}

func FuzzParseHeader(f *testing.F) {
	h, _, _ := testHeader(f)
	f.Add(h.encode())
	f.Add([]byte(headerMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHeader(b)
		if err != nil {
			if !errors.Is(err, errHeader) {
				t.Fatalf("error not marked as a header error: %v", err)
			}
			return
		}
		// Whatever parses re-encodes to the same bytes and stays in range.
		if !bytes.Equal(h.encode(), b) {
			t.Fatalf("re-encoding differs")
		}
		if !validName(h.body) || h.segSize < minSegSize || h.segSize > maxSegSize || h.size < 0 || h.size > maxSize {
			t.Fatalf("out of range: %+v", h)
		}
		if h.segments() < 1 || h.segments() > 1<<32 {
			t.Fatalf("segments %d", h.segments())
		}
	})
}

// The STREAM construction on its own, without the body-length check the
// store adds: a body cut at a segment boundary, reordered segments and a
// non-final segment presented as final all fail authentication.
func TestStreamDetectsTruncationAndReordering(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	aead, _ := newGCM(key)
	h := &header{segSize: minSegSize, body: "bodies/x"}
	rand.Read(h.prefix[:])
	plain := make([]byte, 3*minSegSize+10)
	rand.Read(plain)
	var body bytes.Buffer
	sum, size, err := seal(context.Background(), bytes.NewReader(plain), &body, aead, h.prefix, h.segSize)
	if err != nil || size != int64(len(plain)) {
		t.Fatal(size, err)
	}
	id := hex.EncodeToString(sum[:])
	ct := body.Bytes()
	segLen := minSegSize + tagSize

	read := func(h header, b []byte) ([]byte, error) {
		return io.ReadAll(newReader(id, &h, aead, io.NopCloser(bytes.NewReader(b))))
	}
	good := *h
	good.size = size
	if got, err := read(good, ct); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("intact: %v", err)
	}
	// Cut after two segments, with a header claiming that length.
	cut := *h
	cut.size = 2 * minSegSize
	got, err := read(cut, ct[:2*segLen])
	if !errors.Is(err, ErrCorrupt) || len(got) != minSegSize {
		t.Fatalf("truncated: %d bytes, %v", len(got), err)
	}
	// Authentic segments whose content does not hash to the ID asked for
	// (possible only with the data key): the last segment is held back.
	other := newReader(strings.Repeat("0", 64), &good, aead, io.NopCloser(bytes.NewReader(ct)))
	got, err = io.ReadAll(other)
	if !errors.Is(err, ErrCorrupt) || len(got) != 3*minSegSize || !strings.Contains(err.Error(), "does not match its ID") {
		t.Fatalf("hash mismatch: %d bytes, %v", len(got), err)
	}
	// Swap the first two segments.
	swapped := append([]byte(nil), ct...)
	copy(swapped[:segLen], ct[segLen:2*segLen])
	copy(swapped[segLen:2*segLen], ct[:segLen])
	if got, err := read(good, swapped); !errors.Is(err, ErrCorrupt) || len(got) != 0 {
		t.Fatalf("reordered: %d bytes, %v", len(got), err)
	}
}

func TestMasterKeyText(t *testing.T) {
	k, err := GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseMasterKey("  " + k.Text() + "\n")
	if err != nil || back.ID() != k.ID() {
		t.Fatalf("parse: %v", err)
	}
	if strings.Contains(k.String(), k.Text()) || len(k.ID()) != 16 {
		t.Fatalf("String or ID shows too much: %s", k)
	}
	for text, want := range map[string]string{
		"":                       "empty",
		"abc":                    "64 hexadecimal characters",
		strings.Repeat("g", 64):  "hexadecimal",
		strings.Repeat("ab", 33): "64 hexadecimal characters",
	} {
		if _, err := ParseMasterKey(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("ParseMasterKey(%q): %v, want %q", text, err, want)
		}
	}
}

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "blob.key")
	k, err := WriteMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode())
	}
	if _, err := WriteMasterKeyFile(path); err == nil {
		t.Fatal("overwrote an existing key file")
	}
	back, err := LoadMasterKey(path)
	if err != nil || back.ID() != k.ID() {
		t.Fatalf("load: %v", err)
	}
	missing := filepath.Join(dir, "nope.key")
	if _, err := LoadMasterKey(missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	if _, err := LoadMasterKey(bad); err == nil || !strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), "not a key") {
		t.Fatalf("malformed file: %v (must name the file, not echo its content)", err)
	}
}
