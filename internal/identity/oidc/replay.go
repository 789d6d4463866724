package oidc

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// ReplayGuard remembers which sign-in flows have been completed, so the same
// callback URL and cookie cannot be used twice (for example from a browser
// history or a proxy log). Keys are opaque, fixed-length strings that are
// unique per provider; they reveal nothing about the state value.
//
// One node can use NewMemoryReplayGuard. Several nodes behind a load
// balancer need a shared implementation, e.g. a table with a unique key and
// an expiry column, pruned by a job:
//
//	INSERT INTO oidc_used_states (key, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING
//
// where one affected row means first use.
type ReplayGuard interface {
	// Claim records key as used until expires. It returns true if this is
	// the first claim of key, false if it was already claimed. An error
	// means the guard could not decide; the sign-in is then refused.
	Claim(ctx context.Context, key string, expires time.Time) (bool, error)
}

// ErrReplayGuardFull is returned by the memory guard when it holds its
// maximum number of unexpired entries. Refusing new sign-ins is safer than
// forgetting old ones, which would reopen the replay window.
var ErrReplayGuardFull = errReplayFull{}

type errReplayFull struct{}

func (errReplayFull) Error() string { return "oidc: replay guard is full" }

// MemoryReplayGuard is a bounded, expiring set held in this process.
type MemoryReplayGuard struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	seen  map[string]time.Time
	order expiryHeap
}

// NewMemoryReplayGuard holds at most max unexpired keys; now is the clock
// (nil means time.Now). Entries live only as long as the state cookie, so
// max bounds the sign-ins that can be in flight within one flow lifetime.
func NewMemoryReplayGuard(max int, now func() time.Time) *MemoryReplayGuard {
	if max <= 0 {
		max = 100_000
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayGuard{max: max, now: now, seen: make(map[string]time.Time)}
}

// Claim implements ReplayGuard.
func (g *MemoryReplayGuard) Claim(_ context.Context, key string, expires time.Time) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	// Pruning on every call keeps the cost proportional to what expired,
	// with no background goroutine to start or stop.
	for len(g.order) > 0 && !g.order[0].expires.After(now) {
		e := heap.Pop(&g.order).(expiryEntry)
		if g.seen[e.key].Equal(e.expires) {
			delete(g.seen, e.key)
		}
	}
	if exp, ok := g.seen[key]; ok && exp.After(now) {
		return false, nil
	}
	if len(g.seen) >= g.max {
		return false, ErrReplayGuardFull
	}
	g.seen[key] = expires
	heap.Push(&g.order, expiryEntry{key: key, expires: expires})
	return true, nil
}

// Len reports how many keys are held, for metrics.
func (g *MemoryReplayGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}

// replayKey hashes the provider name and state so a shared store holds
// fixed-size keys and never the state itself.
func replayKey(provider, state string) string {
	sum := sha256.Sum256([]byte("dbtp-oidc-replay\x00" + provider + "\x00" + state))
	return hex.EncodeToString(sum[:])
}

type expiryEntry struct {
	key     string
	expires time.Time
}

type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
