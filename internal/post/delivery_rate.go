package post

import (
	"context"
	"time"

	"dbtp/internal/store"
)

// takeSlot is the rate limit of one sending service and channel: the
// generic cell rate algorithm, with a burst of one minute's worth. It
// returns when the message may go: now, or a slot of its own in the
// future (each held-back message reserves the next free slot, so a queue
// of thousands is paced without being tried again and again). perMinute
// 0 means no limit.
func (dl *Deliverer) takeSlot(ctx context.Context, tx *store.Tx, serviceID, kind string, perMinute int, now time.Time) (time.Time, error) {
	if perMinute <= 0 {
		return now, nil
	}
	const minute = int64(60_000_000) // microseconds
	interval := minute / int64(perMinute)
	tolerance := minute - interval
	nowUS := now.UnixMicro()
	if _, err := tx.Exec(ctx, "INSERT INTO post_rate_limits (service_id, kind, tat_us) VALUES (?, ?, 0) ON CONFLICT (service_id, kind) DO NOTHING",
		serviceID, kind); err != nil {
		return time.Time{}, err
	}
	lock := ""
	if tx.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
	}
	var tat int64
	if err := tx.QueryRow(ctx, "SELECT tat_us FROM post_rate_limits WHERE service_id = ? AND kind = ?"+lock, serviceID, kind).Scan(&tat); err != nil {
		return time.Time{}, err
	}
	tat = max(tat, nowUS)
	at := max(tat-tolerance, nowUS)
	if _, err := tx.Exec(ctx, "UPDATE post_rate_limits SET tat_us = ? WHERE service_id = ? AND kind = ?", tat+interval, serviceID, kind); err != nil {
		return time.Time{}, err
	}
	if at <= nowUS {
		return now, nil
	}
	// Round a future slot up to the millisecond the jobs queue keeps.
	return time.UnixMilli((at + 999) / 1000).UTC(), nil
}
