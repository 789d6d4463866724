package audit

import (
	"encoding/binary"
	"errors"
	"time"
	"unicode/utf8"
)

// The canonical encoding of an entry is what the Merkle tree commits to, so
// it must never change meaning: a new layout or meaning gets a new version
// byte. Both versions so far are
//
//	byte     0      version
//	bytes    1..8   index, uint64 big-endian
//	bytes    9..16  at, Unix milliseconds UTC, int64 big-endian
//	then ten strings, each a minimal uvarint byte length and UTF-8 bytes, in
//	this order: org_id, actor_id, actor_name, acting_for, action,
//	resource_type, resource_id, outcome, addr, detail.
//
// In version 1 the index was the entry's position in one platform-wide
// tree; in version 2 it is the position in its organisation's own tree
// (org_id "" being the platform's). Only Upgrade still reads version 1,
// when it rebuilds an old log into per-organisation logs.
//
// Binary and length-prefixed rather than JSON so that there is exactly one
// encoding per entry (no key order, escaping or number formatting choices)
// and Verify can read the index at a fixed offset without parsing.
const (
	encodingV1   = 1 // platform-wide index; read only by Upgrade
	encodingV2   = 2
	headerLen    = 1 + 8 + 8
	maxEncodeLen = 16 << 10 // far above what validate allows; guards decoding of stored bytes
)

// Positions of the fields the entry table copies into columns for filtering.
const (
	fieldOrg          = 0
	fieldActor        = 1
	fieldAction       = 4
	fieldResourceType = 5
	fieldResourceID   = 6
)

var errBadEncoding = errors.New("audit: malformed entry encoding")

// fields lists the string fields in encoding order.
func fields(e *Entry) [10]*string {
	o := (*string)(&e.Outcome)
	return [10]*string{&e.OrgID, &e.ActorID, &e.ActorName, &e.ActingFor, &e.Action,
		&e.ResourceType, &e.ResourceID, o, &e.Addr, &e.Detail}
}

// appendEntry appends the canonical (version 2) encoding of e to b.
func appendEntry(b []byte, e Entry) []byte { return appendEntryVersion(b, e, encodingV2) }

func appendEntryVersion(b []byte, e Entry, version byte) []byte {
	b = append(b, version)
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
	if len(data) < headerLen || data[0] != encodingV2 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(data[1:9])), true
}

// entryView is an entry's canonical bytes split into its parts without
// copying, so the verifier can compare them with the stored columns
// without allocating.
type entryView struct {
	index, at int64
	field     [10][]byte
}

// viewEntry splits data, which must be of the given version. It is strict:
// anything appendEntry would not have produced is rejected, so an entry has
// one encoding and one leaf hash. The verifier skips the UTF-8 check
// (checkText false): it compares the bytes with the signed tree, which is
// the check that matters there, and Record never writes invalid text.
func viewEntry(data []byte, version byte, checkText bool) (entryView, bool) {
	var v entryView
	if len(data) < headerLen || len(data) > maxEncodeLen || data[0] != version {
		return v, false
	}
	v.index = int64(binary.BigEndian.Uint64(data[1:9]))
	v.at = int64(binary.BigEndian.Uint64(data[9:17]))
	rest := data[headerLen:]
	for i := range v.field {
		n, w := binary.Uvarint(rest)
		// w <= 0 is a truncated or overflowing length; a length that is not
		// minimally encoded would give the same entry a second encoding.
		if w <= 0 || w != uvarintLen(n) || n > uint64(len(rest)-w) {
			return v, false
		}
		s := rest[w : w+int(n)]
		if checkText && !utf8.Valid(s) {
			return v, false
		}
		v.field[i] = s
		rest = rest[w+int(n):]
	}
	return v, len(rest) == 0 && v.index >= 0
}

// decodeEntry parses canonical (version 2) bytes read back from the database.
func decodeEntry(data []byte) (Entry, error) { return decodeEntryVersion(data, encodingV2) }

func decodeEntryVersion(data []byte, version byte) (Entry, error) {
	v, ok := viewEntry(data, version, true)
	if !ok {
		return Entry{}, errBadEncoding
	}
	e := Entry{Index: v.index, At: time.UnixMilli(v.at).UTC()}
	for i, f := range fields(&e) {
		*f = string(v.field[i])
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
