package jobs

import "sync"

// dueKinds is this node's note of the kinds that may have work due which
// its claimer has not looked for yet: those it enqueued due work of (or
// retried from the jobs page) since, and those whose last look found more
// than it took. A claim woken by such a change looks only at these kinds;
// a claim on the poll interval looks at every kind, and so still finds
// what other nodes enqueued, retries coming due and leases run out, as
// every claim did before. A profile of the server under case submissions
// showed the claim's one query per registered kind (two dozen) as most of
// its cost in the single writer, with nearly all of them finding nothing.
type dueKinds struct {
	mu sync.Mutex
	m  map[string]bool
}

func (d *dueKinds) add(kind string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[string]bool{}
	}
	d.m[kind] = true
}

// any reports whether some kind is noted.
func (d *dueKinds) any() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.m) > 0
}

// take returns the noted kinds among registered (all of registered when
// all is set) and forgets them: the claim notes again those it leaves work in.
func (d *dueKinds) take(registered []string, all bool) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if all {
		clear(d.m)
		return registered
	}
	out := make([]string, 0, len(d.m))
	for _, k := range registered {
		if d.m[k] {
			out = append(out, k)
			delete(d.m, k)
		}
	}
	return out
}

// markDue notes kind and wakes the claimer, after a commit that made a job
// of kind due.
func (q *Queue) markDue(kind string) {
	q.due.add(kind)
	q.nudge()
}
