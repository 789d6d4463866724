package events

import (
	"slices"
	"sync"
	"time"

	"dbtp/internal/store"
)

// recentSize bounds how many published events a node keeps in memory:
// about a minute of a busy council's submissions, a few hundred bytes each.
const recentSize = 4096

// recentEvents keeps the events this node published lately, exactly as
// they were stored. Each event is read back by its dispatch job and again
// by one job per subscriber, usually on this node moments after its
// commit; a profile of case submissions showed those reads (a statement
// compiled on the read pool each time) as a fifth of the events bus's
// cost. An event never changes once committed, so a kept copy cannot be
// stale: it is added only after the commit, and one older than the
// retention period is not used (another node may have pruned it).
type recentEvents struct {
	mu   sync.Mutex
	byID map[string]Event
	ring []string // IDs in the order they were added; the oldest is replaced first
	next int
}

func newRecentEvents() *recentEvents {
	return &recentEvents{byID: make(map[string]Event, recentSize), ring: make([]string, 0, recentSize)}
}

// add keeps e in its stored form: time at millisecond precision, in UTC.
func (r *recentEvents) add(e Event) {
	e.At, e.Data = store.Time(store.Millis(e.At)), slices.Clone(e.Data)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ring) < recentSize {
		r.ring = append(r.ring, e.ID)
	} else {
		delete(r.byID, r.ring[r.next])
		r.ring[r.next] = e.ID
		r.next = (r.next + 1) % recentSize
	}
	r.byID[e.ID] = e
}

// get returns the kept event id unless it is older than notBefore. Its
// data is a copy, as a read from the database would be, so a subscriber
// that changed it in place could not change what the next one gets.
func (r *recentEvents) get(id string, notBefore time.Time) (Event, bool) {
	r.mu.Lock()
	e, ok := r.byID[id]
	r.mu.Unlock()
	if !ok || e.At.Before(notBefore) {
		return Event{}, false
	}
	e.Data = slices.Clone(e.Data)
	return e, true
}
