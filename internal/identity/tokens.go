package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// API tokens look like "dbtp_" followed by 52 lower-case base32 characters
// (32 random bytes). The prefix makes leaked tokens easy to spot by secret
// scanners; the first characters are kept as a public hint for listings.
const (
	tokenPrefix       = "dbtp_"
	tokenBodyLen      = 52
	tokenHintLen      = 8
	defaultTokenLife  = 90 * 24 * time.Hour
	maxTokenLife      = 365 * 24 * time.Hour
	ScopeRead         = "read"
	ScopeWrite        = "write"
	ScopeAdmin        = "admin"
	ScopeMetrics      = platform.ScopeMetrics // GET /metrics only; admins of the host organisation
	tokenNameMaxRunes = 100
)

var allScopes = []string{ScopeRead, ScopeWrite, ScopeAdmin, ScopeMetrics}

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Token describes an API token; the secret itself is never stored.
type Token struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"org_id"`
	UserID       string    `json:"user_id"`
	Name         string    `json:"name"`
	Prefix       string    `json:"prefix"` // e.g. "dbtp_k3j9x2ab", safe to display
	Scopes       []string  `json:"scopes"`
	CreatedAt    time.Time `json:"created_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	LastUsedAt   time.Time `json:"last_used_at,omitzero"`
	LastUsedAddr string    `json:"last_used_addr,omitempty"`
}

// NewToken asks for a token. ExpiresIn defaults to 90 days, at most a year.
type NewToken struct {
	Name      string
	Scopes    []string
	ExpiresIn time.Duration
}

// CreatedToken is a new token with its secret, shown to its owner once.
type CreatedToken struct {
	Token
	Secret string `json:"token"`
}

// decodeAPIToken accepts exactly the form CreateToken produces.
func decodeAPIToken(tok string) ([]byte, bool) {
	body, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok || len(body) != tokenBodyLen {
		return nil, false
	}
	raw, err := tokenEncoding.DecodeString(body)
	if err != nil || len(raw) != 32 || tokenEncoding.EncodeToString(raw) != body {
		return nil, false
	}
	return raw, true
}

// scopesAllowed keeps the scopes the roles permit: admin and metrics need
// the admin role. (Metrics also need the host organisation, which
// createToken checks; an organisation never stops being the host.)
func scopesAllowed(scopes []string, roles []platform.Role) []string {
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if (sc == ScopeAdmin || sc == ScopeMetrics) && !slices.Contains(roles, platform.RoleAdmin) {
			continue
		}
		out = append(out, sc)
	}
	return out
}

// CreateToken makes an API token for the signed-in user. Tokens cannot
// create tokens: a leaked token must not be able to outlive its revocation.
func (s *Service) CreateToken(ctx context.Context, sub *platform.Subject, in NewToken) (CreatedToken, error) {
	if sub == nil || sub.Kind != platform.SubjectUser {
		return CreatedToken{}, platform.Errorf(platform.CodeForbidden, "API tokens can only be created by a signed-in person")
	}
	if err := s.ap.Check(ctx, sub, access.Create, access.Resource{Type: "token", OrgID: sub.OrgID, OwnerID: sub.UserID}); err != nil {
		return CreatedToken{}, err
	}
	return s.createToken(ctx, sub, sub.UserID, sub.Roles, in)
}

// CreateTokenFor makes a token owned by another user of the organisation, for
// admins and the command line (an integration's service account, say). The
// audit log names the admin as the actor and the owner in the detail.
func (s *Service) CreateTokenFor(ctx context.Context, sub *platform.Subject, userID string, in NewToken) (CreatedToken, error) {
	if err := s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "token", OrgID: orgOf(sub), OwnerID: userID}); err != nil {
		return CreatedToken{}, err
	}
	owner, err := s.GetUser(ctx, sub, userID)
	if err != nil {
		return CreatedToken{}, err
	}
	if owner.Disabled {
		return CreatedToken{}, platform.Errorf(platform.CodeConflict, "%s is disabled; enable them before creating a token", owner.Email)
	}
	return s.createToken(ctx, sub, owner.ID, owner.Roles, in)
}

func orgOf(sub *platform.Subject) string {
	if sub == nil {
		return ""
	}
	return sub.OrgID
}

func (s *Service) createToken(ctx context.Context, sub *platform.Subject, ownerID string, ownerRoles []platform.Role, in NewToken) (CreatedToken, error) {
	name, err := cleanText("name", "name", in.Name, tokenNameMaxRunes)
	if err != nil {
		return CreatedToken{}, err
	}
	var scopes []string
	for _, sc := range allScopes {
		if slices.Contains(in.Scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if len(scopes) == 0 || len(scopes) != len(slices.Compact(slices.Sorted(slices.Values(in.Scopes)))) {
		return CreatedToken{}, platform.Invalid("Check the scopes", platform.FieldError{Field: "scopes", Message: "Choose one or more of read, write, admin and metrics"})
	}
	if len(scopesAllowed(scopes, ownerRoles)) != len(scopes) {
		return CreatedToken{}, platform.Invalid("Check the scopes", platform.FieldError{Field: "scopes", Message: "Only admins can create tokens with the admin or metrics scope"})
	}
	if slices.Contains(scopes, ScopeMetrics) {
		// Metrics count every organisation's requests together, so only
		// the host, which runs the platform, may read them.
		host, err := s.isHost(ctx, sub.OrgID)
		if err != nil {
			return CreatedToken{}, err
		}
		if !host {
			return CreatedToken{}, platform.Invalid("Check the scopes", platform.FieldError{Field: "scopes", Message: "Only admins of the host organisation can create tokens with the metrics scope"})
		}
	}
	if slices.Contains(scopes, ScopeAdmin) {
		if err := s.requireRecentSecondFactor(ctx, sub, "token.create", "token", "", "create tokens with the admin scope"); err != nil {
			return CreatedToken{}, err
		}
	}
	life := in.ExpiresIn
	switch {
	case life == 0:
		life = defaultTokenLife
	case life < time.Hour || life > maxTokenLife:
		return CreatedToken{}, platform.Invalid("Check the expiry", platform.FieldError{Field: "expires_in", Message: "A token must last between 1 hour and 1 year"})
	}
	raw := randomBytes(32)
	secret := tokenPrefix + tokenEncoding.EncodeToString(raw)
	now := s.now().UTC().Truncate(time.Millisecond)
	t := Token{ID: platform.NewID("tok"), OrgID: sub.OrgID, UserID: ownerID, Name: name,
		Prefix: secret[:len(tokenPrefix)+tokenHintLen], Scopes: scopes, CreatedAt: now, ExpiresAt: now.Add(life)}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, prefix, token_hash, scopes, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.OrgID, t.UserID, t.Name, t.Prefix, secretHash(raw),
			strings.Join(scopes, ","), store.Millis(now), store.Millis(t.ExpiresAt)); err != nil {
			return err
		}
		e := audit.For(sub, "token.create", "token", t.ID, audit.Success)
		e.Detail = "scopes " + strings.Join(scopes, ",") + "; expires " + t.ExpiresAt.Format(time.DateOnly)
		if ownerID != sub.UserID {
			e.Detail += "; owner " + ownerID
		}
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return CreatedToken{}, asPlatform(err)
	}
	return CreatedToken{Token: t, Secret: secret}, nil
}

const tokenColumns = "id, org_id, user_id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at, last_used_addr, token_hash"

func scanToken(r scanner) (Token, string, error) {
	var t Token
	var scopes, hash string
	var c, e, rv, lu int64
	err := r.Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &t.Prefix, &scopes, &c, &e, &rv, &lu, &t.LastUsedAddr, &hash)
	t.Scopes = strings.Split(scopes, ",")
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt = store.Time(c), store.Time(e), store.Time(rv), store.Time(lu)
	return t, hash, err
}

// ListTokens lists the subject's own tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, sub *platform.Subject) ([]Token, error) {
	if sub == nil {
		return nil, platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	if err := s.ap.Check(ctx, sub, access.Read, access.Resource{Type: "token", OrgID: sub.OrgID, OwnerID: sub.UserID}); err != nil {
		return nil, err
	}
	return s.queryTokens(ctx, "WHERE org_id = ? AND user_id = ?", sub.OrgID, sub.UserID)
}

// ListOrgTokens lists every token of the subject's organisation, for admins.
func (s *Service) ListOrgTokens(ctx context.Context, sub *platform.Subject) ([]Token, error) {
	if sub == nil {
		return nil, platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	if err := s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "token", OrgID: sub.OrgID}); err != nil {
		return nil, err
	}
	return s.queryTokens(ctx, "WHERE org_id = ?", sub.OrgID)
}

func (s *Service) queryTokens(ctx context.Context, where string, args ...any) ([]Token, error) {
	rows, err := s.db.Query(ctx, "SELECT "+tokenColumns+" FROM api_tokens "+where+" ORDER BY id DESC", args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		t, _, err := scanToken(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// GetToken returns a token of the subject's organisation: owners see their
// own, admins anyone's. The secret is never returned.
func (s *Service) GetToken(ctx context.Context, sub *platform.Subject, id string) (Token, error) {
	if sub == nil || !platform.ValidID("tok", id) {
		return Token{}, platform.NotFound("token")
	}
	t, _, err := s.tokenFor(ctx, sub, id, access.Read)
	return t, err
}

// tokenFor loads a token of the subject's organisation and asks the access
// point whether sub may do a to it: a to their own token, administer to
// anyone else's (a manager may read OFFICIAL data, but not other people's
// credentials). It returns the token and its stored hash.
func (s *Service) tokenFor(ctx context.Context, sub *platform.Subject, id string, a access.Action) (Token, string, error) {
	res := access.Resource{Type: "token", ID: id, OrgID: sub.OrgID}
	t, hash, err := scanToken(s.db.QueryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE org_id = ? AND id = ?", sub.OrgID, id))
	if store.IsNoRows(err) {
		return Token{}, "", s.ap.Missing(ctx, sub, a, res, access.RowOrg(s.db, "api_tokens", "id", id), platform.NotFound("token"))
	}
	if err != nil {
		return Token{}, "", platform.Internal(err)
	}
	if t.UserID != sub.UserID {
		a = access.Administer
	}
	res.OwnerID = t.UserID
	if err := s.ap.Check(ctx, sub, a, res); err != nil {
		return Token{}, "", err
	}
	return t, hash, nil
}

// RevokeToken ends a token at once on this node and within Options.CacheTTL
// everywhere. Owners revoke their own; admins anyone's in their organisation.
func (s *Service) RevokeToken(ctx context.Context, sub *platform.Subject, id string) error {
	if sub == nil || !platform.ValidID("tok", id) {
		return platform.NotFound("token")
	}
	t, hash, err := s.tokenFor(ctx, sub, id, access.Delete)
	if err != nil {
		return err
	}
	if !t.RevokedAt.IsZero() {
		return nil
	}
	var key [32]byte
	_, _ = hex.Decode(key[:], []byte(hash))
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at = 0",
			store.Millis(s.now()), sub.OrgID, id); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.tokens.drop(key) })
		return s.rec.Record(tx, audit.For(sub, "token.revoke", "token", id, audit.Success))
	})
	return asPlatform(err)
}

func badToken() error {
	return platform.Errorf(platform.CodeUnauthorized, "The API token is not valid, has expired or has been revoked")
}

// TokenSubject turns a bearer token into the Subject of an API request. Its
// scopes are the token's, less any the owner's current roles no longer allow.
// Last use (time and address) is stored at most once a minute per token.
func (s *Service) TokenSubject(ctx context.Context, token, addr string) (*platform.Subject, error) {
	raw, ok := decodeAPIToken(token)
	if !ok {
		return nil, badToken()
	}
	key := sha256.Sum256(raw)
	now := s.now()
	e := s.tokens.get(key)
	if e == nil || now.Sub(e.loadedAt) >= s.opts.CacheTTL {
		var err error
		if e, err = s.reloadToken(ctx, key, e, now); err != nil {
			return nil, err
		}
	}
	if !now.Before(e.expiresAt) {
		s.tokens.drop(key)
		return nil, badToken()
	}
	if e.touch(now) {
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE api_tokens SET last_used_at = ?, last_used_addr = ? WHERE id = ?", store.Millis(now), truncate(addr, 100), e.id)
			return err
		})
		if err != nil {
			return nil, platform.Internal(err)
		}
	}
	return e.subject(addr), nil
}

func (s *Service) reloadToken(ctx context.Context, key [32]byte, old *cached, now time.Time) (*cached, error) {
	var id, orgID, userID, scopes, name, roles string
	var created, expires, revoked, lastUsed int64
	var disabled int
	err := s.db.QueryRow(ctx, `SELECT t.id, t.org_id, t.user_id, t.scopes, t.created_at, t.expires_at, t.revoked_at, t.last_used_at,
		u.display_name, u.roles, u.disabled
		FROM api_tokens t JOIN users u ON u.org_id = t.org_id AND u.id = t.user_id WHERE t.token_hash = ?`, hex.EncodeToString(key[:])).
		Scan(&id, &orgID, &userID, &scopes, &created, &expires, &revoked, &lastUsed, &name, &roles, &disabled)
	if err != nil || revoked != 0 || disabled != 0 {
		s.tokens.drop(key)
		if err != nil && !store.IsNoRows(err) {
			return nil, platform.Internal(err)
		}
		return nil, badToken()
	}
	units, err := s.unitsOf(ctx, orgID, []string{userID})
	if err != nil {
		return nil, err
	}
	rs := decodeRoles(roles)
	e := &cached{
		subj: platform.Subject{Kind: platform.SubjectToken, UserID: userID, Name: name, OrgID: orgID, Roles: rs,
			BusinessUnits: units[userID], Scopes: scopesAllowed(strings.Split(scopes, ","), rs), TokenID: id,
			AuthTime: store.Time(created)},
		id: id, loadedAt: now, expiresAt: store.Time(expires),
		lastSeen: store.Time(lastUsed), lastWritten: store.Time(lastUsed),
	}
	if old != nil && old.id == id {
		old.mu.Lock()
		e.lastSeen, e.lastWritten = later(e.lastSeen, old.lastSeen), later(e.lastWritten, old.lastWritten)
		old.mu.Unlock()
	}
	s.tokens.put(key, e)
	return e, nil
}
