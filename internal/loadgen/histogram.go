package loadgen

import (
	"math"
	"sort"
	"sync"
	"time"
)

// Recorder collects latencies and errors from many goroutines. It keeps every
// sample (a few hundred thousand durations is a few MB), so percentiles are
// exact rather than bucketed.
type Recorder struct {
	mu        sync.Mutex
	samples   []time.Duration
	errors    int
	conflicts int
	reasons   map[string]int
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{reasons: map[string]int{}} }

// Observe records one completed request; reason is empty on success.
func (r *Recorder) Observe(d time.Duration, reason string) {
	r.mu.Lock()
	r.samples = append(r.samples, d)
	if reason != "" {
		r.errors++
		r.reasons[reason]++
	}
	r.mu.Unlock()
}

// Conflict records one completed request the server refused as stale
// (409): its latency counts, but not as an error.
func (r *Recorder) Conflict(d time.Duration) {
	r.mu.Lock()
	r.samples = append(r.samples, d)
	r.conflicts++
	r.mu.Unlock()
}

// Summary is what a run reports.
type Summary struct {
	Requests         int
	Errors           int
	Conflicts        int // stale changes refused with 409, not errors
	ErrorRate        float64
	Throughput       float64 // completed requests per second of wall time
	P50, P95, P99    time.Duration
	Max              time.Duration
	Reasons          map[string]int
	Elapsed          time.Duration
	ScheduledPerSec  float64
	DroppedOverloads int
}

// Summarise computes percentiles over everything observed in elapsed.
func (r *Recorder) Summarise(elapsed time.Duration) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Summary{Requests: len(r.samples), Errors: r.errors, Conflicts: r.conflicts, Elapsed: elapsed, Reasons: map[string]int{}}
	for k, v := range r.reasons {
		s.Reasons[k] = v
	}
	if len(r.samples) == 0 {
		return s
	}
	sorted := append([]time.Duration(nil), r.samples...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	s.P50 = percentile(sorted, 0.50)
	s.P95 = percentile(sorted, 0.95)
	s.P99 = percentile(sorted, 0.99)
	s.Max = sorted[len(sorted)-1]
	s.ErrorRate = float64(r.errors) / float64(len(sorted))
	if elapsed > 0 {
		s.Throughput = float64(len(sorted)) / elapsed.Seconds()
	}
	return s
}

// percentile uses the nearest-rank method on sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
