package blob

import (
	"context"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"dbtp/internal/platform"
)

// The body is a STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár):
// the plaintext is cut into segments of segSize bytes, each sealed with
// AES-256-GCM under the object's own data key with the nonce
//
//	prefix [7] | segment counter u32 | last flag (1 on the final segment)
//
// Each segment is authenticated on its own, so a reader never hands out a
// byte of a segment that fails, memory stays at one segment, and because the
// last segment is marked, cutting the body at a segment boundary is detected
// as surely as flipping a bit. Reordering fails because the counter is in the
// nonce.

const (
	// DefaultSegmentSize is the plaintext size of one sealed segment.
	DefaultSegmentSize = 64 << 10
	tagSize            = 16
)

func segmentNonce(prefix [noncePrefixSize]byte, counter uint32, last bool) []byte {
	n := make([]byte, 12)
	copy(n, prefix[:])
	binary.BigEndian.PutUint32(n[7:11], counter)
	if last {
		n[11] = 1
	}
	return n
}

// seal reads r to its end, writing sealed segments to w, and returns the
// SHA-256 and length of the plaintext. It stops at the first error of r, w or
// ctx.
func seal(ctx context.Context, r io.Reader, w io.Writer, aead cipher.AEAD, prefix [noncePrefixSize]byte, segSize int) (sum [32]byte, size int64, err error) {
	h := sha256.New()
	// One byte more than a segment: a full read proves another segment
	// follows, so the current one is not the last.
	bufs := getSealBuffers(segSize)
	defer sealPool.Put(bufs)
	buf, out := bufs.plain[:segSize+1], bufs.sealed[:0]
	have := 0
	for counter := uint32(0); ; counter++ {
		if err := ctx.Err(); err != nil {
			return sum, size, err
		}
		n, rerr := io.ReadFull(r, buf[have:])
		have += n
		last := false
		switch {
		case rerr == nil:
		case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF):
			last = true
		default:
			return sum, size, fmt.Errorf("reading content: %w", rerr)
		}
		chunk := buf[:min(have, segSize)]
		size += int64(len(chunk))
		if size > maxSize {
			return sum, size, platform.Errorf(platform.CodeTooLarge, "the file is larger than the store accepts (%d bytes)", maxSize)
		}
		h.Write(chunk)
		out = aead.Seal(out[:0], segmentNonce(prefix, counter, last), chunk, nil)
		if _, err := w.Write(out); err != nil {
			return sum, size, err
		}
		if last {
			copy(sum[:], h.Sum(nil))
			return sum, size, nil
		}
		buf[0] = buf[segSize]
		have = 1
	}
}

// sealBuffers are seal's two segment buffers, reused from one Put to the
// next: allocating them afresh (about 128 KiB a Put, however small the
// content) was a large share of the garbage a busy node made.
type sealBuffers struct{ plain, sealed []byte }

var sealPool sync.Pool

func getSealBuffers(segSize int) *sealBuffers {
	if b, ok := sealPool.Get().(*sealBuffers); ok && cap(b.plain) >= segSize+1 && cap(b.sealed) >= segSize+tagSize {
		return b
	}
	return &sealBuffers{plain: make([]byte, segSize+1), sealed: make([]byte, 0, segSize+tagSize)}
}

// reader decrypts a body segment by segment and checks the whole-object hash
// before it releases the final segment, so reaching io.EOF means every byte
// read was authenticated and the content matches its ID.
type reader struct {
	id     string
	body   io.ReadCloser
	aead   cipher.AEAD
	h      *header
	sum    hash.Hash
	buf    []byte
	plain  []byte
	next   int64 // index of the next segment to open
	remain int64 // plaintext bytes not yet decrypted
	err    error // sticky
}

func newReader(id string, h *header, aead cipher.AEAD, body io.ReadCloser) *reader {
	return &reader{
		id: id, body: body, aead: aead, h: h, sum: sha256.New(),
		buf:    make([]byte, min(int64(h.segSize), h.size)+tagSize), // a small object needs no whole segment
		remain: h.size,
	}
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.err = r.open()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// open decrypts the next segment into r.plain, or returns why it cannot.
func (r *reader) open() error {
	total := r.h.segments()
	if r.next == total {
		return io.EOF
	}
	last := r.next == total-1
	n := int64(r.h.segSize)
	if last {
		n = r.remain
	}
	ct := r.buf[:n+tagSize]
	if _, err := io.ReadFull(r.body, ct); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// The size was checked when the body was opened, so a short read
			// here is the connection, not the object.
			return internalf("blob %s: body ended early at segment %d: %w", r.id, r.next, io.ErrUnexpectedEOF)
		}
		return internalf("blob %s: reading body: %w", r.id, err)
	}
	pt, err := r.aead.Open(ct[:0], segmentNonce(r.h.prefix, uint32(r.next), last), ct, nil)
	if err != nil {
		return corrupt(r.id, "segment %d of %d fails authentication", r.next+1, total)
	}
	r.sum.Write(pt)
	r.next++
	r.remain -= int64(len(pt))
	if last {
		if hex.EncodeToString(r.sum.Sum(nil)) != r.id {
			return corrupt(r.id, "content does not match its ID")
		}
	}
	r.plain = pt
	return nil
}

func (r *reader) Close() error { return r.body.Close() }
