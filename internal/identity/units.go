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

// Unit is a business unit of an organisation (Adults, Children's, Finance...).
// Units are configured per organisation; resources elsewhere name their
// owning unit by ID.
type Unit struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const unitColumns = "id, org_id, name, created_at, updated_at"

func unitResource(sub *platform.Subject, id string) access.Resource {
	return access.Resource{Type: "business_unit", ID: id, OrgID: sub.OrgID}
}

// CreateUnit adds a business unit to the subject's organisation.
func (s *Service) CreateUnit(ctx context.Context, sub *platform.Subject, name string) (Unit, error) {
	name, err := cleanText("name", "name", name, 100)
	if err != nil {
		return Unit{}, err
	}
	if err := s.ap.Check(ctx, sub, access.Administer, unitResource(sub, "")); err != nil {
		return Unit{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	u := Unit{ID: platform.NewID("bu"), OrgID: sub.OrgID, Name: name, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO business_units (id, org_id, name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			u.ID, u.OrgID, u.Name, strings.ToLower(u.Name), store.Millis(now), store.Millis(now)); err != nil {
			if store.IsUniqueViolation(err) {
				return unitNameTaken()
			}
			return err
		}
		e := audit.For(sub, "business_unit.create", "business_unit", u.ID, audit.Success)
		e.Detail = "created " + u.Name
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Unit{}, asPlatform(err)
	}
	return u, nil
}

func unitNameTaken() error {
	return &platform.Error{Code: platform.CodeConflict, Message: "A business unit already has this name",
		Fields: []platform.FieldError{{Field: "name", Message: "A business unit already has this name"}}}
}

// RenameUnit changes a unit's name; its ID, and so every reference, stays.
func (s *Service) RenameUnit(ctx context.Context, sub *platform.Subject, id, name string) (Unit, error) {
	name, err := cleanText("name", "name", name, 100)
	if err != nil {
		return Unit{}, err
	}
	u, err := s.GetUnit(ctx, sub, id)
	if err != nil {
		return Unit{}, err
	}
	if err := s.ap.Check(ctx, sub, access.Administer, unitResource(sub, id)); err != nil {
		return Unit{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE business_units SET name = ?, name_key = ?, updated_at = ? WHERE org_id = ? AND id = ?",
			name, strings.ToLower(name), store.Millis(now), sub.OrgID, id)
		if err != nil {
			if store.IsUniqueViolation(err) {
				return unitNameTaken()
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.NotFound("business unit")
		}
		e := audit.For(sub, "business_unit.rename", "business_unit", id, audit.Success)
		e.Detail = "renamed from " + u.Name + " to " + name
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Unit{}, asPlatform(err)
	}
	u.Name, u.UpdatedAt = name, now
	return u, nil
}

// GetUnit returns one unit of the subject's organisation.
func (s *Service) GetUnit(ctx context.Context, sub *platform.Subject, id string) (Unit, error) {
	if sub == nil || !platform.ValidID("bu", id) {
		return Unit{}, platform.NotFound("business unit")
	}
	u, err := scanUnit(s.db.QueryRow(ctx, "SELECT "+unitColumns+" FROM business_units WHERE org_id = ? AND id = ?", sub.OrgID, id))
	if store.IsNoRows(err) {
		return Unit{}, s.ap.Missing(ctx, sub, access.Read, unitResource(sub, id), access.RowOrg(s.db, "business_units", "id", id),
			platform.NotFound("business unit"))
	}
	if err != nil {
		return Unit{}, platform.Internal(err)
	}
	if err := s.ap.Check(ctx, sub, access.Read, unitResource(sub, id)); err != nil {
		return Unit{}, err
	}
	return u, nil
}

// ListUnits lists the organisation's units by name. Organisations have a
// handful, so there is no pagination.
func (s *Service) ListUnits(ctx context.Context, sub *platform.Subject) ([]Unit, error) {
	if sub == nil {
		return nil, platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	if err := s.ap.Check(ctx, sub, access.Read, unitResource(sub, "")); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+unitColumns+" FROM business_units WHERE org_id = ? ORDER BY name_key, id", sub.OrgID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	out := []Unit{}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// DeleteUnit removes a unit nobody belongs to. Units that other modules use
// are protected by Options.UnitInUse when cmd/dbtp wires it.
func (s *Service) DeleteUnit(ctx context.Context, sub *platform.Subject, id string) error {
	u, err := s.GetUnit(ctx, sub, id)
	if err != nil {
		return err
	}
	if err := s.ap.Check(ctx, sub, access.Delete, unitResource(sub, id)); err != nil {
		return err
	}
	if s.opts.UnitInUse != nil {
		used, err := s.opts.UnitInUse(ctx, sub.OrgID, id)
		if err != nil {
			return platform.Internal(err)
		}
		if used {
			return platform.Errorf(platform.CodeConflict, "%s is still in use and cannot be deleted", u.Name)
		}
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM user_units WHERE org_id = ? AND unit_id = ?", sub.OrgID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return platform.Errorf(platform.CodeConflict, "%s still has %d member(s); move them to another unit first", u.Name, n)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM business_units WHERE org_id = ? AND id = ?", sub.OrgID, id); err != nil {
			return err
		}
		e := audit.For(sub, "business_unit.delete", "business_unit", id, audit.Success)
		e.Detail = "deleted " + u.Name
		return s.rec.Record(tx, e)
	})
	return asPlatform(err)
}

func scanUnit(r scanner) (Unit, error) {
	var u Unit
	var c, up int64
	err := r.Scan(&u.ID, &u.OrgID, &u.Name, &c, &up)
	u.CreatedAt, u.UpdatedAt = store.Time(c), store.Time(up)
	return u, err
}

// UnitID resolves a business unit by name (case-insensitive) or ID within an
// organisation, for modules that name units in configuration, such as a
// service definition's owner_unit. It is the platform itself asking, not a
// person, so no access check applies; it returns not_found for no such unit.
func (s *Service) UnitID(ctx context.Context, orgID, name string) (string, error) {
	units, err := s.ListUnits(ctx, platform.System(orgID))
	if err != nil {
		return "", err
	}
	for _, u := range units {
		if strings.EqualFold(u.Name, name) || u.ID == name {
			return u.ID, nil
		}
	}
	return "", platform.NotFound("business unit " + name)
}

// UserExists reports whether userID is a user of the organisation, for
// modules that must not assign work to, or act for, someone who is not there.
// Like UnitID it is the platform asking, so no access check applies (and
// another organisation's user is simply not there, not a denial to audit).
func (s *Service) UserExists(ctx context.Context, orgID, userID string) (bool, error) {
	if !platform.ValidID("usr", userID) {
		return false, nil
	}
	_, err := s.loadUserRow(ctx, orgID, "id", userID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return false, nil
	}
	return err == nil, err
}
