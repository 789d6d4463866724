package identity

import (
	"context"
	"slices"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// User is a person who can sign in to one organisation.
type User struct {
	ID            string          `json:"id"`
	OrgID         string          `json:"org_id"`
	Email         string          `json:"email"`
	Name          string          `json:"name"`
	Roles         []platform.Role `json:"roles"`
	BusinessUnits []string        `json:"business_units"`
	Disabled      bool            `json:"disabled"`
	TOTPEnabled   bool            `json:"totp_enabled"`
	HasPassword   bool            `json:"has_password"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// NewUser is what it takes to create a user. Password may be empty: the user
// then signs in through OIDC, or an admin resets the password later.
type NewUser struct {
	Email         string
	Name          string
	Roles         []platform.Role
	BusinessUnits []string
	Password      string
}

// UserChanges replaces a user's name, roles and business units.
type UserChanges struct {
	Name          string
	Roles         []platform.Role
	BusinessUnits []string
}

// userRow is a user as stored, including the secrets that never leave the package.
type userRow struct {
	User
	passwordHash string
	totpSecret   string
	totpPending  string
	totpLastStep int64
}

const userColumns = "id, org_id, email, display_name, roles, password_hash, disabled, totp_secret, totp_pending, totp_last_step, created_at, updated_at"

func scanUser(r scanner) (userRow, error) {
	var u userRow
	var roles string
	var disabled int
	var c, up int64
	err := r.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &roles, &u.passwordHash, &disabled,
		&u.totpSecret, &u.totpPending, &u.totpLastStep, &c, &up)
	u.Roles, u.Disabled = decodeRoles(roles), disabled == 1
	u.TOTPEnabled, u.HasPassword = u.totpSecret != "", u.passwordHash != ""
	u.CreatedAt, u.UpdatedAt = store.Time(c), store.Time(up)
	u.BusinessUnits = []string{}
	return u, err
}

// loadUser reads one user of orgID with their units. Every lookup names the
// organisation, so a foreign ID is indistinguishable from a missing one.
func (s *Service) loadUser(ctx context.Context, orgID, where string, arg any) (userRow, error) {
	u, err := s.loadUserRow(ctx, orgID, where, arg)
	if err != nil {
		return u, err
	}
	units, err := s.unitsOf(ctx, orgID, []string{u.ID})
	if err != nil {
		return u, err
	}
	if us := units[u.ID]; us != nil {
		u.BusinessUnits = us
	}
	return u, nil
}

// loadUserRow is loadUser without the business units, for sign-in, which
// does not need them and is worth keeping to as few queries as possible.
func (s *Service) loadUserRow(ctx context.Context, orgID, where string, arg any) (userRow, error) {
	u, err := scanUser(s.db.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE org_id = ? AND "+where+" = ?", orgID, arg))
	if store.IsNoRows(err) {
		return u, platform.NotFound("user")
	}
	if err != nil {
		return u, platform.Internal(err)
	}
	return u, nil
}

func (s *Service) unitsOf(ctx context.Context, orgID string, userIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, "SELECT user_id, unit_id FROM user_units WHERE org_id = ? AND user_id IN (?"+
		strings.Repeat(", ?", len(userIDs)-1)+") ORDER BY user_id, unit_id", args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, b string
		if err := rows.Scan(&u, &b); err != nil {
			return nil, platform.Internal(err)
		}
		out[u] = append(out[u], b)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

func userResource(sub *platform.Subject, id string) access.Resource {
	return access.Resource{Type: "user", ID: id, OrgID: sub.OrgID, OwnerID: id}
}

// CreateUser adds a user to the subject's organisation. Creating an admin
// needs a recent second factor (see StepUpWindow).
func (s *Service) CreateUser(ctx context.Context, sub *platform.Subject, in NewUser) (User, error) {
	if sub == nil {
		return User{}, platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	email, key, err := normaliseEmail(in.Email)
	if err != nil {
		return User{}, err
	}
	name, err := cleanText("name", "name", in.Name, 200)
	if err != nil {
		return User{}, err
	}
	roles, err := normaliseRoles(in.Roles)
	if err != nil {
		return User{}, err
	}
	units, err := normaliseIDs("business_units", "bu", in.BusinessUnits)
	if err != nil {
		return User{}, err
	}
	if in.Password != "" {
		if err := checkPasswordPolicy(in.Password, email, name); err != nil {
			return User{}, err
		}
	}
	if err := s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "user", OrgID: sub.OrgID}); err != nil {
		return User{}, err
	}
	if hasRole(roles, platform.RoleAdmin) {
		if err := s.requireRecentSecondFactor(ctx, sub, "user.create", "user", "", "create an admin"); err != nil {
			return User{}, err
		}
	}
	hash := ""
	if in.Password != "" {
		if hash, err = s.hashPassword(ctx, in.Password); err != nil {
			return User{}, platform.Internal(err)
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	u := User{ID: platform.NewID("usr"), OrgID: sub.OrgID, Email: email, Name: name, Roles: roles,
		BusinessUnits: units, HasPassword: hash != "", CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := insertUser(ctx, tx, u, key, hash); err != nil {
			return err
		}
		e := audit.For(sub, "user.create", "user", u.ID, audit.Success)
		e.Detail = "roles " + strings.Trim(encodeRoles(roles), ",")
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return User{}, asPlatform(err)
	}
	return u, nil
}

func insertUser(ctx context.Context, tx *store.Tx, u User, emailKey, hash string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO users (id, org_id, email, email_key, display_name, roles, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, u.OrgID, u.Email, emailKey, u.Name, encodeRoles(u.Roles), hash,
		store.Millis(u.CreatedAt), store.Millis(u.UpdatedAt)); err != nil {
		if store.IsUniqueViolation(err) {
			return &platform.Error{Code: platform.CodeConflict, Message: "A user with this email address already exists",
				Fields: []platform.FieldError{{Field: "email", Message: "A user with this email address already exists"}}}
		}
		return err
	}
	return setUnits(ctx, tx, u.OrgID, u.ID, u.BusinessUnits)
}

// setUnits replaces a user's units, checking each belongs to the same
// organisation (the composite foreign key enforces it too).
func setUnits(ctx context.Context, tx *store.Tx, orgID, userID string, units []string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM user_units WHERE org_id = ? AND user_id = ?", orgID, userID); err != nil {
		return err
	}
	for _, b := range units {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM business_units WHERE org_id = ? AND id = ?", orgID, b).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return platform.Invalid("Check the business units", platform.FieldError{Field: "business_units", Message: "Unknown business unit"})
		}
		if _, err := tx.Exec(ctx, "INSERT INTO user_units (org_id, user_id, unit_id) VALUES (?, ?, ?)", orgID, userID, b); err != nil {
			return err
		}
	}
	return nil
}

// GetUser returns a user of the subject's organisation.
func (s *Service) GetUser(ctx context.Context, sub *platform.Subject, id string) (User, error) {
	if sub == nil || !platform.ValidID("usr", id) {
		return User{}, platform.NotFound("user")
	}
	u, err := s.loadUser(ctx, sub.OrgID, "id", id)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return User{}, s.ap.Missing(ctx, sub, access.Read, userResource(sub, id), access.RowOrg(s.db, "users", "id", id), err)
	}
	if err != nil {
		return User{}, err
	}
	if err := s.ap.Check(ctx, sub, access.Read, userResource(sub, id)); err != nil {
		return User{}, err
	}
	return u.User, nil
}

// UpdateUser replaces a user's name, roles and units. Sessions pick up the
// change within Options.CacheTTL (at once on this node). Gaining the admin
// role without a second factor ends the user's sessions, so the next sign-in
// has to enrol TOTP. Granting the admin role needs a recent second factor
// (see StepUpWindow).
func (s *Service) UpdateUser(ctx context.Context, sub *platform.Subject, id string, ch UserChanges) (User, error) {
	name, err := cleanText("name", "name", ch.Name, 200)
	if err != nil {
		return User{}, err
	}
	roles, err := normaliseRoles(ch.Roles)
	if err != nil {
		return User{}, err
	}
	units, err := normaliseIDs("business_units", "bu", ch.BusinessUnits)
	if err != nil {
		return User{}, err
	}
	old, err := s.adminTarget(ctx, sub, id)
	if err != nil {
		return User{}, err
	}
	if hasRole(roles, platform.RoleAdmin) && !old.hasRole(platform.RoleAdmin) {
		if err := s.requireRecentSecondFactor(ctx, sub, "user.update", "user", id, "make someone an admin"); err != nil {
			return User{}, err
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if old.hasRole(platform.RoleAdmin) && !hasRole(roles, platform.RoleAdmin) {
			if err := s.keepAnAdmin(ctx, tx, sub.OrgID, id); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, "UPDATE users SET display_name = ?, roles = ?, updated_at = ? WHERE org_id = ? AND id = ?",
			name, encodeRoles(roles), store.Millis(now), sub.OrgID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.NotFound("user")
		}
		if err := setUnits(ctx, tx, sub.OrgID, id, units); err != nil {
			return err
		}
		if hasRole(roles, platform.RoleAdmin) && !old.hasRole(platform.RoleAdmin) && old.totpSecret == "" {
			if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND user_id = ?", sub.OrgID, id); err != nil {
				return err
			}
		}
		e := audit.For(sub, "user.update", "user", id, audit.Success)
		e.Detail = "roles " + strings.Trim(encodeRoles(roles), ",") + "; units " + strings.Join(units, " ")
		s.forgetUserAfter(tx, sub.OrgID, id)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return User{}, asPlatform(err)
	}
	u := old.User
	u.Name, u.Roles, u.BusinessUnits, u.UpdatedAt = name, roles, units, now
	return u, nil
}

// adminTarget loads a user of the subject's organisation for an
// administrative change, checking permission after existence so foreign IDs
// are simply not found (and the attempt audited as a denial).
func (s *Service) adminTarget(ctx context.Context, sub *platform.Subject, id string) (userRow, error) {
	if sub == nil || !platform.ValidID("usr", id) {
		return userRow{}, platform.NotFound("user")
	}
	u, err := s.loadUser(ctx, sub.OrgID, "id", id)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return u, s.ap.Missing(ctx, sub, access.Administer, userResource(sub, id), access.RowOrg(s.db, "users", "id", id), err)
	}
	if err != nil {
		return u, err
	}
	if err := s.ap.Check(ctx, sub, access.Administer, userResource(sub, id)); err != nil {
		return u, err
	}
	return u, nil
}

// keepAnAdmin refuses a change that would leave the organisation with no
// enabled admin, which nobody but the CLI could then undo.
func (s *Service) keepAnAdmin(ctx context.Context, tx *store.Tx, orgID, exceptID string) error {
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE org_id = ? AND id <> ? AND disabled = 0 AND roles LIKE ?",
		orgID, exceptID, "%,admin,%").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return platform.Errorf(platform.CodeConflict, "This is the last admin of the organisation; make someone else an admin first")
	}
	return nil
}

// forgetUserAfter drops cached sessions and tokens of a user once tx commits.
func (s *Service) forgetUserAfter(tx *store.Tx, orgID, userID string) {
	tx.AfterCommit(func() {
		s.sessions.dropUser(orgID, userID)
		s.tokens.dropUser(orgID, userID)
	})
}

func (u userRow) hasRole(r platform.Role) bool { return hasRole(u.Roles, r) }

func hasRole(roles []platform.Role, r platform.Role) bool { return slices.Contains(roles, r) }
