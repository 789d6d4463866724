package portal

import (
	"maps"
	"sync"
	"time"

	"dbtp/internal/services/definition"
)

// heldFiles keeps, in memory, what a journey needs between pages that the
// engine has no place for yet: the content of files uploaded on a question
// page (the engine stores a file only with the case it belongs to, at
// submission) and the answers staff give while acting for a resident.
//
// Memory is bounded (total bytes) and entries expire, so abandoned uploads
// cannot exhaust it. A restart loses what is held: a person is then asked
// to upload the file again, which is honest if not ideal; the kernel's
// storage should replace this once it offers temporary files.
type heldFiles struct {
	mu      sync.Mutex
	limit   int64
	total   int64
	ttl     time.Duration
	now     func() time.Time
	entries map[string]*heldEntry
}

type heldEntry struct {
	files   map[string][]byte // by definition.File.ID
	answers definition.Answers
	page    string
	touched time.Time
}

func newHeldFiles(limit int64, ttl time.Duration, now func() time.Time) *heldFiles {
	return &heldFiles{limit: limit, ttl: ttl, now: now, entries: map[string]*heldEntry{}}
}

// entry returns the live entry for key, creating it; callers hold mu.
func (h *heldFiles) entry(key string) *heldEntry {
	now := h.now()
	// Expire lazily: a map of at most a few thousand journeys is cheap to
	// sweep, and no background goroutine needs stopping.
	for k, e := range h.entries {
		if now.Sub(e.touched) > h.ttl {
			h.dropLocked(k)
		}
	}
	e := h.entries[key]
	if e == nil {
		e = &heldEntry{files: map[string][]byte{}}
		h.entries[key] = e
	}
	e.touched = now
	return e
}

// putFile holds content under id; false means memory is full.
func (h *heldFiles) putFile(key, id string, content []byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total+int64(len(content)) > h.limit {
		return false
	}
	e := h.entry(key)
	e.files[id] = content
	h.total += int64(len(content))
	return true
}

// files returns the content held for the given IDs; missing IDs are left out.
func (h *heldFiles) files(key string, ids []string) map[string][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]byte{}
	e := h.entries[key]
	if e == nil {
		return out
	}
	for _, id := range ids {
		if b, ok := e.files[id]; ok {
			out[id] = b
		}
	}
	return out
}

func (h *heldFiles) answers(key string) (definition.Answers, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entries[key]
	if e == nil || e.answers == nil {
		return definition.Answers{}, ""
	}
	return maps.Clone(e.answers), e.page
}

func (h *heldFiles) setAnswers(key string, a definition.Answers, page string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entry(key)
	e.answers, e.page = maps.Clone(a), page
}

// drop forgets a journey, after submission or when its draft is deleted.
func (h *heldFiles) drop(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(key)
}

func (h *heldFiles) dropLocked(key string) {
	if e := h.entries[key]; e != nil {
		for _, b := range e.files {
			h.total -= int64(len(b))
		}
		delete(h.entries, key)
	}
}
