package workplace

import (
	"context"
	"time"
)

// OccupiedDuring reports whether a sensor mapped to the resource (or to
// its zone) saw it occupied at any time between from and to; sensed is
// false when no working sensor covers it, so that a no-show is judged by
// the check-in alone. The sensors part fills this in.
func (s *Store) OccupiedDuring(ctx context.Context, orgID, resourceID string, from, to time.Time) (occupied, sensed bool, err error) {
	return false, false, nil
}
