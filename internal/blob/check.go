package blob

import (
	"context"
	"errors"
	"path"
)

// errStop ends a listing early.
var errStop = errors.New("stop listing")

// HasObjects reports whether any object is stored, reading at most one name.
// It needs no key, so a program can tell a fresh store (where a new master
// key may be made) from one whose key has gone missing.
func HasObjects(ctx context.Context, b Backend) (bool, error) {
	found := false
	err := b.List(ctx, headerDir, func(Entry) error {
		found = true
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return false, internalf("blob: list objects: %w", err)
	}
	return found, nil
}

// CheckKey is a cheap check at start that the store was given the right
// master key: it reads one stored header and returns an ErrWrongKey error
// if that object is wrapped under a key the store does not have. It reads
// no content and changes nothing. An empty store, or a damaged header, is
// not a key problem and gives nil (Verify finds damage).
func (s *Store) CheckKey(ctx context.Context) error {
	var id string
	err := s.backend.List(ctx, headerDir, func(e Entry) error {
		if n := path.Base(e.Name); ValidID(n) {
			id = n
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return internalf("blob: list objects: %w", err)
	}
	if id == "" {
		return nil
	}
	h, err := s.readHeader(ctx, id)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
		return nil // deleted since listed, or damaged: not about the key
	}
	if err != nil {
		return err
	}
	if _, ok := s.ring[h.keyID]; !ok {
		return wrongKey(id, h.keyID, s.keyIDs())
	}
	return nil
}

// KeyID is the ID of the master key new objects are wrapped under.
func (s *Store) KeyID() string { return s.key.id }
