package post

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Unsubscribe links carry a token naming the organisation and the person,
// signed with the organisation's key: anyone holding the link (the person
// it was sent to) can say no to messages that are not statutory without
// signing in, and nobody can make a link for someone else. The token does
// not expire: a letter's link must still work months later.

var unsubscribeDomain = []byte("dbtp post unsubscribe v1\x00")

// UnsubscribeToken returns the token for personID's unsubscribe link
// (the module serves it at /post/unsubscribe/{token}). The delivery part
// puts the link in every message that is not statutory.
func (s *Store) UnsubscribeToken(ctx context.Context, orgID, personID string) (string, error) {
	if orgID == "" || personID == "" {
		return "", platform.Invalid("An unsubscribe link needs an organisation and a person")
	}
	key, err := s.preferenceKey(ctx, orgID)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(orgID + "\x00" + personID))
	return payload + "." + base64.RawURLEncoding.EncodeToString(unsubscribeMAC(key, payload)), nil
}

func unsubscribeMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(unsubscribeDomain)
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

// preferenceKey returns orgID's signing key, making it on first use.
func (s *Store) preferenceKey(ctx context.Context, orgID string) ([]byte, error) {
	var secret string
	err := s.db.QueryRow(ctx, "SELECT secret FROM post_preference_keys WHERE org_id = ?", orgID).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		var b [32]byte
		rand.Read(b[:])
		err = s.db.Write(ctx, func(tx *store.Tx) error {
			// Two first uses at once: the first key written wins and both
			// read it back.
			if _, err := tx.Exec(ctx, "INSERT INTO post_preference_keys (org_id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (org_id) DO NOTHING",
				orgID, base64.RawURLEncoding.EncodeToString(b[:]), store.Millis(s.now())); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT secret FROM post_preference_keys WHERE org_id = ?", orgID).Scan(&secret)
		})
	}
	if err != nil {
		return nil, err
	}
	return base64.RawURLEncoding.DecodeString(secret)
}

// errBadUnsubscribe is the one answer to every bad token, so a guesser learns
// nothing about which part was wrong.
var errBadUnsubscribe = platform.Errorf(platform.CodeNotFound, "This unsubscribe link is not valid. Check it is the whole link from your message, or sign in to change your contact preferences.")

// CheckUnsubscribeToken returns the organisation and person a token
// names, or a not-found error if it is not one of ours.
func (s *Store) CheckUnsubscribeToken(ctx context.Context, token string) (orgID, personID string, err error) {
	payload, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 400 {
		return "", "", errBadUnsubscribe
	}
	raw, err1 := base64.RawURLEncoding.DecodeString(payload)
	sum, err2 := base64.RawURLEncoding.DecodeString(mac)
	orgID, personID, ok = strings.Cut(string(raw), "\x00")
	if err1 != nil || err2 != nil || !ok || orgID == "" || personID == "" {
		return "", "", errBadUnsubscribe
	}
	var secret string
	err = s.db.QueryRow(ctx, "SELECT secret FROM post_preference_keys WHERE org_id = ?", orgID).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errBadUnsubscribe
	}
	if err != nil {
		return "", "", err
	}
	key, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil {
		return "", "", err
	}
	if !hmac.Equal(sum, unsubscribeMAC(key, payload)) {
		return "", "", errBadUnsubscribe
	}
	return orgID, personID, nil
}

// Unsubscribe records that the person named by token wants no more
// messages that are not statutory; doing it twice changes nothing.
func (s *Store) Unsubscribe(ctx context.Context, token string) (Preferences, error) {
	orgID, personID, err := s.CheckUnsubscribeToken(ctx, token)
	if err != nil {
		return Preferences{}, err
	}
	now := s.now()
	var p Preferences
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		p, err = scanPreferences(tx.QueryRow(ctx, "SELECT "+preferenceColumns+" FROM post_preferences WHERE org_id = ? AND person_id = ?", orgID, personID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			p = Preferences{PersonID: personID}
		case err != nil:
			return err
		case p.Unsubscribed:
			return nil
		}
		p.Unsubscribed, p.UnsubscribedAt, p.UpdatedAt, p.UpdatedBy = true, now, now, "unsubscribe-link"
		if err := upsertPreferences(ctx, tx, orgID, p); err != nil {
			return err
		}
		sys := platform.System(orgID)
		e := audit.For(sys, "post.unsubscribe", "post_preferences", personID, audit.Success)
		e.Detail = "by the link in a message"
		return s.audit.Record(tx, e)
	})
	return p, err
}
