package graph

import (
	"crypto/subtle"
	"encoding/binary"
	"hash"
)

// QuickXorHash is the digest OneDrive for Business and SharePoint give in
// file.hashes.quickXorHash (base64 of the 20-byte sum). Microsoft documents
// it as: XOR each input byte into a 160-bit block, rotated left by 11 bits
// more than the byte before it, then XOR the input length (little-endian)
// into the last 8 bytes of the little-endian block.
const (
	QuickXorHashSize = 20 // bytes in the digest (160 bits)

	qxWidth = 8 * QuickXorHashSize // bits in the block
	qxShift = 11                   // bits each byte is rotated past the one before
)

// quickXor exploits the fact that 160 bytes rotated by 11 bits each bring
// the rotation back to zero (160*11 is a multiple of 160): every byte whose
// offset is k mod 160 lands on the same bit position. So Write only XORs the
// input into a 160-byte ring (vectorised by crypto/subtle), and Sum places
// each of the 160 ring bytes at its rotation once.
type quickXor struct {
	ring [qxWidth]byte // ring[k] = XOR of every input byte at an offset ≡ k (mod 160)
	n    uint64        // bytes written so far
}

// NewQuickXorHash returns a hash.Hash computing Microsoft's QuickXorHash.
// Compare base64.StdEncoding.EncodeToString(h.Sum(nil)) with the value
// Graph gives.
func NewQuickXorHash() hash.Hash { return &quickXor{} }

func (q *quickXor) Write(p []byte) (int, error) {
	n := len(p)
	pos := int(q.n % qxWidth)
	for len(p) > 0 {
		k := subtle.XORBytes(q.ring[pos:], q.ring[pos:], p)
		p = p[k:]
		pos = (pos + k) % qxWidth
	}
	q.n += uint64(n)
	return n, nil
}

func (q *quickXor) Sum(b []byte) []byte {
	var d [QuickXorHashSize]byte // the 160-bit block, least significant byte first
	for k, v := range q.ring {
		if v == 0 {
			continue
		}
		bit := (k * qxShift) % qxWidth
		i, s := bit/8, uint(bit%8)
		d[i] ^= v << s
		if s != 0 {
			// The byte straddles two bytes of the block; past the last
			// byte it wraps to the first (the rotation is circular).
			d[(i+1)%QuickXorHashSize] ^= v >> (8 - s)
		}
	}
	var length [8]byte
	binary.LittleEndian.PutUint64(length[:], q.n)
	subtle.XORBytes(d[QuickXorHashSize-8:], d[QuickXorHashSize-8:], length[:])
	return append(b, d[:]...)
}

func (q *quickXor) Reset()         { *q = quickXor{} }
func (q *quickXor) Size() int      { return QuickXorHashSize }
func (q *quickXor) BlockSize() int { return qxWidth }
