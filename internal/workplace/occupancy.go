package workplace

import (
	"context"
	"time"

	"dbtp/internal/store"
)

// OccupiedDuring reports whether a sensor mapped to the resource (or to
// its zone) saw it occupied at any time between from and to; sensed is
// false when no working sensor covers it, so that a no-show is judged by
// the check-in alone. The bookings part calls it to release no-shows.
//
// A working sensor is an occupancy sensor in service (not revoked) that
// has reported since an hour before from: a sensor that has gone quiet
// (flat battery, unplugged) says nothing about the desk, so it must not
// have people's bookings released. A zone's people counter covers every
// desk and room in the zone.
func (s *Store) OccupiedDuring(ctx context.Context, orgID, resourceID string, from, to time.Time) (occupied, sensed bool, err error) {
	rows, err := s.db.Query(ctx, `SELECT s.id FROM workplace_sensors s
		WHERE s.org_id = ? AND s.kind = 'occupancy' AND s.revoked_at = 0 AND s.last_seen_at >= ?
		AND ((s.target_kind = 'resource' AND s.target_id = ?)
		  OR (s.target_kind = 'zone' AND s.target_id IN (SELECT zone_id FROM workplace_resources WHERE id = ? AND org_id = ? AND zone_id <> '')))`,
		orgID, store.Millis(from.Add(-time.Hour)), resourceID, resourceID, orgID)
	if err != nil {
		return false, false, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, false, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, false, err
	}
	for _, id := range ids {
		var n int
		err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM workplace_readings WHERE sensor_id = ? AND at >= ? AND at < ? AND occupied > 0 LIMIT 1) x`,
			id, store.Millis(from), store.Millis(to)).Scan(&n)
		if err != nil {
			return false, false, err
		}
		if n > 0 {
			return true, true, nil
		}
	}
	return false, len(ids) > 0, nil
}
