package post

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
)

const serviceColumns = "id, org_id, unit_id, name, email_reply_to, sms_sender, letter_contact, rate_per_minute, callback_url, callback_token, archived, created_at, updated_at"

func scanService(r rowScanner) (Service, error) {
	var sv Service
	var archived int
	var created, updated int64
	err := r.Scan(&sv.ID, &sv.OrgID, &sv.UnitID, &sv.Name, &sv.EmailReplyTo, &sv.SMSSender, &sv.LetterContact, &sv.RatePerMinute,
		&sv.CallbackURL, &sv.CallbackToken, &archived, &created, &updated)
	sv.Archived = archived == 1
	sv.CreatedAt, sv.UpdatedAt = store.Time(created), store.Time(updated)
	return sv, err
}

// ServiceByID returns a service whoever asks: for the Notify API, whose
// caller is the service itself (its token names it), and the delivery job.
func (s *Store) ServiceByID(ctx context.Context, id string) (Service, error) {
	sv, err := scanService(s.db.QueryRow(ctx, "SELECT "+serviceColumns+" FROM post_services WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, platform.NotFound("sending service")
	}
	return sv, err
}

// Service returns a sending service sub may read.
func (s *Store) Service(ctx context.Context, sub *platform.Subject, id string) (Service, error) {
	sv, err := scanService(s.db.QueryRow(ctx, "SELECT "+serviceColumns+" FROM post_services WHERE id = ? AND org_id = ?", id, sub.OrgID))
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, s.access.Missing(ctx, sub, access.Read, serviceResource("", id, ""),
			access.RowOrg(s.db, "post_services", "id", id), platform.NotFound("sending service"))
	}
	if err != nil {
		return Service{}, err
	}
	return sv, s.access.Check(ctx, sub, access.Read, serviceResource(sv.OrgID, sv.ID, sv.UnitID))
}

// Services lists the sending services sub may read, by name, archived
// ones last.
func (s *Store) Services(ctx context.Context, sub *platform.Subject) ([]Service, error) {
	rows, err := s.db.Query(ctx, "SELECT "+serviceColumns+" FROM post_services WHERE org_id = ? ORDER BY archived, name, id", sub.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		if s.access.Allowed(sub, access.Read, serviceResource(sv.OrgID, sv.ID, sv.UnitID)) {
			out = append(out, sv)
		}
	}
	return out, rows.Err()
}

// ServiceSettings is what a service's keepers change. The owning unit is
// kept: moving a service moves its templates and keys, which is a bigger
// act than a settings page.
type ServiceSettings struct {
	Name          string
	EmailReplyTo  string
	SMSSender     string
	LetterContact string
	RatePerMinute int // requests a minute per key type on the API, and sends a minute per channel; 0: no limit
	CallbackURL   string
	CallbackToken string // kept as it is when empty and the URL is unchanged
	Archived      bool
}

func (in *ServiceSettings) check() error {
	in.Name = strings.TrimSpace(in.Name)
	in.EmailReplyTo = strings.TrimSpace(in.EmailReplyTo)
	in.SMSSender = strings.TrimSpace(in.SMSSender)
	in.CallbackURL = strings.TrimSpace(in.CallbackURL)
	in.CallbackToken = strings.TrimSpace(in.CallbackToken)
	in.LetterContact = strings.TrimSpace(strings.ReplaceAll(in.LetterContact, "\r\n", "\n"))
	var fs []platform.FieldError
	switch {
	case in.Name == "":
		fs = append(fs, platform.FieldError{Field: "name", Message: "Enter the service's name, as people will see it"})
	case utf8.RuneCountInString(in.Name) > 100:
		fs = append(fs, platform.FieldError{Field: "name", Message: "The name must be 100 characters or fewer"})
	}
	if _, err := notify.ValidateEmail(in.EmailReplyTo); in.EmailReplyTo != "" && err != nil {
		fs = append(fs, platform.FieldError{Field: "email_reply_to", Message: "Enter a reply-to email address like name@example.org"})
	}
	if n := utf8.RuneCountInString(in.SMSSender); n > 11 || strings.ContainsAny(in.SMSSender, " \t\n") && n > 0 {
		fs = append(fs, platform.FieldError{Field: "sms_sender", Message: "The text message sender must be 11 characters or fewer, with no spaces"})
	}
	if strings.Count(in.LetterContact, "\n") > 9 {
		fs = append(fs, platform.FieldError{Field: "letter_contact", Message: "The return address must be 10 lines or fewer"})
	}
	if in.RatePerMinute < 0 || in.RatePerMinute > 1_000_000 {
		fs = append(fs, platform.FieldError{Field: "rate_per_minute", Message: "The rate limit must be a whole number from 0 (no limit) to 1,000,000"})
	}
	if in.CallbackURL != "" {
		u, err := url.Parse(in.CallbackURL)
		// Notify insists on https for callbacks; loopback http is allowed
		// so a system on the same host (and the tests) can receive them.
		if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) {
			fs = append(fs, platform.FieldError{Field: "callback_url", Message: "The callback URL must start with https://"})
		}
	}
	if in.CallbackToken != "" && len(in.CallbackToken) < 10 {
		fs = append(fs, platform.FieldError{Field: "callback_token", Message: "The callback bearer token must be at least 10 characters"})
	}
	if len(fs) > 0 {
		return platform.Invalid("Check the service's settings", fs...)
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// UpdateService changes a service's settings. A callback URL needs a token
// (the receiver must be able to tell dbtp's receipts from forgeries).
func (s *Store) UpdateService(ctx context.Context, sub *platform.Subject, id string, in ServiceSettings) (Service, error) {
	if err := in.check(); err != nil {
		return Service{}, err
	}
	cur, err := s.Service(ctx, sub, id)
	if err != nil {
		return Service{}, err
	}
	if in.CallbackToken == "" && in.CallbackURL == cur.CallbackURL {
		in.CallbackToken = cur.CallbackToken
	}
	if in.CallbackURL != "" && in.CallbackToken == "" {
		return Service{}, platform.Invalid("Check the service's settings",
			platform.FieldError{Field: "callback_token", Message: "Enter the bearer token dbtp will send with each callback"})
	}
	if in.CallbackURL == "" {
		in.CallbackToken = ""
	}
	now := s.now()
	sv := cur
	sv.Name, sv.EmailReplyTo, sv.SMSSender, sv.LetterContact = in.Name, in.EmailReplyTo, in.SMSSender, in.LetterContact
	sv.RatePerMinute, sv.CallbackURL, sv.CallbackToken, sv.Archived, sv.UpdatedAt = in.RatePerMinute, in.CallbackURL, in.CallbackToken, in.Archived, now
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Update, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE post_services SET name = ?, email_reply_to = ?, sms_sender = ?, letter_contact = ?, rate_per_minute = ?,
			callback_url = ?, callback_token = ?, archived = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			sv.Name, sv.EmailReplyTo, sv.SMSSender, sv.LetterContact, sv.RatePerMinute, sv.CallbackURL, sv.CallbackToken, b2i(sv.Archived),
			store.Millis(now), sv.ID, sv.OrgID)
		if err != nil {
			return err
		}
		tx.AfterCommit(func() { s.keys.forget(sv.ID) })
		e := audit.For(sub, "post.service_update", "post_service", sv.ID, audit.Success)
		e.Detail = sv.Name
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return Service{}, err
	}
	return sv, nil
}

const keyColumns = "id, service_id, org_id, name, key_type, secret, created_at, created_by, revoked_at, last_used_at"

func scanKey(r rowScanner) (APIKey, error) {
	var k APIKey
	var created, revoked, used int64
	err := r.Scan(&k.ID, &k.ServiceID, &k.OrgID, &k.Name, &k.Type, &k.Secret, &created, &k.CreatedBy, &revoked, &used)
	k.CreatedAt, k.RevokedAt, k.LastUsedAt = store.Time(created), store.Time(revoked), store.Time(used)
	return k, err
}

// KeyName is the first part of a whole API key: the name, lower case,
// with runs of anything but letters and digits as one underscore, so the
// key is one word a person can copy.
func KeyName(name string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteRune(r)
			continue
		}
		gap = true
	}
	if b.Len() == 0 {
		return "key"
	}
	return b.String()
}

// CreateAPIKey makes a key for a service and returns it with the whole key
// of Notify's form, "{name}-{service id}-{secret}", which is shown once:
// afterwards only its name and type are shown. The secret is a random
// UUID, as Notify's are (its client libraries take the key's last 36
// characters as the secret and the 36 before them as the service id).
func (s *Store) CreateAPIKey(ctx context.Context, sub *platform.Subject, serviceID, name, keyType string) (APIKey, string, error) {
	return s.createKey(ctx, sub, serviceID, name, keyType, true)
}

// createKey makes a key; shown says its whole value is shown now (in the
// answer that made it), else once later (ShowNewAPIKey).
func (s *Store) createKey(ctx context.Context, sub *platform.Subject, serviceID, name, keyType string, shown bool) (APIKey, string, error) {
	name = strings.TrimSpace(name)
	var fs []platform.FieldError
	switch {
	case name == "":
		fs = append(fs, platform.FieldError{Field: "name", Message: "Enter a name for the key, such as the system that will use it"})
	case utf8.RuneCountInString(name) > 100:
		fs = append(fs, platform.FieldError{Field: "name", Message: "The name must be 100 characters or fewer"})
	}
	if keyType != KeyNormal && keyType != KeyTeam && keyType != KeyTest {
		fs = append(fs, platform.FieldError{Field: "key_type", Message: "Choose the type of key"})
	}
	if len(fs) > 0 {
		return APIKey{}, "", platform.Invalid("Check the API key", fs...)
	}
	sv, err := s.Service(ctx, sub, serviceID)
	if err != nil {
		return APIKey{}, "", err
	}
	if sv.Archived {
		return APIKey{}, "", platform.Errorf(platform.CodeConflict, "The service is archived: it cannot have new keys")
	}
	now := s.now()
	k := APIKey{ID: NewUUID(), ServiceID: sv.ID, OrgID: sv.OrgID, Name: name, Type: keyType, CreatedAt: now, CreatedBy: sub.UserID, Secret: NewUUID()}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Update, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
			return err
		}
		shownAt := int64(0)
		if shown {
			shownAt = store.Millis(now)
		}
		_, err := tx.Exec(ctx, `INSERT INTO post_api_keys (id, service_id, org_id, name, key_type, secret, created_at, created_by, shown_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, k.ServiceID, k.OrgID, k.Name, k.Type, k.Secret, store.Millis(now), k.CreatedBy, shownAt)
		if err != nil {
			return err
		}
		tx.AfterCommit(func() { s.keys.forget(sv.ID) })
		e := audit.For(sub, "post.key_create", "post_api_key", k.ID, audit.Success)
		e.Detail = sv.Name + ": " + k.Name + " (" + k.Type + ")"
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return k, KeyName(name) + "-" + sv.ID + "-" + k.Secret, nil
}

// APIKeys lists a service's keys, newest first, without their secrets.
func (s *Store) APIKeys(ctx context.Context, sub *platform.Subject, serviceID string) ([]APIKey, error) {
	if _, err := s.Service(ctx, sub, serviceID); err != nil {
		return nil, err
	}
	keys, err := s.listKeys(ctx, serviceID)
	for i := range keys {
		keys[i].Secret = ""
	}
	return keys, err
}

func (s *Store) listKeys(ctx context.Context, serviceID string) ([]APIKey, error) {
	rows, err := s.db.Query(ctx, "SELECT "+keyColumns+" FROM post_api_keys WHERE service_id = ? ORDER BY created_at DESC, id", serviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// ServiceKeys is the lookup the API's token check needs: the service and
// all its keys with their secrets, revoked ones included (a token signed
// by a revoked key is told so, as Notify does). Answers are kept for
// keyCacheTTL, as every request of a busy caller asks the same: a change
// made on this node (settings, a new or revoked key) is seen at once, one
// made on another node within keyCacheTTL.
func (s *Store) ServiceKeys(ctx context.Context, serviceID string) (Service, []APIKey, error) {
	now := time.Now()
	e, gen, ok := s.keys.get(serviceID, now)
	if ok {
		return e.sv, e.keys, nil
	}
	sv, err := s.ServiceByID(ctx, serviceID)
	if err != nil {
		return Service{}, nil, err
	}
	keys, err := s.keys.load(ctx, s, serviceID)
	if err != nil {
		return Service{}, nil, err
	}
	s.keys.put(serviceID, keyCacheEntry{sv: sv, keys: keys, at: now}, gen)
	return sv, keys, nil
}

// keyCacheTTL is how long another node's change to a service's keys may
// take to be seen.
const keyCacheTTL = 2 * time.Second

type keyCacheEntry struct {
	sv   Service
	keys []APIKey
	at   time.Time
}

// keyCache keeps ServiceKeys' answers. gen counts this node's changes: an
// answer read while a change committed is not kept, so the cache never
// holds the state from before a change it was told of.
type keyCache struct {
	mu  sync.Mutex
	m   map[string]keyCacheEntry
	gen uint64
}

func (c *keyCache) get(id string, now time.Time) (keyCacheEntry, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.Sub(e.at) > keyCacheTTL || now.Before(e.at) {
		return e, c.gen, false
	}
	return e, c.gen, true
}

func (c *keyCache) put(id string, e keyCacheEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) > 10_000 {
		c.m = map[string]keyCacheEntry{}
	}
	c.m[id] = e
}

// forget drops a service's entry after a change on this node; called in
// the write's AfterCommit, so a reader never caches the old state after
// the change is visible.
func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}

func (c *keyCache) load(ctx context.Context, s *Store, serviceID string) ([]APIKey, error) {
	return s.listKeys(ctx, serviceID)
}

// RevokeAPIKey stops a key working at once. Revoking is final.
func (s *Store) RevokeAPIKey(ctx context.Context, sub *platform.Subject, serviceID, keyID string) error {
	sv, err := s.Service(ctx, sub, serviceID)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Update, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE post_api_keys SET revoked_at = ? WHERE id = ? AND service_id = ? AND revoked_at = 0",
			store.Millis(now), keyID, sv.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = platform.NotFound("API key that is not revoked")
			}
			return err
		}
		tx.AfterCommit(func() { s.keys.forget(sv.ID) })
		return s.audit.Record(tx, audit.For(sub, "post.key_revoke", "post_api_key", keyID, audit.Success))
	})
}
