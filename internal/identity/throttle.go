package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Sign-in throttling. The counters live in the database so every node sees
// the same numbers: an attacker spreading guesses over a load balancer gains
// nothing. Refused attempts are not counted, so a locked account unlocks on
// schedule rather than being held locked for ever by an attacker.
const (
	throttleWindow     = 15 * time.Minute
	accountMaxFailures = 5  // then the account locks, with doubling backoff
	addrMaxFailures    = 20 // then the address is refused until the window ends
	accountLockBase    = time.Minute
	accountLockMax     = 15 * time.Minute
)

// RetryAfterError travels inside a rate_limited *platform.Error so the web
// layer can send a Retry-After header.
type RetryAfterError struct{ Wait time.Duration }

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s", e.Wait.Round(time.Second))
}

// RetryAfter returns how long to wait when err is a throttling refusal.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryAfterError
	if errors.As(err, &r) {
		return r.Wait, true
	}
	return 0, false
}

func rateLimited(wait time.Duration) error {
	mins := int((wait + time.Minute - 1) / time.Minute)
	msg := fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", mins)
	if mins <= 1 {
		msg = "Too many failed attempts. Try again in a minute."
	}
	return &platform.Error{Code: platform.CodeRateLimited, Message: msg, Err: &RetryAfterError{Wait: wait}}
}

// accountKey hashes organisation and email so the table does not collect a
// list of every address anyone has tried.
func accountKey(orgID, emailKey string) string {
	sum := sha256.Sum256([]byte(orgID + "\x00" + emailKey))
	return "acct:" + hex.EncodeToString(sum[:20])
}

// addrKey names the client's network: the IPv4 address, or the IPv6 /64,
// since one IPv6 host usually controls a whole /64. Empty when unknown.
func addrKey(addr string) string {
	if addr == "" {
		return ""
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		if len(host) > 64 {
			host = host[:64]
		}
		return "addr:" + host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + ip.String()
}

// throttled reports how long the longest lock among keys still has to run.
func (s *Service) throttled(ctx context.Context, keys ...string) (time.Duration, error) {
	now := store.Millis(s.now())
	args := make([]any, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			args = append(args, k)
		}
	}
	if len(args) == 0 {
		return 0, nil
	}
	var until int64
	err := s.db.QueryRow(ctx, "SELECT COALESCE(MAX(locked_until), 0) FROM sign_in_throttle WHERE key IN (?"+
		strings.Repeat(", ?", len(args)-1)+")", args...).Scan(&until)
	if err != nil {
		return 0, platform.Internal(err)
	}
	return max(0, time.Duration(until-now)*time.Millisecond), nil
}

// recordFailure counts one failed attempt against key inside tx, atomically
// on both engines (a single upsert), and sets the lock when the limit is hit.
func (s *Service) recordFailure(ctx context.Context, tx *store.Tx, key string) error {
	if key == "" {
		return nil
	}
	now := s.now()
	nowMs, stale := store.Millis(now), store.Millis(now.Add(-throttleWindow))
	var failures int
	var start int64
	err := tx.QueryRow(ctx, `INSERT INTO sign_in_throttle (key, failures, window_start, locked_until) VALUES (?, 1, ?, 0)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN sign_in_throttle.window_start <= ? THEN 1 ELSE sign_in_throttle.failures + 1 END,
			window_start = CASE WHEN sign_in_throttle.window_start <= ? THEN ? ELSE sign_in_throttle.window_start END,
			locked_until = CASE WHEN sign_in_throttle.window_start <= ? THEN 0 ELSE sign_in_throttle.locked_until END
		RETURNING failures, window_start`, key, nowMs, stale, stale, nowMs, stale).Scan(&failures, &start)
	if err != nil {
		return err
	}
	var until int64
	switch {
	case key[:5] == "acct:" && failures >= accountMaxFailures:
		lock := accountLockBase << min(failures-accountMaxFailures, 10)
		until = store.Millis(now.Add(min(lock, accountLockMax)))
	case key[:5] == "addr:" && failures >= addrMaxFailures:
		until = start + throttleWindow.Milliseconds()
	default:
		return nil
	}
	_, err = tx.Exec(ctx, "UPDATE sign_in_throttle SET locked_until = ? WHERE key = ?", until, key)
	return err
}

// clearAccount forgets an account's failures after a successful sign-in.
// Address counters are left to expire: one success must not let an address
// that is spraying many accounts start afresh.
func clearAccount(ctx context.Context, tx *store.Tx, key string) error {
	_, err := tx.Exec(ctx, "DELETE FROM sign_in_throttle WHERE key = ?", key)
	return err
}
