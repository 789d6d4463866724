package post

import (
	"context"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// A key made on a page is shown on the page the browser is sent to after
// the form (post, redirect, get), so reloading either page, or going back
// and forward, never makes a second key: the key is made by the form's
// post alone, and its whole value is shown once, to the person who made
// it, soon after: a reload of the page that showed it says so instead.

// NewKeyShowWindow is how long after it is made a key can be shown.
const NewKeyShowWindow = 10 * time.Minute

// ErrKeyShown is the answer once a new key has been shown (or was not
// shown in time): it cannot be shown again.
var ErrKeyShown = platform.Errorf(platform.CodeConflict, "The key was shown once, when it was made, and cannot be shown again. If you did not copy it, revoke it and create another.")

// CreateAPIKeyToShow makes a key as CreateAPIKey does, for a page: its
// whole value is not returned but shown once by ShowNewAPIKey.
func (s *Store) CreateAPIKeyToShow(ctx context.Context, sub *platform.Subject, serviceID, name, keyType string) (APIKey, error) {
	k, _, err := s.createKey(ctx, sub, serviceID, name, keyType, false)
	k.Secret = ""
	return k, err
}

// ShowNewAPIKey returns a key made by CreateAPIKeyToShow with its whole
// value, once: to the person who made it, within NewKeyShowWindow, while
// it is not revoked. Afterwards it answers ErrKeyShown.
func (s *Store) ShowNewAPIKey(ctx context.Context, sub *platform.Subject, serviceID, keyID string) (APIKey, string, error) {
	sv, err := s.Service(ctx, sub, serviceID)
	if err != nil {
		return APIKey{}, "", err
	}
	now := s.now()
	var k APIKey
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Update, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE post_api_keys SET shown_at = ? WHERE id = ? AND service_id = ? AND created_by = ? AND shown_at = 0 AND revoked_at = 0
			AND created_at >= ?`, store.Millis(now), keyID, sv.ID, sub.UserID, store.Millis(now.Add(-NewKeyShowWindow)))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrKeyShown
		}
		if k, err = scanKey(tx.QueryRow(ctx, "SELECT "+keyColumns+" FROM post_api_keys WHERE id = ?", keyID)); err != nil {
			return err
		}
		e := audit.For(sub, "post.key_shown", "post_api_key", keyID, audit.Success)
		e.Detail = sv.Name + ": " + k.Name
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return APIKey{}, "", err
	}
	whole := KeyName(k.Name) + "-" + sv.ID + "-" + k.Secret
	k.Secret = ""
	return k, whole, nil
}
