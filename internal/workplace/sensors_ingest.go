package workplace

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// IngestOptions tune the ingester; zero values take the defaults.
//
// Readings nobody waits for (MQTT at QoS 0) are buffered until FlushAt
// of them are queued or the oldest has waited FlushEvery. A sender who
// waits (QoS 1 and 2, HTTP) has its batch written as soon as the queue
// holds nothing more, together with whatever else is queued.
type IngestOptions struct {
	// FlushEvery is the longest a reading waits in the buffer (250 ms).
	FlushEvery time.Duration
	// FlushAt is how many readings fill a buffer (1,000): a full buffer
	// is written at once, in one transaction.
	FlushAt int
	// Queue bounds the readings waiting to be written (20,000); beyond it
	// senders wait, so a flood slows the senders down rather than
	// growing memory.
	Queue int
	// Skew is how far a device's clock may be from the server's before
	// its time is replaced by the time of receipt (10 minutes).
	Skew time.Duration
	// SummaryEvery is how often the audit log gets one entry per
	// organisation counting what was ingested (15 minutes); readings are
	// never audited one by one.
	SummaryEvery time.Duration
	Log          *slog.Logger
}

func (o IngestOptions) withDefaults() IngestOptions {
	if o.FlushEvery <= 0 {
		o.FlushEvery = 250 * time.Millisecond
	}
	if o.FlushAt <= 0 {
		o.FlushAt = 1000
	}
	if o.Queue <= 0 {
		o.Queue = 20000
	}
	if o.Skew <= 0 {
		o.Skew = 10 * time.Minute
	}
	if o.SummaryEvery <= 0 {
		o.SummaryEvery = 15 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Outcome is what became of one reading.
type Outcome int

// Outcomes.
const (
	Accepted  Outcome = iota
	Duplicate         // seen before: ignored
	Rejected          // dead-lettered
)

// Result counts what became of the readings of one submission; Reasons
// are the rejected readings' dead-letter reasons, by position.
type Result struct {
	Accepted  int            `json:"accepted"`
	Duplicate int            `json:"duplicate"`
	Rejected  int            `json:"rejected"`
	Reasons   map[int]string `json:"reasons,omitempty"`
}

func (r *Result) add(i int, o outcome) {
	switch o.what {
	case Accepted:
		r.Accepted++
	case Duplicate:
		r.Duplicate++
	default:
		r.Rejected++
		if r.Reasons == nil {
			r.Reasons = map[int]string{}
		}
		r.Reasons[i] = o.reason
	}
}

type outcome struct {
	what   Outcome
	reason string
}

// item is one reading or dead letter waiting in the buffer.
type item struct {
	sensor   SensorAuth
	source   string
	received time.Time
	r        reading
	dead     string // the reason, when this is a dead letter
	payload  string // a dead letter's payload, clipped
	size     int
	done     chan outcome // nil: nobody waits
	flush    chan error   // a Flush request, not a reading
}

// Ingester buffers readings and writes them in batches: a burst of
// messages is a few transactions, not one each. Run it once.
type Ingester struct {
	s    *Store
	opts IngestOptions
	q    chan item

	mu       sync.Mutex
	counts   map[string]*ingestCount // per organisation, since the last summary
	lastSeen map[string]time.Time    // dead letters from a refused connection, per sensor
}

type ingestCount struct {
	since                     time.Time
	accepted, duplicate, dead int
}

// NewIngester returns an ingester writing to s.
func (s *Store) NewIngester(opts IngestOptions) *Ingester {
	o := opts.withDefaults()
	return &Ingester{s: s, opts: o, q: make(chan item, o.Queue), counts: map[string]*ingestCount{}, lastSeen: map[string]time.Time{}}
}

// Run writes what is submitted until ctx ends, then writes what is left
// and the last summaries.
func (in *Ingester) Run(ctx context.Context) {
	batch := make([]item, 0, in.opts.FlushAt)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case it := <-in.q:
					batch = append(batch, it)
					continue
				default:
				}
				break
			}
			in.write(context.WithoutCancel(ctx), batch, true)
			return
		case it := <-in.q:
			if len(batch) == 0 {
				timer.Reset(in.opts.FlushEvery)
			}
			batch = append(batch, it)
			if it.flush == nil && it.done == nil && len(batch) < in.opts.FlushAt {
				continue
			}
			// Someone waits: take what else is queued already and write
			// now. Under load the queue refills while a batch is written,
			// so batches stay large without making a lone sender wait.
			batch = in.drain(batch)
		case <-timer.C:
		}
		timer.Stop()
		in.write(ctx, batch, false)
		clear(batch)
		batch = batch[:0]
	}
}

// drain adds what is queued, without waiting, up to a full batch.
func (in *Ingester) drain(batch []item) []item {
	for len(batch) < in.opts.FlushAt {
		select {
		case it := <-in.q:
			batch = append(batch, it)
		default:
			return batch
		}
	}
	return batch
}

// Flush writes everything submitted so far and returns once it is stored.
func (in *Ingester) Flush(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case in.q <- item{flush: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Submit takes one payload from an authenticated sensor. With wait, it
// returns once the readings are stored (or dead-lettered), with what
// became of each; without, it returns once they are buffered.
func (in *Ingester) Submit(ctx context.Context, sensor SensorAuth, source string, payload []byte, wait bool) (Result, error) {
	now := in.s.now()
	var items []item
	ws, err := DecodePayload(payload)
	if err == nil && source != SourceHTTP && len(payload) > MaxPayload {
		err = fmt.Errorf("payload too large: %d bytes (at most %d)", len(payload), MaxPayload)
	}
	if err != nil {
		items = []item{in.deadItem(sensor, source, now, err.Error(), payload)}
	} else {
		for _, w := range ws {
			r, err := w.check(sensor.Kind)
			if err != nil {
				items = append(items, in.deadItem(sensor, source, now, err.Error(), payload))
				continue
			}
			items = append(items, item{sensor: sensor, source: source, received: now, r: r})
		}
	}
	return in.enqueue(ctx, items, wait)
}

// DeadLetter records a message refused before it could be read: a
// wrong or revoked credential, say. A sensor refused again and again
// gets one such dead letter a minute, so a device stuck retrying cannot
// fill the table.
func (in *Ingester) DeadLetter(ctx context.Context, sensor SensorAuth, source, reason string, payload []byte) error {
	if sensor.OrgID == "" {
		return nil // nobody to show it to: an unknown sensor is only logged
	}
	now := in.s.now()
	in.mu.Lock()
	key := sensor.ID + " " + reason
	if t, ok := in.lastSeen[key]; ok && now.Sub(t) < time.Minute {
		in.mu.Unlock()
		return nil
	}
	if len(in.lastSeen) > 10000 {
		clear(in.lastSeen)
	}
	in.lastSeen[key] = now
	in.mu.Unlock()
	_, err := in.enqueue(ctx, []item{in.deadItem(sensor, source, now, reason, payload)}, false)
	return err
}

func (in *Ingester) deadItem(sensor SensorAuth, source string, now time.Time, reason string, payload []byte) item {
	p := Redact(payload)
	if len(p) > 512 {
		p = p[:512]
	}
	text := strings.ToValidUTF8(string(p), "\uFFFD")
	text = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, text)
	if !utf8.ValidString(text) {
		text = ""
	}
	return item{sensor: sensor, source: source, received: now, dead: clip(reason, 300), payload: text, size: len(payload)}
}

func (in *Ingester) enqueue(ctx context.Context, items []item, wait bool) (Result, error) {
	var res Result
	var done chan outcome
	if wait {
		done = make(chan outcome, len(items))
	}
	for i := range items {
		items[i].done = done
		select {
		case in.q <- items[i]:
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	if !wait {
		return res, nil
	}
	for i := range items {
		select {
		case o := <-done:
			res.add(i, o)
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	// Outcomes come back in write order, which is submission order: the
	// positions in Reasons are the readings' own.
	return res, nil
}

// write stores one batch in one transaction and tells those waiting.
func (in *Ingester) write(ctx context.Context, batch []item, final bool) {
	var flushes []chan error
	readings := batch[:0:0]
	for _, it := range batch {
		if it.flush != nil {
			flushes = append(flushes, it.flush)
		} else {
			readings = append(readings, it)
		}
	}
	outs := make([]outcome, len(readings))
	var summarised map[string]bool
	var err error
	if len(readings) > 0 || final {
		err = in.s.db.Write(ctx, func(tx *store.Tx) error {
			summarised = map[string]bool{} // afresh if the write is retried
			return in.store(tx, readings, outs, final, summarised)
		})
	}
	if err != nil {
		in.opts.Log.Error("sensor readings not stored", "readings", len(readings), "err", err)
		for i := range outs {
			outs[i] = outcome{what: Rejected, reason: "not stored: " + err.Error()}
		}
	} else {
		in.count(readings, outs, summarised)
	}
	for i, it := range readings {
		if it.done != nil {
			it.done <- outs[i]
		}
	}
	for _, f := range flushes {
		f <- err
	}
}

// bucket is a 15-minute aggregate being built from one batch.
type bucket struct {
	sensor, org, target string
	start               int64
	samples, occupied   int
	maxCount            int
	tempSum, humSum     float64
	tempN, humN         int
	co2Sum              float64
	co2N, co2Max        int
}

const bucketMillis = int64(15 * time.Minute / time.Millisecond)

func (in *Ingester) store(tx *store.Tx, readings []item, outs []outcome, final bool, summarised map[string]bool) error {
	// A sensor revoked since its credential was checked has its readings
	// dead-lettered: the check is in the same transaction, and sets each
	// live sensor's last-seen time to its latest reading's receipt.
	seen := map[string]int64{}
	var ids []string
	for _, it := range readings {
		if it.dead != "" {
			continue
		}
		ms, ok := seen[it.sensor.ID]
		if !ok {
			ids = append(ids, it.sensor.ID)
		}
		seen[it.sensor.ID] = max(ms, store.Millis(it.received))
	}
	alive, err := touchSensors(tx, ids, seen)
	if err != nil {
		return err
	}
	var deads []deadRow
	var rows []readingRow
	first := map[readingKey]int{} // a key's first reading in the batch, by position in rows
	for i := range readings {
		it := readings[i]
		dead := it.dead
		if dead == "" && !alive[it.sensor.ID] {
			dead = ErrRevoked.Message // not it.dead: a retried write starts again
		}
		if dead != "" {
			deads = append(deads, deadRow{id: platform.NewID("dlq"), org: it.sensor.OrgID, sensor: it.sensor.ID, source: it.source,
				reason: dead, payload: it.payload, size: it.size, received: store.Millis(it.received)})
			outs[i] = outcome{what: Rejected, reason: dead}
			continue
		}
		r := it.r
		at, skew := it.received, int64(0)
		if !r.deviceAt.IsZero() {
			if d := r.deviceAt.Sub(it.received); d <= in.opts.Skew && d >= -in.opts.Skew {
				at = r.deviceAt
			} else {
				skew = d.Milliseconds()
			}
		}
		key := r.key
		if key == "" {
			key = "r:" + platform.NewID("rdg")
		}
		// A duplicate until the insert says it stored it; a key repeated
		// within the batch is a duplicate of its first reading.
		outs[i] = outcome{what: Duplicate}
		k := readingKey{it.sensor.ID, key}
		if _, ok := first[k]; ok {
			continue
		}
		first[k] = len(rows)
		rows = append(rows, readingRow{pos: i, sensor: it.sensor.ID, key: key, org: it.sensor.OrgID, tgt: it.sensor.TargetID,
			at: store.Millis(at), received: store.Millis(it.received), skew: skew, r: r})
	}
	if err := insertDeadLetters(tx, deads); err != nil {
		return err
	}
	buckets := map[bucketKey]*bucket{}
	var order []*bucket
	err = insertReadings(tx, rows, func(k readingKey) {
		j, ok := first[k]
		if !ok {
			return
		}
		x := rows[j]
		outs[x.pos] = outcome{what: Accepted}
		start := x.at / bucketMillis * bucketMillis
		bk := bucketKey{x.sensor, start}
		b := buckets[bk]
		if b == nil {
			b = &bucket{sensor: x.sensor, org: x.org, target: x.tgt, start: start}
			buckets[bk] = b
			order = append(order, b)
		}
		b.add(x.r)
	})
	if err != nil {
		return err
	}
	// The aggregates in a fixed order, so two nodes ingesting at once
	// take the buckets' row locks in the same order.
	slices.SortFunc(order, func(a, b *bucket) int {
		if c := strings.Compare(a.sensor, b.sensor); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	if err := upsertBuckets(tx, order); err != nil {
		return err
	}
	return in.summaries(tx, readings, outs, final, summarised)
}

type bucketKey struct {
	sensor string
	start  int64
}

func (b *bucket) add(r reading) {
	b.samples++
	if r.occupied != nil {
		if *r.occupied > 0 {
			b.occupied++
		}
		b.maxCount = max(b.maxCount, *r.occupied)
	}
	if r.temperature != nil {
		b.tempSum += *r.temperature
		b.tempN++
	}
	if r.humidity != nil {
		b.humSum += *r.humidity
		b.humN++
	}
	if r.co2 != nil {
		b.co2Sum += float64(*r.co2)
		b.co2N++
		b.co2Max = max(b.co2Max, *r.co2)
	}
}

// summaries writes, in the batch's own transaction, one audit entry per
// organisation whose summary is due: counts since the last one. done
// gets the organisations summarised, whose counts then start again.
func (in *Ingester) summaries(tx *store.Tx, readings []item, outs []outcome, final bool, done map[string]bool) error {
	now := in.s.now()
	in.mu.Lock()
	pending := map[string]ingestCount{}
	for org, c := range in.counts {
		pending[org] = *c
	}
	in.mu.Unlock()
	for i, it := range readings {
		c := pending[it.sensor.OrgID]
		if c.since.IsZero() {
			c.since = now
		}
		c.add(outs[i].what)
		pending[it.sensor.OrgID] = c
	}
	for org, c := range pending {
		if org == "" || (!final && now.Sub(c.since) < in.opts.SummaryEvery) || c.accepted+c.duplicate+c.dead == 0 {
			continue
		}
		e := audit.For(platform.System(org), "workplace.sensor_ingest", "sensors", "", audit.Success)
		e.Detail = fmt.Sprintf("%d readings accepted, %d duplicates ignored, %d dead-lettered since %s", c.accepted, c.duplicate, c.dead, c.since.Format(time.RFC3339))
		if err := in.s.audit.Record(tx, e); err != nil {
			return err
		}
		done[org] = true
	}
	return nil
}

func (c *ingestCount) add(o Outcome) {
	switch o {
	case Accepted:
		c.accepted++
	case Duplicate:
		c.duplicate++
	default:
		c.dead++
	}
}

// count adds a stored batch to the counts of the next summaries.
func (in *Ingester) count(readings []item, outs []outcome, summarised map[string]bool) {
	now := in.s.now()
	in.mu.Lock()
	defer in.mu.Unlock()
	for org := range summarised {
		delete(in.counts, org)
	}
	for i, it := range readings {
		if summarised[it.sensor.OrgID] || it.sensor.OrgID == "" {
			continue
		}
		c := in.counts[it.sensor.OrgID]
		if c == nil {
			c = &ingestCount{since: now}
			in.counts[it.sensor.OrgID] = c
		}
		c.add(outs[i].what)
	}
}
