package audit

import (
	"crypto/sha256"
	"errors"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// frontier is the right edge of a tree of size n: for every set bit L of n,
// hash[L] is the root of the complete subtree of 2^L leaves that bit stands
// for. It is all an append needs, and the tree root is a fold of it.
type frontier struct {
	size int64
	hash [64]tlog.Hash
}

// leafHash is tlog.RecordHash without its allocation: scratch is reused by
// the caller across calls.
func leafHash(scratch *[]byte, data []byte) tlog.Hash {
	b := append((*scratch)[:0], 0x00)
	b = append(b, data...)
	*scratch = b
	return sha256.Sum256(b)
}

// push appends a leaf and returns the stored hashes it adds, exactly as
// tlog.StoredHashesForRecordHash would: the leaf hash, then one node hash per
// subtree the leaf completes (one per trailing 1 bit of the old size).
func (f *frontier) push(leaf tlog.Hash, stored []tlog.Hash) []tlog.Hash {
	stored = append(stored, leaf)
	h := leaf
	level := bits.TrailingZeros64(^uint64(f.size))
	for l := 0; l < level; l++ {
		h = tlog.NodeHash(f.hash[l], h)
		stored = append(stored, h)
	}
	f.hash[level] = h
	f.size++
	return stored
}

// root is the tree hash of the current size (the zero hash for an empty tree).
func (f *frontier) root() tlog.Hash {
	if f.size == 0 {
		return tlog.Hash{}
	}
	low := bits.TrailingZeros64(uint64(f.size))
	r := f.hash[low]
	for l := low + 1; l < 64; l++ {
		if f.size>>l&1 == 1 {
			r = tlog.NodeHash(f.hash[l], r)
		}
	}
	return r
}

// marshal stores only the meaningful hashes, lowest level first.
func (f *frontier) marshal() []byte {
	b := make([]byte, 0, bits.OnesCount64(uint64(f.size))*tlog.HashSize)
	for l := 0; l < 64; l++ {
		if f.size>>l&1 == 1 {
			b = append(b, f.hash[l][:]...)
		}
	}
	return b
}

var errBadFrontier = errors.New("audit: stored tree state is malformed")

func unmarshalFrontier(size int64, b []byte) (frontier, error) {
	f := frontier{size: size}
	if size < 0 || len(b) != bits.OnesCount64(uint64(size))*tlog.HashSize {
		return f, errBadFrontier
	}
	for l := 0; l < 64; l++ {
		if size>>l&1 == 1 {
			copy(f.hash[l][:], b)
			b = b[tlog.HashSize:]
		}
	}
	return f, nil
}
