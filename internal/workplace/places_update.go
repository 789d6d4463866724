package workplace

import (
	"context"
	"encoding/json"
	"fmt"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Changing and withdrawing places. Nothing is ever deleted: past bookings,
// loans and utilisation name the buildings, floors, zones and resources
// they were in, so a withdrawn one stays, hidden from the lists people
// book from. Withdrawing a building withdraws its floors; withdrawing a
// floor withdraws its zones and every desk, room and piece of equipment
// kept on it. Withdrawing a zone leaves its desks on the floor, outside
// any zone. Bookings of what is withdrawn that have not ended are
// cancelled in the same write (places_withdraw.go).

// changed runs one keeping change: the access check, fn (which returns
// the rows it changed), and the audit entry, in one write; no row
// changed is not found.
func (s *Store) changed(ctx context.Context, sub *platform.Subject, action, typ, id, noun string, fn func(tx *store.Tx) (int64, string, error)) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		n, detail, err := fn(tx)
		if err != nil {
			return err
		}
		if n == 0 {
			return platform.NotFound(noun)
		}
		e := audit.For(sub, action, typ, id, audit.Success)
		e.Detail = detail
		return s.audit.Record(tx, e)
	})
}

func affected(res interface{ RowsAffected() (int64, error) }, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// UpdateBuilding changes a building's name, UPRN and address.
func (s *Store) UpdateBuilding(ctx context.Context, sub *platform.Subject, id string, in BuildingInput) (Building, error) {
	if err := in.check(); err != nil {
		return Building{}, err
	}
	err := s.changed(ctx, sub, "workplace.building_update", "building", id, "building", func(tx *store.Tx) (int64, string, error) {
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_buildings SET name = ?, uprn = ?, address = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			in.Name, in.UPRN, in.Address, store.Millis(s.now()), id, sub.OrgID))
		if store.IsUniqueViolation(err) {
			return 0, "", platform.Invalid("Check the building", platform.FieldError{Field: "name", Message: "There is already a building called " + in.Name})
		}
		return n, in.Name, err
	})
	if err != nil {
		return Building{}, err
	}
	return s.Building(ctx, sub, id)
}

// WithdrawBuilding takes a building out of use with its floors, their
// zones and everything on them, and cancels their bookings (places_withdraw.go).
func (s *Store) WithdrawBuilding(ctx context.Context, sub *platform.Subject, id string) (Withdrawal, error) {
	var w Withdrawal
	err := s.changed(ctx, sub, "workplace.building_withdraw", "building", id, "building", func(tx *store.Tx) (int64, string, error) {
		now := store.Millis(s.now())
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM workplace_buildings WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, id, sub.OrgID).Scan(&name)
		if store.IsNoRows(err) {
			return 0, "", nil
		}
		if err != nil {
			return 0, "", err
		}
		if w, err = s.cancelWithdrawn(ctx, tx, sub, WithdrawBuildingScope, id, " with "+name); err != nil {
			return 0, "", err
		}
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_buildings SET withdrawn_at = ?, updated_at = ? WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, now, now, id, sub.OrgID))
		if err != nil || n == 0 {
			return n, "", err
		}
		floors := `SELECT id FROM workplace_floors WHERE building_id = ? AND org_id = ?`
		res, err := affected(tx.Exec(ctx, `UPDATE workplace_resources SET active = 0, updated_at = ? WHERE org_id = ? AND active = 1 AND floor_id IN (`+floors+`)`, now, sub.OrgID, id, sub.OrgID))
		if err != nil {
			return 0, "", err
		}
		w.Resources = int(res)
		if _, err := tx.Exec(ctx, `UPDATE workplace_zones SET withdrawn_at = ?, updated_at = ? WHERE org_id = ? AND withdrawn_at = 0 AND floor_id IN (`+floors+`)`, now, now, sub.OrgID, id, sub.OrgID); err != nil {
			return 0, "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE workplace_floors SET withdrawn_at = ?, updated_at = ? WHERE building_id = ? AND org_id = ? AND withdrawn_at = 0`, now, now, id, sub.OrgID); err != nil {
			return 0, "", err
		}
		return n, fmt.Sprintf("with %d desks, rooms and equipment", res) + cancelledDetail(w), nil
	})
	return w, err
}

// UpdateFloor changes a floor's name and level (not its building).
func (s *Store) UpdateFloor(ctx context.Context, sub *platform.Subject, id string, in FloorInput) (Floor, error) {
	if err := in.check(); err != nil {
		return Floor{}, err
	}
	err := s.changed(ctx, sub, "workplace.floor_update", "floor", id, "floor", func(tx *store.Tx) (int64, string, error) {
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_floors SET name = ?, level = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			in.Name, in.Level, store.Millis(s.now()), id, sub.OrgID))
		if store.IsUniqueViolation(err) {
			return 0, "", platform.Invalid("Check the floor", platform.FieldError{Field: "name", Message: "The building already has a floor called " + in.Name})
		}
		return n, in.Name, err
	})
	if err != nil {
		return Floor{}, err
	}
	return s.Floor(ctx, sub, id)
}

// WithdrawFloor takes a floor out of use with its zones and everything
// on it, and cancels their bookings.
func (s *Store) WithdrawFloor(ctx context.Context, sub *platform.Subject, id string) (Withdrawal, error) {
	var w Withdrawal
	err := s.changed(ctx, sub, "workplace.floor_withdraw", "floor", id, "floor", func(tx *store.Tx) (int64, string, error) {
		now := store.Millis(s.now())
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM workplace_floors WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, id, sub.OrgID).Scan(&name)
		if store.IsNoRows(err) {
			return 0, "", nil
		}
		if err != nil {
			return 0, "", err
		}
		if w, err = s.cancelWithdrawn(ctx, tx, sub, WithdrawFloorScope, id, " with its floor, "+name); err != nil {
			return 0, "", err
		}
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_floors SET withdrawn_at = ?, updated_at = ? WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, now, now, id, sub.OrgID))
		if err != nil || n == 0 {
			return n, "", err
		}
		res, err := affected(tx.Exec(ctx, `UPDATE workplace_resources SET active = 0, updated_at = ? WHERE org_id = ? AND floor_id = ? AND active = 1`, now, sub.OrgID, id))
		if err != nil {
			return 0, "", err
		}
		w.Resources = int(res)
		_, err = tx.Exec(ctx, `UPDATE workplace_zones SET withdrawn_at = ?, updated_at = ? WHERE org_id = ? AND floor_id = ? AND withdrawn_at = 0`, now, now, sub.OrgID, id)
		return n, fmt.Sprintf("with %d desks, rooms and equipment", res) + cancelledDetail(w), err
	})
	return w, err
}

// UpdateZone changes a zone's name and the business unit whose
// neighbourhood it is ("" for none); it stays on its floor.
func (s *Store) UpdateZone(ctx context.Context, sub *platform.Subject, id string, in ZoneInput) (Zone, error) {
	if err := in.check(); err != nil {
		return Zone{}, err
	}
	err := s.changed(ctx, sub, "workplace.zone_update", "zone", id, "zone", func(tx *store.Tx) (int64, string, error) {
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_zones SET name = ?, unit_id = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			in.Name, in.UnitID, store.Millis(s.now()), id, sub.OrgID))
		if store.IsUniqueViolation(err) {
			return 0, "", platform.Invalid("Check the zone", platform.FieldError{Field: "name", Message: "The floor already has a zone called " + in.Name})
		}
		return n, in.Name, err
	})
	if err != nil {
		return Zone{}, err
	}
	return s.Zone(ctx, sub, id)
}

// WithdrawZone takes a zone out of use; its desks and rooms stay on the
// floor, in no zone.
func (s *Store) WithdrawZone(ctx context.Context, sub *platform.Subject, id string) error {
	return s.changed(ctx, sub, "workplace.zone_withdraw", "zone", id, "zone", func(tx *store.Tx) (int64, string, error) {
		now := store.Millis(s.now())
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_zones SET withdrawn_at = ?, updated_at = ? WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, now, now, id, sub.OrgID))
		if err != nil || n == 0 {
			return n, "", err
		}
		_, err = tx.Exec(ctx, `UPDATE workplace_resources SET zone_id = '', updated_at = ? WHERE org_id = ? AND zone_id = ? AND active = 1`, now, sub.OrgID, id)
		return n, "", err
	})
}

// UpdateResource changes a desk's, room's or item's details and place.
// Its kind never changes: bookings made under one kind's rules stay
// under them. A withdrawn resource is changed only by reinstating it.
func (s *Store) UpdateResource(ctx context.Context, sub *platform.Subject, id string, in ResourceInput) (Resource, error) {
	cur, err := s.Resource(ctx, sub, id)
	if err != nil {
		return Resource{}, err
	}
	if !cur.Active {
		return Resource{}, platform.Errorf(platform.CodeConflict, "%s is withdrawn: reinstate it before changing it", cur.Name)
	}
	if in.Kind == "" {
		in.Kind = cur.Kind
	}
	if err := in.check(); err != nil {
		return Resource{}, err
	}
	if in.Kind != cur.Kind {
		return Resource{}, platform.Invalid("A "+kindNoun(cur.Kind)+" cannot become a "+kindNoun(in.Kind)+": withdraw it and add a new one",
			platform.FieldError{Field: "kind", Message: "The kind cannot be changed"})
	}
	err = s.changed(ctx, sub, "workplace.resource_update", "workplace_resource", id, kindNoun(cur.Kind), func(tx *store.Tx) (int64, string, error) {
		if err := checkPlace(tx, sub.OrgID, id, in); err != nil {
			return 0, "", err
		}
		features, _ := json.Marshal(in.Features)
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_resources SET name = ?, floor_id = ?, zone_id = ?, x = ?, y = ?, capacity = ?, features = ?,
			category = ?, asset_tag = ?, needs_approval = ?, updated_at = ? WHERE id = ? AND org_id = ? AND active = 1`,
			in.Name, in.FloorID, in.ZoneID, in.X, in.Y, in.Capacity, string(features), in.Category, in.AssetTag, approvalInt(in.NeedsApproval),
			store.Millis(s.now()), id, sub.OrgID))
		if store.IsUniqueViolation(err) {
			return 0, "", nameTaken(in)
		}
		return n, in.Kind + " " + in.Name + approvalDetail(in.NeedsApproval), err
	})
	if err != nil {
		return Resource{}, err
	}
	return s.Resource(ctx, sub, id)
}

// PlaceResource puts a desk or room at x, y on its floor's plan, in
// thousandths of the plan's width and height; -1, -1 takes it off.
func (s *Store) PlaceResource(ctx context.Context, sub *platform.Subject, id string, x, y int) (Resource, error) {
	if (x < 0) != (y < 0) || x > 1000 || y > 1000 || x < -1 || y < -1 {
		return Resource{}, platform.Invalid("Check the position", platform.FieldError{Field: "x", Message: "Enter both positions as whole numbers from 0 to 1000, or leave both empty to take it off the plan"})
	}
	err := s.changed(ctx, sub, "workplace.resource_place", "workplace_resource", id, "desk or room", func(tx *store.Tx) (int64, string, error) {
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_resources SET x = ?, y = ?, updated_at = ? WHERE id = ? AND org_id = ? AND active = 1 AND floor_id <> ''`,
			x, y, store.Millis(s.now()), id, sub.OrgID))
		return n, fmt.Sprintf("at %d, %d", x, y), err
	})
	if err != nil {
		return Resource{}, err
	}
	return s.Resource(ctx, sub, id)
}

// WithdrawResource takes a desk, room or item out of use and cancels its
// bookings that have not ended; it stays, with its past bookings and
// loans, for history.
func (s *Store) WithdrawResource(ctx context.Context, sub *platform.Subject, id string) (Withdrawal, error) {
	return s.setActive(ctx, sub, id, false)
}

// ReinstateResource brings a withdrawn desk, room or item back into use,
// if its floor still is; if its zone is not, it comes back in no zone.
// Bookings cancelled when it was withdrawn stay cancelled.
func (s *Store) ReinstateResource(ctx context.Context, sub *platform.Subject, id string) error {
	_, err := s.setActive(ctx, sub, id, true)
	return err
}

func (s *Store) setActive(ctx context.Context, sub *platform.Subject, id string, active bool) (Withdrawal, error) {
	action := "workplace.resource_withdraw"
	if active {
		action = "workplace.resource_reinstate"
	}
	var w Withdrawal
	err := s.changed(ctx, sub, action, "workplace_resource", id, "desk, room or equipment", func(tx *store.Tx) (int64, string, error) {
		if active {
			var floor, zone string
			err := tx.QueryRow(ctx, `SELECT floor_id, zone_id FROM workplace_resources WHERE id = ? AND org_id = ?`, id, sub.OrgID).Scan(&floor, &zone)
			if store.IsNoRows(err) {
				return 0, "", nil
			}
			if err != nil {
				return 0, "", err
			}
			if floor != "" {
				if err := inOrg(tx, "workplace_floors", floor, sub.OrgID, "floor_id", ""); err != nil {
					return 0, "", platform.Errorf(platform.CodeConflict, "Its floor is withdrawn, so it stays withdrawn: add a new one on a floor in use")
				}
			}
			if zone != "" {
				if err := inOrg(tx, "workplace_zones", zone, sub.OrgID, "zone_id", ""); err != nil {
					if _, err := tx.Exec(ctx, `UPDATE workplace_resources SET zone_id = '' WHERE id = ?`, id); err != nil {
						return 0, "", err
					}
				}
			}
		}
		n, err := affected(tx.Exec(ctx, `UPDATE workplace_resources SET active = ?, updated_at = ? WHERE id = ? AND org_id = ? AND active = ?`,
			b2i(active), store.Millis(s.now()), id, sub.OrgID, b2i(!active)))
		if err == nil && n == 0 {
			// Already so, or not there: tell the two apart.
			var c int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_resources WHERE id = ? AND org_id = ?`, id, sub.OrgID).Scan(&c); err != nil {
				return 0, "", err
			}
			return int64(c), "unchanged", nil
		}
		if err != nil || active {
			return n, "", err
		}
		w, err = s.cancelWithdrawn(ctx, tx, sub, WithdrawResourceScope, id, "")
		w.Resources = int(n)
		return n, cancelledDetail(w), err
	})
	return w, err
}
