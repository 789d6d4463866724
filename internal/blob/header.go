package blob

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// A header is the small record that makes a body readable: which data key
// (wrapped under which master key), the nonce prefix, the segment size and
// the plaintext size. It is stored apart from the body, under the object's
// ID, so key rotation rewrites a hundred bytes and never the content (on S3
// an object cannot be edited in place, only rewritten whole).
//
// Layout (big-endian):
//
//	magic "DBTPBLOB" | version 1 | segment size u32 | plaintext size u64 |
//	nonce prefix [7] | body name length u8 | body name |
//	key ID [8] | wrapped data key [60]
//
// Everything before the key ID, plus the object ID, is the additional data of
// the key wrap, so a header edited or moved to another ID fails to unwrap.
type header struct {
	segSize int
	size    int64
	prefix  [noncePrefixSize]byte
	body    string
	keyID   string // 16 hex characters
	wrapped []byte
}

const (
	headerMagic     = "DBTPBLOB"
	headerVersion   = 1
	noncePrefixSize = 7
	keyIDSize       = 8
	headerFixed     = len(headerMagic) + 1 + 4 + 8 + noncePrefixSize + 1
	maxHeaderSize   = headerFixed + 255 + keyIDSize + wrappedKeySize

	minSegSize = 1 << 10
	maxSegSize = 1 << 24
	// maxSize keeps the segment counter (32 bits) from wrapping at the
	// smallest segment size; it is far beyond any council document.
	maxSize = int64(minSegSize) << 32
)

var errHeader = errors.New("malformed header")

// authPart is the encoded header up to the key ID.
func (h *header) authPart() []byte {
	b := make([]byte, 0, headerFixed+len(h.body))
	b = append(b, headerMagic...)
	b = append(b, headerVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(h.segSize))
	b = binary.BigEndian.AppendUint64(b, uint64(h.size))
	b = append(b, h.prefix[:]...)
	b = append(b, byte(len(h.body)))
	return append(b, h.body...)
}

// aad binds the wrapped key to this header's fields and to the object ID.
func (h *header) aad(id string) []byte {
	raw, _ := hex.DecodeString(id)
	return append(raw, h.authPart()...)
}

func (h *header) encode() []byte {
	b := h.authPart()
	kid, _ := hex.DecodeString(h.keyID)
	b = append(b, kid...)
	return append(b, h.wrapped...)
}

// parseHeader decodes a header, checking every field's range; it never
// trusts a length it has not checked against the input.
func parseHeader(b []byte) (*header, error) {
	if len(b) < headerFixed {
		return nil, fmt.Errorf("%w: %d bytes is too short", errHeader, len(b))
	}
	if string(b[:8]) != headerMagic {
		return nil, fmt.Errorf("%w: not a dbtp blob header", errHeader)
	}
	if b[8] != headerVersion {
		return nil, fmt.Errorf("%w: unknown version %d", errHeader, b[8])
	}
	h := &header{
		segSize: int(binary.BigEndian.Uint32(b[9:13])),
	}
	size := binary.BigEndian.Uint64(b[13:21])
	if h.segSize < minSegSize || h.segSize > maxSegSize {
		return nil, fmt.Errorf("%w: segment size %d out of range", errHeader, h.segSize)
	}
	if size > uint64(maxSize) {
		return nil, fmt.Errorf("%w: size %d out of range", errHeader, size)
	}
	h.size = int64(size)
	copy(h.prefix[:], b[21:28])
	n := int(b[28])
	if len(b) != headerFixed+n+keyIDSize+wrappedKeySize {
		return nil, fmt.Errorf("%w: length %d does not match its body name length %d", errHeader, len(b), n)
	}
	h.body = string(b[headerFixed : headerFixed+n])
	if !validName(h.body) {
		return nil, fmt.Errorf("%w: invalid body name", errHeader)
	}
	rest := b[headerFixed+n:]
	h.keyID = hex.EncodeToString(rest[:keyIDSize])
	h.wrapped = append([]byte(nil), rest[keyIDSize:]...)
	return h, nil
}

// segments is the number of sealed segments in a body: at least one, so an
// empty object still carries a final, authenticated segment.
func (h *header) segments() int64 {
	if h.size == 0 {
		return 1
	}
	return (h.size + int64(h.segSize) - 1) / int64(h.segSize)
}

// bodySize is the exact stored length of the body.
func (h *header) bodySize() int64 {
	return h.size + h.segments()*tagSize
}
