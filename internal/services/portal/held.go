package portal

import (
	"maps"
	"sync"
	"time"

	"dbtp/internal/services/definition"
)

// heldAnswers keeps, in memory, the answers staff give while acting for a
// resident: drafts belong to the signed-in person, and a member of staff's
// own draft of the service must not be overwritten. (Files uploaded on the
// way are held by the engine, in the file store, under the journey's key.)
//
// Entries expire, so abandoned journeys do not accumulate. A restart loses
// the answers of a sitting in progress; staff then start it again.
type heldAnswers struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]*heldEntry
}

type heldEntry struct {
	answers definition.Answers
	page    string
	touched time.Time
}

func newHeldAnswers(ttl time.Duration, now func() time.Time) *heldAnswers {
	return &heldAnswers{ttl: ttl, now: now, entries: map[string]*heldEntry{}}
}

func (h *heldAnswers) answers(key string) (definition.Answers, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entries[key]
	if e == nil || h.now().Sub(e.touched) > h.ttl {
		return definition.Answers{}, ""
	}
	return maps.Clone(e.answers), e.page
}

func (h *heldAnswers) setAnswers(key string, a definition.Answers, page string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	// Expire lazily: a map of at most a few thousand journeys is cheap to
	// sweep, and no background goroutine needs stopping.
	for k, e := range h.entries {
		if now.Sub(e.touched) > h.ttl {
			delete(h.entries, k)
		}
	}
	h.entries[key] = &heldEntry{answers: maps.Clone(a), page: page, touched: now}
}

// drop forgets a journey, after submission or when staff cancel it.
func (h *heldAnswers) drop(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.entries, key)
}
