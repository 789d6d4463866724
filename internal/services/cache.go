package services

import (
	"context"
	"sync"
	"time"
)

// ttlCache remembers small lookups that every submission would otherwise
// repeat: which version of a service is the latest, and which unit ID a
// unit name resolves to. Entries live for a few seconds, so a version
// published or a unit renamed on another node is seen after at most that
// long; on this node publishing forgets the entry at once.
type ttlCache[V any] struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

// maxCached bounds the cache; past it, the cache starts again empty rather
// than tracking ages (there are a few hundred services and units at most).
const maxCached = 10000

func newTTLCache[V any](ttl time.Duration) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, m: map[string]ttlEntry[V]{}}
}

// get returns the cached value for k, or calls load and caches its result.
func (c *ttlCache[V]) get(ctx context.Context, k string, load func(context.Context) (V, error)) (V, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCached {
		clear(c.m)
	}
	c.m[k] = ttlEntry[V]{v: v, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

func (c *ttlCache[V]) forget(k string) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}
