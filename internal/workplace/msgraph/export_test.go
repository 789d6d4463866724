package msgraph

import (
	"context"
	"time"
)

// RecordWaits makes c record the waits it would spend between retries
// instead of spending them.
func RecordWaits(c *Client, waits *[]time.Duration) {
	c.wait = func(_ context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return nil
	}
}
