package identity

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// UserFilter narrows ListUsers. After is the cursor: the last ID of the
// previous page.
type UserFilter struct {
	Role   platform.Role
	Unit   string
	Text   string // matched against email and name, case-insensitively
	Staff  bool   // only people holding a staff role
	Active bool   // leave out disabled users
	After  string
	Limit  int // default 50, at most 200
}

// UserPage is one page of users; Next is the cursor for the following page,
// empty on the last.
type UserPage struct {
	Users []User `json:"users"`
	Next  string `json:"next,omitempty"`
}

// ListUsers pages through the subject's organisation's users in ID order
// (which is creation order, IDs being time-sorted).
func (s *Service) ListUsers(ctx context.Context, sub *platform.Subject, f UserFilter) (UserPage, error) {
	if sub == nil {
		return UserPage{}, platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > 200:
		f.Limit = 200
	}
	q := "SELECT " + userColumns + " FROM users u WHERE org_id = ?"
	args := []any{sub.OrgID}
	if f.Role != "" {
		if _, ok := platform.ParseRole(string(f.Role)); !ok {
			return UserPage{}, platform.Invalid("Check the filter", platform.FieldError{Field: "role", Message: "Unknown role"})
		}
		q += " AND roles LIKE ?"
		args = append(args, "%,"+string(f.Role)+",%")
	}
	if f.Staff {
		var or []string
		for _, r := range platform.StaffRoles {
			or = append(or, "roles LIKE ?")
			args = append(args, "%,"+string(r)+",%")
		}
		q += " AND (" + strings.Join(or, " OR ") + ")"
	}
	if f.Active {
		q += " AND disabled = 0"
	}
	if f.Unit != "" {
		if !platform.ValidID("bu", f.Unit) {
			return UserPage{}, platform.Invalid("Check the filter", platform.FieldError{Field: "unit", Message: "Unknown business unit"})
		}
		q += " AND EXISTS (SELECT 1 FROM user_units uu WHERE uu.org_id = u.org_id AND uu.user_id = u.id AND uu.unit_id = ?)"
		args = append(args, f.Unit)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		if len(t) > 200 {
			return UserPage{}, platform.Invalid("Check the filter", platform.FieldError{Field: "q", Message: "Search text must be 200 characters or fewer"})
		}
		q += ` AND (email_key LIKE ? ESCAPE '\' OR LOWER(display_name) LIKE ? ESCAPE '\')`
		p := likePattern(t)
		args = append(args, p, p)
	}
	if f.After != "" {
		if !platform.ValidID("usr", f.After) {
			return UserPage{}, platform.Invalid("Check the cursor", platform.FieldError{Field: "after", Message: "The page cursor is not valid"})
		}
		q += " AND id > ?"
		args = append(args, f.After)
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, f.Limit+1)
	if err := s.ap.Check(ctx, sub, access.Read, access.Resource{Type: "user", OrgID: sub.OrgID}); err != nil {
		return UserPage{}, err
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return UserPage{}, platform.Internal(err)
	}
	page := UserPage{Users: []User{}}
	var ids []string
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return UserPage{}, platform.Internal(err)
		}
		page.Users = append(page.Users, u.User)
		ids = append(ids, u.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return UserPage{}, platform.Internal(err)
	}
	if len(page.Users) > f.Limit {
		page.Users, ids = page.Users[:f.Limit], ids[:f.Limit]
		page.Next = ids[len(ids)-1]
	}
	units, err := s.unitsOf(ctx, sub.OrgID, ids)
	if err != nil {
		return UserPage{}, err
	}
	for i := range page.Users {
		if us := units[page.Users[i].ID]; us != nil {
			page.Users[i].BusinessUnits = us
		}
	}
	return page, nil
}

// DisableUser stops a user signing in, ends all their sessions and revokes
// all their API tokens, in one transaction.
func (s *Service) DisableUser(ctx context.Context, sub *platform.Subject, id string) error {
	u, err := s.adminTarget(ctx, sub, id)
	if err != nil {
		return err
	}
	if id == sub.UserID {
		return platform.Errorf(platform.CodeConflict, "You cannot disable your own account")
	}
	now := store.Millis(s.now())
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if u.hasRole(platform.RoleAdmin) {
			if err := s.keepAnAdmin(ctx, tx, sub.OrgID, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE users SET disabled = 1, updated_at = ? WHERE org_id = ? AND id = ?", now, sub.OrgID, id); err != nil {
			return err
		}
		if err := endSessionsAndTokens(ctx, tx, sub.OrgID, id, now); err != nil {
			return err
		}
		s.forgetUserAfter(tx, sub.OrgID, id)
		return s.rec.Record(tx, audit.For(sub, "user.disable", "user", id, audit.Success))
	})
	return asPlatform(err)
}

func endSessionsAndTokens(ctx context.Context, tx *store.Tx, orgID, userID string, now int64) error {
	if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND user_id = ?", orgID, userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND user_id = ? AND revoked_at = 0", now, orgID, userID)
	return err
}

// EnableUser lets a disabled user sign in again. Their revoked tokens stay
// revoked: re-enabling must not silently revive credentials.
func (s *Service) EnableUser(ctx context.Context, sub *platform.Subject, id string) error {
	if _, err := s.adminTarget(ctx, sub, id); err != nil {
		return err
	}
	now := store.Millis(s.now())
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET disabled = 0, updated_at = ? WHERE org_id = ? AND id = ?", now, sub.OrgID, id); err != nil {
			return err
		}
		return s.rec.Record(tx, audit.For(sub, "user.enable", "user", id, audit.Success))
	})
	return asPlatform(err)
}

// ResetPassword gives a user a new random password and returns it; it is
// shown once and never stored in clear. The user's sessions end (a reset
// usually means the old password is compromised) and any sign-in lock on the
// account is lifted. Resetting an admin's password needs a recent second
// factor (see StepUpWindow).
func (s *Service) ResetPassword(ctx context.Context, sub *platform.Subject, id string) (string, error) {
	u, err := s.adminTarget(ctx, sub, id)
	if err != nil {
		return "", err
	}
	if u.hasRole(platform.RoleAdmin) {
		if err := s.requireRecentSecondFactor(ctx, sub, "user.reset_password", "user", id, "reset an admin's password"); err != nil {
			return "", err
		}
	}
	password := GeneratePasswordFor(u.Email, u.Name)
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return "", platform.Internal(err)
	}
	now := store.Millis(s.now())
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE org_id = ? AND id = ?", hash, now, sub.OrgID, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND user_id = ?", sub.OrgID, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sign_in_throttle WHERE key = ?", accountKey(sub.OrgID, strings.ToLower(u.Email))); err != nil {
			return err
		}
		s.forgetUserAfter(tx, sub.OrgID, id)
		return s.rec.Record(tx, audit.For(sub, "user.reset_password", "user", id, audit.Success))
	})
	if err != nil {
		return "", asPlatform(err)
	}
	return password, nil
}

// ChangePassword lets a signed-in user replace their own password after
// proving they know the current one. Their other sessions end.
func (s *Service) ChangePassword(ctx context.Context, sub *platform.Subject, current, next string) error {
	if sub == nil || sub.Kind != platform.SubjectUser {
		return platform.Errorf(platform.CodeUnauthorized, "sign in to change your password")
	}
	u, err := s.loadUser(ctx, sub.OrgID, "id", sub.UserID)
	if err != nil {
		return err
	}
	if err := checkPasswordPolicy(next, u.Email, u.Name); err != nil {
		return err
	}
	ok, err := s.verifyPassword(ctx, u.passwordHash, current)
	if err != nil {
		return platform.Internal(err)
	}
	if !ok {
		e := audit.For(sub, "user.change_password", "user", u.ID, audit.Failure)
		e.Detail = "current password wrong"
		if err := s.rec.RecordNow(ctx, e); err != nil {
			return platform.Internal(err)
		}
		return platform.Invalid("Check your current password", platform.FieldError{Field: "current_password", Message: "Your current password is not right"})
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return platform.Internal(err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE org_id = ? AND id = ?", hash, store.Millis(now), sub.OrgID, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND user_id = ? AND id <> ?", sub.OrgID, u.ID, sub.SessionID); err != nil {
			return err
		}
		s.forgetUserAfter(tx, sub.OrgID, u.ID)
		return s.rec.Record(tx, audit.For(sub, "user.change_password", "user", u.ID, audit.Success))
	})
	return asPlatform(err)
}
