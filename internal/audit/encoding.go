package audit

import (
	"encoding/binary"
	"errors"
	"time"
	"unicode/utf8"
)

// The canonical encoding of an entry is what the Merkle tree commits to, so
// it must never change meaning: a new layout gets a new version byte and the
// decoder keeps reading the old one. Version 1 is
//
//	byte     0      version (1)
//	bytes    1..8   index, uint64 big-endian
//	bytes    9..16  at, Unix milliseconds UTC, int64 big-endian
//	then ten strings, each a minimal uvarint byte length and UTF-8 bytes, in
//	this order: org_id, actor_id, actor_name, acting_for, action,
//	resource_type, resource_id, outcome, addr, detail.
//
// Binary and length-prefixed rather than JSON so that there is exactly one
// encoding per entry (no key order, escaping or number formatting choices)
// and Verify can read the index at a fixed offset without parsing.
const (
	encodingV1   = 1
	headerLen    = 1 + 8 + 8
	maxEncodeLen = 16 << 10 // far above what validate allows; guards decoding of stored bytes
)

var errBadEncoding = errors.New("audit: malformed entry encoding")

// fields lists the string fields in encoding order.
func fields(e *Entry) [10]*string {
	o := (*string)(&e.Outcome)
	return [10]*string{&e.OrgID, &e.ActorID, &e.ActorName, &e.ActingFor, &e.Action,
		&e.ResourceType, &e.ResourceID, o, &e.Addr, &e.Detail}
}

// appendEntry appends the canonical encoding of e to b.
func appendEntry(b []byte, e Entry) []byte {
	b = append(b, encodingV1)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Index))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMilli()))
	for _, f := range fields(&e) {
		b = binary.AppendUvarint(b, uint64(len(*f)))
		b = append(b, *f...)
	}
	return b
}

// encodedIndex reads the index from canonical bytes without decoding them,
// for the verifier's hot loop.
func encodedIndex(data []byte) (int64, bool) {
	if len(data) < headerLen || data[0] != encodingV1 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(data[1:9])), true
}

// decodeEntry parses canonical bytes read back from the database. It is
// strict: anything appendEntry would not have produced is rejected, so an
// entry has one encoding and one leaf hash.
func decodeEntry(data []byte) (Entry, error) {
	var e Entry
	if len(data) < headerLen || len(data) > maxEncodeLen || data[0] != encodingV1 {
		return e, errBadEncoding
	}
	e.Index = int64(binary.BigEndian.Uint64(data[1:9]))
	e.At = time.UnixMilli(int64(binary.BigEndian.Uint64(data[9:17]))).UTC()
	rest := data[headerLen:]
	for _, f := range fields(&e) {
		n, w := binary.Uvarint(rest)
		// w <= 0 is a truncated or overflowing length; a length that is not
		// minimally encoded would give the same entry a second encoding.
		if w <= 0 || w != uvarintLen(n) || n > uint64(len(rest)-w) {
			return Entry{}, errBadEncoding
		}
		s := rest[w : w+int(n)]
		if !utf8.Valid(s) {
			return Entry{}, errBadEncoding
		}
		*f = string(s)
		rest = rest[w+int(n):]
	}
	if len(rest) != 0 || e.Index < 0 {
		return Entry{}, errBadEncoding
	}
	return e, nil
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
