package identity

import (
	"slices"
	"sync"
	"time"

	"dbtp/internal/platform"
)

// subjectCache keeps recently checked sessions (or API tokens) in memory so
// the per-request check costs a hash and a map lookup instead of a database
// round trip. Entries are trusted for Options.CacheTTL after loading, so a
// change made on another node (sign-out, disable, role change) reaches this
// node within that bound; changes made on this node drop the entries at once.
type subjectCache struct {
	mu  sync.RWMutex
	m   map[[32]byte]*cached
	max int
}

// cached is one session or token as last read from the database, plus the
// in-memory activity that is written back at most once per touchEvery.
type cached struct {
	subj      platform.Subject // Addr left empty; filled per request
	id        string           // session or token ID
	loadedAt  time.Time
	expiresAt time.Time // absolute expiry (session) or token expiry

	mu          sync.Mutex
	lastSeen    time.Time // last use seen by this node
	lastWritten time.Time // last time lastSeen was stored
}

func newSubjectCache(size int) *subjectCache {
	return &subjectCache{m: make(map[[32]byte]*cached), max: max(size, 16)}
}

func (c *subjectCache) get(k [32]byte) *cached {
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	return e
}

func (c *subjectCache) put(k [32]byte, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Drop an arbitrary eighth (map order is unspecified, close enough to
		// random). Evicted entries are simply reloaded from the database, so
		// precision here buys nothing and a list for LRU would cost on every hit.
		n := c.max / 8
		for key := range c.m {
			if n == 0 {
				break
			}
			delete(c.m, key)
			n--
		}
	}
	c.m[k] = e
}

func (c *subjectCache) drop(k [32]byte) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// dropUser forgets every entry of one user, after sign-out everywhere, a role
// change or disabling. It scans the map; that is rare, bounded by max, and
// cheaper overall than maintaining a second index on every insert.
func (c *subjectCache) dropUser(orgID, userID string) {
	c.mu.Lock()
	for k, e := range c.m {
		if e.subj.UserID == userID && e.subj.OrgID == orgID {
			delete(c.m, k)
		}
	}
	c.mu.Unlock()
}

// subject returns a copy the caller may change freely.
func (e *cached) subject(addr string) *platform.Subject {
	s := e.subj
	s.Roles = slices.Clone(e.subj.Roles)
	s.BusinessUnits = slices.Clone(e.subj.BusinessUnits)
	s.Scopes = slices.Clone(e.subj.Scopes)
	s.Addr = addr
	return &s
}

// touch records a use at now and reports whether it is time to store it.
func (e *cached) touch(now time.Time) (write bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.After(e.lastSeen) {
		e.lastSeen = now
	}
	if now.Sub(e.lastWritten) >= touchEvery {
		e.lastWritten = now
		return true
	}
	return false
}

func (e *cached) seen() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastSeen
}
