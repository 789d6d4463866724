// Package blob is dbtp's encrypted, content-addressed object store.
//
// An object's ID is the SHA-256 of its plaintext in hex, so the same content
// is stored once. Each object is encrypted with AES-256-GCM under its own
// random data key, in 64 KiB segments (see stream.go); the data key is
// wrapped by a master key and kept, with what else is needed to decrypt, in a
// small header stored apart from the body. Every read authenticates each
// segment before returning it and checks the whole-object hash before
// releasing the last one. Backends (disk, S3-compatible) only store bytes.
//
// Deduplication means two callers who store the same bytes share one object:
// Delete removes it for both. Modules keep their own references and delete
// only when none is left.
package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"dbtp/internal/platform"
)

// Info describes a stored object.
type Info struct {
	ID   string // SHA-256 of the plaintext, 64 lowercase hex characters
	Size int64  // plaintext bytes
}

// Store encrypts, deduplicates and verifies objects kept by a Backend. It is
// safe for concurrent use.
type Store struct {
	backend Backend
	key     MasterKey            // wraps the data keys of new objects
	ring    map[string]MasterKey // every key objects may be wrapped under, by ID
	segSize int
}

const (
	headerDir = "headers/"
	bodyDir   = "bodies/"
)

// New returns a store that writes with key. Objects wrapped under any of
// older can still be read (useful while RotateKey runs on a live system). It
// panics on a zero key: load keys with LoadMasterKey or ParseMasterKey, whose
// errors say what is wrong.
func New(backend Backend, key MasterKey, older ...MasterKey) *Store {
	if !key.valid() {
		panic("blob.New: zero MasterKey")
	}
	s := &Store{backend: backend, key: key, ring: map[string]MasterKey{key.id: key}, segSize: DefaultSegmentSize}
	for _, k := range older {
		if !k.valid() {
			panic("blob.New: zero MasterKey")
		}
		if _, ok := s.ring[k.id]; !ok {
			s.ring[k.id] = k
		}
	}
	return s
}

// ValidID reports whether id has the form of an object ID. Every method checks
// it before building a name from it.
func ValidID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, c := range []byte(id) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func checkID(id string) error {
	if !ValidID(id) {
		return platform.Errorf(platform.CodeInvalid, "not a valid file ID")
	}
	return nil
}

func headerName(id string) string { return headerDir + id[:2] + "/" + id }

func newBodyName() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	r := hex.EncodeToString(b)
	return bodyDir + r[:2] + "/" + r, nil
}

// Put stores everything r yields and returns its ID and size. Memory use is
// bounded (one segment, plus one part on S3) whatever the size. If the
// content is already stored intact, nothing new is kept. If r fails or ctx
// ends first, nothing is visible and the error is returned (wrapped, so a
// *platform.Error from r keeps its code).
func (s *Store) Put(ctx context.Context, r io.Reader) (Info, error) {
	if info, ok, err := s.stored(ctx, r); ok || err != nil {
		return info, err
	}
	dataKey := make([]byte, 32)
	h := &header{segSize: s.segSize}
	if _, err := rand.Read(dataKey); err != nil {
		return Info{}, platform.Internal(err)
	}
	if _, err := rand.Read(h.prefix[:]); err != nil {
		return Info{}, platform.Internal(err)
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return Info{}, platform.Internal(err)
	}
	if h.body, err = newBodyName(); err != nil {
		return Info{}, platform.Internal(err)
	}
	up, err := s.backend.Create(ctx, h.body)
	if err != nil {
		return Info{}, internalf("blob: start upload: %w", err)
	}
	sum, size, err := seal(ctx, r, up, aead, h.prefix, h.segSize)
	if err != nil {
		up.Abort()
		var perr *platform.Error
		if errors.As(err, &perr) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return Info{}, fmt.Errorf("blob: put: %w", err)
		}
		return Info{}, internalf("blob: put: %w", err)
	}
	info := Info{ID: hex.EncodeToString(sum[:]), Size: size}
	h.size = size

	old, err := s.existing(ctx, info.ID, size)
	if err == nil {
		up.Abort() // already stored intact: keep nothing new
		return info, nil
	}
	if errors.Is(err, ErrWrongKey) {
		// Stored under a key we lack: replacing its header would tie the
		// object to our key, and lose it if ours is the mistake.
		up.Abort()
		return Info{}, err
	}
	if err := up.Commit(ctx); err != nil {
		return Info{}, internalf("blob: commit body: %w", err)
	}
	h.keyID = s.key.id
	if h.wrapped, err = s.key.wrapKey(dataKey, h.aad(info.ID)); err != nil {
		s.backend.Delete(context.WithoutCancel(ctx), h.body)
		return Info{}, platform.Internal(err)
	}
	// The header makes the object visible: written last, atomically.
	if err := s.backend.Put(ctx, headerName(info.ID), h.encode()); err != nil {
		s.backend.Delete(context.WithoutCancel(ctx), h.body)
		return Info{}, internalf("blob: write header: %w", err)
	}
	if old != "" && old != h.body {
		// We replaced a damaged object; its body is now unreferenced.
		s.backend.Delete(ctx, old)
	}
	return info, nil
}

// inMemory is content Put can read twice: a bytes.Reader or strings.Reader.
type inMemory interface {
	io.ReadSeeker
	Len() int
}

// stored tells whether content already in memory is stored intact, hashing
// it first so that storing it again creates no file at all (the same
// template's document sent in many envelopes: on a busy disk a file's
// creation costs more than hashing a few megabytes). r is left at its
// start when it is not stored. Other readers are not read twice: Put then
// finds a duplicate after writing it, and drops the copy.
func (s *Store) stored(ctx context.Context, r io.Reader) (Info, bool, error) {
	m, ok := r.(inMemory)
	if !ok {
		return Info{}, false, nil
	}
	start, err := m.Seek(0, io.SeekCurrent)
	if err != nil {
		return Info{}, false, nil // not read: Put reads it once, as any reader
	}
	h := sha256.New()
	size, err := io.Copy(h, m)
	if _, serr := m.Seek(start, io.SeekStart); serr != nil {
		return Info{}, false, platform.Internal(fmt.Errorf("blob: put: rewinding the content: %w", serr))
	}
	if err != nil {
		return Info{}, false, nil // Put reads it again and reports the error
	}
	info := Info{ID: hex.EncodeToString(h.Sum(nil)), Size: size}
	if _, err := s.existing(ctx, info.ID, size); err != nil {
		return Info{}, false, nil // not stored, damaged or under a key we lack: Put decides
	}
	return info, true, nil
}

// existing returns nil if id is stored with a readable header and a body of
// the right length, so a new Put of the same content can be dropped.
// Otherwise it returns the error and the old body's name, if any, for
// cleaning up once a new copy replaces it (a Put repairs a damaged object).
func (s *Store) existing(ctx context.Context, id string, size int64) (string, error) {
	h, _, err := s.header(ctx, id)
	if err != nil {
		return "", err
	}
	if h.size != size {
		return h.body, corrupt(id, "header size %d does not match the content", h.size)
	}
	e, err := s.backend.Stat(ctx, h.body)
	if err != nil {
		return h.body, err
	}
	if e.Size != h.bodySize() {
		return h.body, corrupt(id, "body is %d bytes, expected %d", e.Size, h.bodySize())
	}
	return "", nil
}

// header reads, parses and unwraps an object's header, returning its data key.
func (s *Store) header(ctx context.Context, id string) (*header, []byte, error) {
	h, err := s.readHeader(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	dataKey, err := s.unwrap(id, h)
	if err != nil {
		return nil, nil, err
	}
	return h, dataKey, nil
}

func (s *Store) unwrap(id string, h *header) ([]byte, error) {
	k, ok := s.ring[h.keyID]
	if !ok {
		return nil, wrongKey(id, h.keyID, s.keyIDs())
	}
	dataKey, err := k.unwrapKey(h.wrapped, h.aad(id))
	if err != nil {
		return nil, corrupt(id, "header fails authentication under master key %s", h.keyID)
	}
	return dataKey, nil
}

func (s *Store) readHeader(ctx context.Context, id string) (*header, error) {
	rc, n, err := s.backend.Get(ctx, headerName(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, internalf("blob %s: read header: %w", id, err)
	}
	defer rc.Close()
	if n > int64(maxHeaderSize) {
		return nil, corrupt(id, "header is %d bytes", n)
	}
	b, err := io.ReadAll(io.LimitReader(rc, int64(maxHeaderSize)+1))
	if err != nil {
		return nil, internalf("blob %s: read header: %w", id, err)
	}
	h, err := parseHeader(b)
	if err != nil {
		return nil, corrupt(id, "%v", err)
	}
	return h, nil
}

func (s *Store) keyIDs() string {
	ids := make([]string, 0, len(s.ring))
	for id := range s.ring {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

// Open returns a reader of the object's plaintext. Every segment is
// authenticated before any of its bytes is returned, and the hash of the
// whole content is checked before the last segment is released, so a
// tampered or truncated object yields an ErrCorrupt error and never a
// tampered byte. A reader that reached io.EOF has read exactly the content
// that hashes to id.
//
// Bytes already read before an error were genuine, but the caller has
// already passed them on: an HTTP handler streaming a large file can then
// only cut the response short. To answer all-or-nothing, use ReadAll (small
// files), or Verify the object before serving it. The caller must Close
// the reader.
func (s *Store) Open(ctx context.Context, id string) (io.ReadCloser, Info, error) {
	if err := checkID(id); err != nil {
		return nil, Info{}, err
	}
	h, err := s.readHeader(ctx, id)
	if err != nil {
		return nil, Info{}, err
	}
	r, err := s.openBody(ctx, id, h)
	if err != nil {
		return nil, Info{}, err
	}
	return r, Info{ID: id, Size: h.size}, nil
}

// openBody unwraps the data key and opens the body, refusing one whose
// length is wrong before decrypting anything.
func (s *Store) openBody(ctx context.Context, id string, h *header) (io.ReadCloser, error) {
	dataKey, err := s.unwrap(id, h)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, platform.Internal(err)
	}
	body, n, err := s.backend.Get(ctx, h.body)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, missing(id, "body %s is gone", h.body)
	}
	if err != nil {
		return nil, internalf("blob %s: open body: %w", id, err)
	}
	if n != h.bodySize() {
		body.Close()
		return nil, corrupt(id, "body is %d bytes, expected %d (truncated or extended)", n, h.bodySize())
	}
	return newReader(id, h, aead, body), nil
}

// ReadAll returns the whole verified content of a small object, or an error
// and no content. Objects larger than max are refused with CodeTooLarge
// before anything is decrypted.
func (s *Store) ReadAll(ctx context.Context, id string, max int64) ([]byte, error) {
	rc, info, err := s.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if info.Size > max {
		return nil, platform.Errorf(platform.CodeTooLarge, "the file is %d bytes, more than %d", info.Size, max)
	}
	var buf bytes.Buffer
	buf.Grow(int(info.Size))
	if _, err := io.Copy(&buf, rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Stat returns the object's size after authenticating its header; it does not
// read the body.
func (s *Store) Stat(ctx context.Context, id string) (Info, error) {
	if err := checkID(id); err != nil {
		return Info{}, err
	}
	h, _, err := s.header(ctx, id)
	if err != nil {
		return Info{}, err
	}
	return Info{ID: id, Size: h.size}, nil
}

// Exists reports whether an object with this ID is stored (its header is
// present). It does not check the content; Open and Verify do.
func (s *Store) Exists(ctx context.Context, id string) (bool, error) {
	if err := checkID(id); err != nil {
		return false, err
	}
	_, err := s.backend.Stat(ctx, headerName(id))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, internalf("blob %s: %w", id, err)
	}
	return true, nil
}

// Delete removes an object: first its header (so it is gone at once), then
// its body. It needs no key, so content under a lost key can still be removed.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	h, err := s.readHeader(ctx, id)
	if err != nil && !errors.Is(err, ErrCorrupt) {
		return err
	}
	if err := s.backend.Delete(ctx, headerName(id)); err != nil {
		return internalf("blob %s: delete header: %w", id, err)
	}
	if h != nil {
		if err := s.backend.Delete(ctx, h.body); err != nil {
			return internalf("blob %s: delete body: %w", id, err)
		}
	}
	return nil
}
