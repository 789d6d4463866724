package workplace

import (
	"context"
	"time"
)

// closedDays returns the days from first to last (local midnights, both
// included) on which a kind of resource in a building cannot be booked,
// with the reason: the estate's closures (workplace_closures, for every
// kind or this one, every building or this one) and bank holidays
// (Options.Holiday).
//
// This is the bookings part's own small check; the places part's
// Closed(...) in closures.go takes its place once it is merged.
func (s *Store) closedDays(ctx context.Context, q querier, orgID, kind, buildingID string, first, last time.Time) (map[string]string, error) {
	out := map[string]string{}
	rows, err := q.Query(ctx, `SELECT day, reason FROM workplace_closures WHERE org_id = ? AND day >= ? AND day <= ?
		AND (kind = '' OR kind = ?) AND (building_id = '' OR building_id = ?) ORDER BY day`,
		orgID, first.Format("2006-01-02"), last.Format("2006-01-02"), kind, buildingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var day, reason string
		if err := rows.Scan(&day, &reason); err != nil {
			return nil, err
		}
		if _, dup := out[day]; !dup {
			out[day] = "closed (" + reason + ")"
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.opts.Holiday != nil {
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			if name, ok := s.opts.Holiday(d); ok {
				out[d.Format("2006-01-02")] = "a bank holiday (" + name + ")"
			}
		}
	}
	return out, nil
}
