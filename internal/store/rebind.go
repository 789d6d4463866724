package store

import (
	"strconv"
	"strings"
	"sync"
)

var rebound sync.Map // query text -> PostgreSQL form

// rebind turns ? placeholders into $1, $2... for PostgreSQL. Question marks
// inside single-quoted literals are left alone. Results are cached because the
// same few hundred statements are used over and over.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres || strings.IndexByte(q, '?') < 0 {
		return q
	}
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}
