package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"dbtp/internal/platform"
)

// Report is what Verify found.
type Report struct {
	Objects  int   // objects checked
	Bytes    int64 // plaintext bytes verified
	Corrupt  int   // header or body fails authentication, length or hash
	Missing  int   // header present, body gone
	WrongKey int   // wrapped under a master key this store was not given
	// Orphans are bodies no header names: left by a crash between writing a
	// body and its header, by two Puts of the same content at once, or by an
	// interrupted Delete. They are unreadable garbage; Sweep removes them.
	Orphans     int
	OrphanBytes int64
	// Older counts objects that verified but are wrapped under an older
	// master key the store was given: a key rotation is not finished.
	Older int
}

// OK reports whether every object verified.
func (r Report) OK() bool { return r.Corrupt == 0 && r.Missing == 0 && r.WrongKey == 0 }

// Verify reads every object in full, authenticating and hashing it as Open
// does, and calls fn (if not nil) once per object with nil or the reason it
// failed (matching ErrCorrupt, ErrMissing or ErrWrongKey, and naming the
// object through *ObjectError). It returns an error only when it cannot go
// on: the backend fails or ctx ends.
func (s *Store) Verify(ctx context.Context, fn func(id string, err error)) (Report, error) {
	var rep Report
	bodies := map[string]bool{}
	err := s.eachHeader(ctx, func(id string) error {
		n, h, err := s.verifyOne(ctx, id)
		if h != nil {
			bodies[h.body] = true
		}
		switch {
		case err == nil:
			rep.Bytes += n
			if h.keyID != s.key.id {
				rep.Older++
			}
		case errors.Is(err, ErrCorrupt):
			rep.Corrupt++
		case errors.Is(err, ErrMissing):
			rep.Missing++
		case errors.Is(err, ErrWrongKey):
			rep.WrongKey++
		default:
			return err // the backend, not the object
		}
		rep.Objects++
		if fn != nil {
			fn(id, err)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	err = s.backend.List(ctx, bodyDir, func(e Entry) error {
		if !bodies[e.Name] {
			rep.Orphans++
			rep.OrphanBytes += e.Size
		}
		return nil
	})
	return rep, err
}

// verifyOne reads one object to its end; it returns the header whenever it
// could be parsed, so Verify knows the body is not an orphan.
func (s *Store) verifyOne(ctx context.Context, id string) (int64, *header, error) {
	if !ValidID(id) {
		return 0, nil, corrupt(id, "unexpected file among the headers")
	}
	h, err := s.readHeader(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	r, err := s.openBody(ctx, id, h)
	if err != nil {
		return 0, h, err
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, r)
	return n, h, err
}

// eachHeader calls fn with the ID of every stored header.
func (s *Store) eachHeader(ctx context.Context, fn func(id string) error) error {
	return s.backend.List(ctx, headerDir, func(e Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(path.Base(e.Name))
	})
}

// RotateReport is what RotateKey did.
type RotateReport struct {
	Rewrapped int     // headers re-wrapped under the new key
	Skipped   int     // already under the new key (an earlier, interrupted run)
	Failed    int     // under neither key, or damaged; left as they were
	Errors    []error // the first few failures, naming their objects
}

const maxRotateErrors = 20

// RotateKey re-wraps every object's data key from oldKey to newKey. Content
// is not re-encrypted: only each header (about a hundred bytes) is replaced,
// atomically, so an interrupted run leaves every object readable under one
// key or the other, and running it again skips what is done.
//
// The store must already write with newKey (New(backend, newKey, oldKey)), so
// objects stored while it runs do not end up under the old key. Once it
// returns without error, oldKey can be retired.
func (s *Store) RotateKey(ctx context.Context, oldKey, newKey MasterKey) (RotateReport, error) {
	return s.RotateKeyProgress(ctx, oldKey, newKey, nil)
}

// RotateKeyProgress is RotateKey calling fn (if not nil) with the counts so
// far after each object, for a command that shows progress.
func (s *Store) RotateKeyProgress(ctx context.Context, oldKey, newKey MasterKey, fn func(RotateReport)) (RotateReport, error) {
	var rep RotateReport
	if !oldKey.valid() || !newKey.valid() {
		return rep, errors.New("blob: RotateKey needs both keys")
	}
	if s.key.id != newKey.id {
		return rep, fmt.Errorf("blob: open the store with the new key %s (and the old key %s as an older key) before rotating", newKey.id, oldKey.id)
	}
	fail := func(err error) {
		rep.Failed++
		if len(rep.Errors) < maxRotateErrors {
			rep.Errors = append(rep.Errors, err)
		}
	}
	err := s.eachHeader(ctx, func(id string) error {
		err := s.rotateOne(ctx, id, oldKey, newKey, &rep, fail)
		if err == nil && fn != nil {
			fn(rep)
		}
		return err
	})
	if err != nil {
		return rep, err
	}
	if rep.Failed > 0 {
		return rep, &platform.Error{Code: platform.CodeInternal,
			Message: fmt.Sprintf("%d stored files could not be re-wrapped", rep.Failed),
			Err:     fmt.Errorf("blob: key rotation: %w", errors.Join(rep.Errors...))}
	}
	return rep, nil
}

// rotateOne re-wraps one object's data key; it returns an error only when
// rotation cannot go on (the backend fails).
func (s *Store) rotateOne(ctx context.Context, id string, oldKey, newKey MasterKey, rep *RotateReport, fail func(error)) error {
	if !ValidID(id) {
		fail(corrupt(id, "unexpected file among the headers"))
		return nil
	}
	h, err := s.readHeader(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil // deleted since it was listed
	}
	if errors.Is(err, ErrCorrupt) {
		fail(err)
		return nil
	}
	if err != nil {
		return err
	}
	switch h.keyID {
	case newKey.id:
		rep.Skipped++
		return nil
	case oldKey.id:
	default:
		fail(wrongKey(id, h.keyID, oldKey.id))
		return nil
	}
	dataKey, err := oldKey.unwrapKey(h.wrapped, h.aad(id))
	if err != nil {
		fail(corrupt(id, "header fails authentication under master key %s", h.keyID))
		return nil
	}
	h.keyID = newKey.id
	if h.wrapped, err = newKey.wrapKey(dataKey, h.aad(id)); err != nil {
		return err
	}
	if err := s.backend.Put(ctx, headerName(id), h.encode()); err != nil {
		return internalf("blob %s: write re-wrapped header: %w", id, err)
	}
	rep.Rewrapped++
	return nil
}

// Sweep deletes orphan bodies (see Report.Orphans) last written more than
// grace ago; the grace period spares a Put that has written its body and not
// yet its header. It returns how many it removed.
func (s *Store) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	bodies := map[string]bool{}
	err := s.eachHeader(ctx, func(id string) error {
		if !ValidID(id) {
			return nil
		}
		h, err := s.readHeader(ctx, id)
		if err == nil {
			bodies[h.body] = true
			return nil
		}
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	cutoff := time.Now().Add(-grace)
	var doomed []string
	err = s.backend.List(ctx, bodyDir, func(e Entry) error {
		if !bodies[e.Name] && e.ModTime.Before(cutoff) {
			doomed = append(doomed, e.Name)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i, name := range doomed {
		if err := s.backend.Delete(ctx, name); err != nil {
			return i, err
		}
	}
	return len(doomed), nil
}
