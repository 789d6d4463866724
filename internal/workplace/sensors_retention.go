package workplace

import (
	"context"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Retention says how long sensor data is kept.
type Retention struct {
	Raw         time.Duration // raw readings (14 days); their 15-minute aggregates stay
	Aggregates  time.Duration // 15-minute aggregates (3 years)
	DeadLetters time.Duration // dead letters (30 days)
	Batch       int           // rows deleted per transaction (5,000)
}

// DefaultRetention keeps raw readings two weeks, aggregates three years
// and dead letters a month.
var DefaultRetention = Retention{Raw: 14 * 24 * time.Hour, Aggregates: 3 * 365 * 24 * time.Hour, DeadLetters: 30 * 24 * time.Hour, Batch: 5000}

// Pruned counts what a retention sweep deleted.
type Pruned struct {
	Readings, Aggregates, DeadLetters int64
	// FreePages is SQLite's free page count after the sweep: pages the
	// deleted rows held, reused by the next readings before the file
	// grows (0 on PostgreSQL, where VACUUM returns the space).
	FreePages int64
}

// PruneSensorData deletes raw readings, aggregates and dead letters past
// their retention, for every organisation, a batch per transaction so
// the single SQLite writer is never held for long. Raw readings need no
// roll-up first: their 15-minute aggregates were written with them.
//
// Space: on PostgreSQL autovacuum makes the deleted rows' space reusable.
// The SQLite database is created without auto_vacuum, so its file does
// not shrink; the freed pages go on its free list and new readings fill
// them before the file grows, which keeps a steady stream of readings in
// a file of steady size. When the database was created with
// auto_vacuum=INCREMENTAL, the sweep also returns free pages to the
// file system with PRAGMA incremental_vacuum.
func (s *Store) PruneSensorData(ctx context.Context, r Retention) (Pruned, error) {
	if r.Batch <= 0 {
		r.Batch = DefaultRetention.Batch
	}
	now := s.now()
	var p Pruned
	var err error
	// Raw readings, sensor by sensor along the (sensor_id, at) index.
	ids, err := s.sensorIDs(ctx)
	if err != nil {
		return p, err
	}
	cut := store.Millis(now.Add(-r.Raw))
	for _, id := range ids {
		n, err := s.deleteBatches(ctx, r.Batch, `DELETE FROM workplace_readings WHERE sensor_id = ? AND msg_key IN
			(SELECT msg_key FROM workplace_readings WHERE sensor_id = ? AND at < ? LIMIT ?)`, id, id, cut, r.Batch)
		p.Readings += n
		if err != nil {
			return p, err
		}
	}
	if p.Aggregates, err = s.deleteBatches(ctx, r.Batch, `DELETE FROM workplace_sensor_buckets WHERE (sensor_id, bucket_start) IN
		(SELECT sensor_id, bucket_start FROM workplace_sensor_buckets WHERE bucket_start < ? LIMIT ?)`, store.Millis(now.Add(-r.Aggregates)), r.Batch); err != nil {
		return p, err
	}
	if p.DeadLetters, err = s.deleteBatches(ctx, r.Batch, `DELETE FROM workplace_dead_letters WHERE id IN
		(SELECT id FROM workplace_dead_letters WHERE received_at < ? LIMIT ?)`, store.Millis(now.Add(-r.DeadLetters)), r.Batch); err != nil {
		return p, err
	}
	if s.db.Dialect() == store.SQLite {
		var mode int64
		if err := s.db.QueryRow(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
			return p, err
		}
		if mode == 2 && p.Readings+p.Aggregates+p.DeadLetters > 0 {
			if err := s.db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `PRAGMA incremental_vacuum`)
				return err
			}); err != nil {
				return p, err
			}
		}
		if err := s.db.QueryRow(ctx, `PRAGMA freelist_count`).Scan(&p.FreePages); err != nil {
			return p, err
		}
	}
	return p, nil
}

// deleteBatches runs a DELETE of at most batch rows until it deletes none.
func (s *Store) deleteBatches(ctx context.Context, batch int, q string, args ...any) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, q, args...)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			return nil
		})
		total += n
		if err != nil || n < int64(batch) {
			return total, err
		}
	}
}

func (s *Store) sensorIDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM workplace_sensors`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeadLetter is a message that could not be accepted.
type DeadLetter struct {
	ID         string    `json:"id"`
	SensorID   string    `json:"sensor_id,omitempty"`
	SensorName string    `json:"sensor_name,omitempty"`
	Source     string    `json:"source"`
	Reason     string    `json:"reason"`
	Payload    string    `json:"payload"` // the first 512 bytes
	Size       int       `json:"size"`
	ReceivedAt time.Time `json:"received_at"`
}

// DeadLetters lists the organisation's most recent dead letters, newest
// first, for workplace managers.
func (s *Store) DeadLetters(ctx context.Context, sub *platform.Subject, limit int) ([]DeadLetter, error) {
	if err := s.mayKeepRead(ctx, sub); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT d.id, d.sensor_id, COALESCE(s.name, ''), d.source, d.reason, d.payload, d.size, d.received_at
		FROM workplace_dead_letters d LEFT JOIN workplace_sensors s ON s.id = d.sensor_id
		WHERE d.org_id = ? ORDER BY d.received_at DESC, d.id DESC LIMIT ?`, sub.OrgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DeadLetter{}
	for rows.Next() {
		var d DeadLetter
		var at int64
		if err := rows.Scan(&d.ID, &d.SensorID, &d.SensorName, &d.Source, &d.Reason, &d.Payload, &d.Size, &at); err != nil {
			return nil, err
		}
		d.ReceivedAt = store.Time(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
