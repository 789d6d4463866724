package workplace

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// PastReading is a reading with a time the platform trusts: for demo
// data and for bringing in history from a previous system. Live
// readings go through the Ingester, which does not trust devices' clocks.
type PastReading struct {
	At          time.Time
	Occupied    *int
	Temperature *float64
	Humidity    *float64
	CO2         *int
}

// BackfillReadings stores past readings of one sensor, with their
// aggregates, in one transaction; a reading at a time already stored is
// skipped. One audit entry records the import.
func (s *Store) BackfillReadings(ctx context.Context, sub *platform.Subject, sensorID string, rs []PastReading) (int, error) {
	stored := 0
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		stored = 0
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		var target, kind string
		err := tx.QueryRow(ctx, `SELECT target_id, kind FROM workplace_sensors WHERE id = ? AND org_id = ?`, sensorID, sub.OrgID).Scan(&target, &kind)
		if store.IsNoRows(err) {
			return platform.NotFound("sensor")
		}
		if err != nil {
			return err
		}
		now := store.Millis(s.now())
		buckets := map[int64]*bucket{}
		var last int64
		for _, r := range rs {
			at := store.Millis(r.At)
			res, err := tx.Exec(ctx, `INSERT INTO workplace_readings (sensor_id, msg_key, org_id, target_id, at, received_at, skew_ms, occupied, temperature, humidity, co2)
				VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				sensorID, fmt.Sprintf("t:%d", at), sub.OrgID, target, at, now, r.Occupied, r.Temperature, r.Humidity, r.CO2)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			stored++
			last = max(last, at)
			start := at / bucketMillis * bucketMillis
			b := buckets[start]
			if b == nil {
				b = &bucket{sensor: sensorID, org: sub.OrgID, target: target, start: start}
				buckets[start] = b
			}
			b.add(reading{occupied: r.Occupied, temperature: r.Temperature, humidity: r.Humidity, co2: r.CO2})
		}
		bs := make([]*bucket, 0, len(buckets))
		for _, b := range buckets {
			bs = append(bs, b)
		}
		slices.SortFunc(bs, func(a, b *bucket) int { return cmp.Compare(a.start, b.start) })
		if err := upsertBuckets(tx, bs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE workplace_sensors SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`, last, sensorID, last); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.sensor_backfill", "sensor", sensorID, audit.Success)
		e.Detail = fmt.Sprintf("%d past readings imported", stored)
		return s.audit.Record(tx, e)
	})
	return stored, err
}
