package graph

import (
	"context"
	"time"
)

// SetWait replaces the client's sleep between retries, so tests can see
// the waits asked for without spending them.
func SetWait(c *Client, wait func(ctx context.Context, d time.Duration) error) { c.wait = wait }

// ShareID exposes the sharing URL encoding to the external tests.
var ShareID = shareID
