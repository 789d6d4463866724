package platform

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// IDs are a short type prefix, an underscore and 26 characters of Crockford-ish
// base32: 48 bits of milliseconds then 80 bits that start random. They sort by
// creation time, which makes them usable as pagination cursors and as the
// tie-break between rows made in the same millisecond, and they reveal
// nothing guessable about other rows.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// idState makes IDs from one process strictly increasing: within the same
// millisecond (or if the clock steps back) the previous ID's 80 low bits are
// incremented instead of drawn afresh, as ULID's monotonic mode does.
var idState struct {
	sync.Mutex
	ms   uint64
	hi   uint16 // top 16 of the 80 low bits
	lo   uint64 // bottom 64
	used bool
}

// NewID returns a fresh identifier such as "usr_01jc3...".
func NewID(prefix string) string {
	now := uint64(time.Now().UnixMilli())
	idState.Lock()
	if idState.used && now <= idState.ms {
		idState.lo++
		if idState.lo == 0 {
			idState.hi++
		}
	} else {
		var r [10]byte
		if _, err := rand.Read(r[:]); err != nil {
			panic("platform: crypto/rand failed: " + err.Error())
		}
		idState.ms, idState.hi, idState.lo, idState.used = now, binary.BigEndian.Uint16(r[:2]), binary.BigEndian.Uint64(r[2:]), true
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], idState.ms<<16|uint64(idState.hi))
	binary.BigEndian.PutUint64(b[8:], idState.lo)
	idState.Unlock()
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// ValidID reports whether s looks like an ID with the given prefix. It is a
// cheap syntactic check used to reject junk before it reaches a query.
func ValidID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') || c == 'i' || c == 'l' || c == 'o' || c == 'u' {
			return false
		}
	}
	return true
}
