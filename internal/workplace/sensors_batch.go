package workplace

import (
	"strings"
	"sync"

	"dbtp/internal/store"
)

// Multi-row statements for the ingester. Writing a batch one row per
// statement was one round trip per reading: on PostgreSQL that capped
// ingestion at a few thousand readings a second. A batch now goes in
// statements of up to 256 rows each, with plain VALUES lists that both
// engines read the same way.

// chunkSizes are the row counts a batch is cut into: greedily, so a
// batch of 1,000 is 3×256 + 3×64 + 2×16 + 2×4 rows, ten statements.
// Only these sizes are ever built, so each table has five statement
// texts, prepared once (SQLite's writer cache, pgx's per connection),
// rather than one text per batch size. 256 rows of the widest table
// (14 columns) is 3,584 parameters, well under either engine's limit.
var chunkSizes = []int{256, 64, 16, 4, 1}

// inChunks calls fn for consecutive ranges [lo, hi) covering n rows.
func inChunks(n int, fn func(lo, hi int) error) error {
	lo := 0
	for _, size := range chunkSizes {
		for n-lo >= size {
			if err := fn(lo, lo+size); err != nil {
				return err
			}
			lo += size
		}
	}
	return nil
}

type stmtKey struct {
	head string
	rows int
}

var multiRow sync.Map // stmtKey -> the statement text

// rowsSQL returns head, then rows VALUES tuples of cols placeholders,
// then tail. The texts are built once per size.
func rowsSQL(head string, cols, rows int, tail string) string {
	k := stmtKey{head, rows}
	if q, ok := multiRow.Load(k); ok {
		return q.(string)
	}
	tuple := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(" VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	b.WriteString(" ")
	b.WriteString(tail)
	q := b.String()
	multiRow.Store(k, q)
	return q
}

// touchSensors sets each sensor's last-seen time to its latest receipt
// in the batch, and returns those still in service: the revocation
// check is part of the batch's transaction. One statement per chunk:
//
//	UPDATE ... SET last_seen_at = CASE id WHEN ? THEN ? ... END
//	WHERE revoked_at = 0 AND id IN (...) RETURNING id
func touchSensors(tx *store.Tx, ids []string, seen map[string]int64) (map[string]bool, error) {
	ctx := tx.Context()
	alive := make(map[string]bool, len(ids))
	err := inChunks(len(ids), func(lo, hi int) error {
		n := hi - lo
		k := stmtKey{"touch", n}
		q, ok := multiRow.Load(k)
		if !ok {
			var b strings.Builder
			b.WriteString("UPDATE workplace_sensors SET last_seen_at = CASE id")
			b.WriteString(strings.Repeat(" WHEN ? THEN CAST(? AS BIGINT)", n))
			b.WriteString(" END WHERE revoked_at = 0 AND id IN (")
			b.WriteString(strings.Repeat("?, ", n-1))
			b.WriteString("?) RETURNING id")
			q = b.String()
			multiRow.Store(k, q)
		}
		args := make([]any, 0, 3*n)
		for _, id := range ids[lo:hi] {
			args = append(args, id, seen[id])
		}
		for _, id := range ids[lo:hi] {
			args = append(args, id)
		}
		rows, err := tx.Query(ctx, q.(string), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			alive[id] = true
		}
		return rows.Err()
	})
	return alive, err
}

// deadRow is one dead letter to insert.
type deadRow struct {
	id, org, sensor, source, reason, payload string
	size                                     int
	received                                 int64
}

func insertDeadLetters(tx *store.Tx, ds []deadRow) error {
	return inChunks(len(ds), func(lo, hi int) error {
		q := rowsSQL(`INSERT INTO workplace_dead_letters (id, org_id, sensor_id, source, reason, payload, size, received_at)`, 8, hi-lo, "")
		args := make([]any, 0, 8*(hi-lo))
		for _, d := range ds[lo:hi] {
			args = append(args, d.id, d.org, d.sensor, d.source, d.reason, d.payload, d.size, d.received)
		}
		_, err := tx.Exec(tx.Context(), q, args...)
		return err
	})
}

// readingRow is one reading to insert; pos is its place in the batch.
type readingRow struct {
	pos                   int
	sensor, key, org, tgt string
	at, received, skew    int64
	r                     reading
}

type readingKey struct{ sensor, key string }

// insertReadings inserts the rows, ignoring those already stored (the
// primary key (sensor_id, msg_key) makes a repeated message a no-op),
// and calls stored with the key of each row actually inserted:
// RETURNING names exactly those, so duplicates are counted as such.
// The rows' keys must be distinct (the caller settles repeats within
// the batch), so each inserted key is one row.
func insertReadings(tx *store.Tx, rs []readingRow, stored func(readingKey)) error {
	ctx := tx.Context()
	return inChunks(len(rs), func(lo, hi int) error {
		q := rowsSQL(`INSERT INTO workplace_readings (sensor_id, msg_key, org_id, target_id, at, received_at, skew_ms, occupied, temperature, humidity, co2)`,
			11, hi-lo, "ON CONFLICT DO NOTHING RETURNING sensor_id, msg_key")
		args := make([]any, 0, 11*(hi-lo))
		for _, x := range rs[lo:hi] {
			args = append(args, x.sensor, x.key, x.org, x.tgt, x.at, x.received, x.skew, x.r.occupied, x.r.temperature, x.r.humidity, x.r.co2)
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k readingKey
			if err := rows.Scan(&k.sensor, &k.key); err != nil {
				return err
			}
			stored(k)
		}
		return rows.Err()
	})
}

// upsertBuckets adds a batch's counts to their 15-minute aggregates,
// several buckets a statement. The buckets' keys are distinct (they come
// from a map), as PostgreSQL requires of one INSERT ... ON CONFLICT DO
// UPDATE.
func upsertBuckets(tx *store.Tx, bs []*bucket) error {
	return inChunks(len(bs), func(lo, hi int) error {
		q := rowsSQL(`INSERT INTO workplace_sensor_buckets (sensor_id, bucket_start, org_id, target_id, samples, occupied_samples, max_count,
				temp_sum, temp_n, hum_sum, hum_n, co2_sum, co2_n, co2_max)`, 14, hi-lo,
			`ON CONFLICT (sensor_id, bucket_start) DO UPDATE SET samples = workplace_sensor_buckets.samples + excluded.samples,
				occupied_samples = workplace_sensor_buckets.occupied_samples + excluded.occupied_samples,
				max_count = CASE WHEN excluded.max_count > workplace_sensor_buckets.max_count THEN excluded.max_count ELSE workplace_sensor_buckets.max_count END,
				temp_sum = workplace_sensor_buckets.temp_sum + excluded.temp_sum, temp_n = workplace_sensor_buckets.temp_n + excluded.temp_n,
				hum_sum = workplace_sensor_buckets.hum_sum + excluded.hum_sum, hum_n = workplace_sensor_buckets.hum_n + excluded.hum_n,
				co2_sum = workplace_sensor_buckets.co2_sum + excluded.co2_sum, co2_n = workplace_sensor_buckets.co2_n + excluded.co2_n,
				co2_max = CASE WHEN excluded.co2_max > workplace_sensor_buckets.co2_max THEN excluded.co2_max ELSE workplace_sensor_buckets.co2_max END`)
		args := make([]any, 0, 14*(hi-lo))
		for _, b := range bs[lo:hi] {
			args = append(args, b.sensor, b.start, b.org, b.target, b.samples, b.occupied, b.maxCount, b.tempSum, b.tempN, b.humSum, b.humN, b.co2Sum, b.co2N, b.co2Max)
		}
		_, err := tx.Exec(tx.Context(), q, args...)
		return err
	})
}
