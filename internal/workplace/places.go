package workplace

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Kinds of resource.
const (
	KindDesk      = "desk"
	KindRoom      = "room"
	KindEquipment = "equipment"
)

// Kinds lists the kinds of resource in the order pages show them.
var Kinds = []string{KindDesk, KindRoom, KindEquipment}

// Features a desk or room may have.
const (
	FeatureDocking    = "docking"
	FeatureMonitors   = "monitors"
	FeatureStanding   = "standing"
	FeatureAccessible = "accessible"
	FeatureVideo      = "video" // a room with video conferencing
)

// Features lists every feature, in the order pages show them.
var Features = []string{FeatureDocking, FeatureMonitors, FeatureStanding, FeatureAccessible, FeatureVideo}

// Building is one of the council's buildings.
type Building struct {
	ID, OrgID string
	Name      string
	UPRN      string // Unique Property Reference Number, twelve digits at most
	Address   string
	CreatedAt time.Time
}

// Floor is a floor of a building, with its plan picture if one was given.
type Floor struct {
	ID, OrgID, BuildingID string
	Name                  string
	Level                 int
	PlanBlobID, PlanType  string
	PlanWidth, PlanHeight int
}

// HasPlan reports whether the floor has a plan picture.
func (f Floor) HasPlan() bool { return f.PlanBlobID != "" }

// Zone is an area of a floor; a team neighbourhood when UnitID is set.
type Zone struct {
	ID, OrgID, FloorID string
	Name               string
	UnitID             string
}

// Resource is a desk, a meeting room or a piece of loanable equipment.
type Resource struct {
	ID, OrgID string
	Kind      string
	Name      string
	FloorID   string
	ZoneID    string
	// X and Y place it on its floor's plan, in thousandths of the plan's
	// width and height; -1 when it is not placed.
	X, Y      int
	Capacity  int
	Features  []string
	Category  string // equipment: laptop, headset, monitor...
	AssetTag  string
	Active    bool
	CreatedAt time.Time
}

// Placed reports whether the resource has a place on its floor's plan.
func (r Resource) Placed() bool { return r.X >= 0 && r.Y >= 0 }

// Has reports whether the resource has a feature.
func (r Resource) Has(feature string) bool { return slices.Contains(r.Features, feature) }

// BuildingInput is what a building is made from.
type BuildingInput struct{ Name, UPRN, Address string }

func (in *BuildingInput) check() error {
	in.Name, in.UPRN, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.UPRN), strings.TrimSpace(in.Address)
	var errs []platform.FieldError
	if in.Name == "" || len(in.Name) > 200 {
		errs = append(errs, platform.FieldError{Field: "name", Message: "Enter the building's name, up to 200 characters"})
	}
	if in.UPRN != "" && (len(in.UPRN) > 12 || strings.Trim(in.UPRN, "0123456789") != "") {
		errs = append(errs, platform.FieldError{Field: "uprn", Message: "Enter the UPRN as up to 12 digits, like 200003655411"})
	}
	if len(in.Address) > 500 {
		errs = append(errs, platform.FieldError{Field: "address", Message: "Enter the address in 500 characters or fewer"})
	}
	if errs != nil {
		return platform.Invalid("Check the building", errs...)
	}
	return nil
}

// CreateBuilding adds a building.
func (s *Store) CreateBuilding(ctx context.Context, sub *platform.Subject, in BuildingInput) (Building, error) {
	if err := in.check(); err != nil {
		return Building{}, err
	}
	b := Building{ID: platform.NewID("bld"), OrgID: sub.OrgID, Name: in.Name, UPRN: in.UPRN, Address: in.Address, CreatedAt: s.now()}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		now := store.Millis(b.CreatedAt)
		_, err := tx.Exec(ctx, `INSERT INTO workplace_buildings (id, org_id, name, uprn, address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			b.ID, b.OrgID, b.Name, b.UPRN, b.Address, now, now)
		if store.IsUniqueViolation(err) {
			return platform.Invalid("Check the building", platform.FieldError{Field: "name", Message: "There is already a building called " + in.Name})
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "workplace.building_create", "building", b.ID, audit.Success)
		e.Detail = b.Name
		return s.audit.Record(tx, e)
	})
	return b, err
}

// Buildings lists the organisation's buildings by name.
func (s *Store) Buildings(ctx context.Context, sub *platform.Subject) ([]Building, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, org_id, name, uprn, address, created_at FROM workplace_buildings WHERE org_id = ? ORDER BY name`, sub.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Building
	for rows.Next() {
		var b Building
		var at int64
		if err := rows.Scan(&b.ID, &b.OrgID, &b.Name, &b.UPRN, &b.Address, &at); err != nil {
			return nil, err
		}
		b.CreatedAt = store.Time(at)
		out = append(out, b)
	}
	return out, rows.Err()
}

// Building finds one building.
func (s *Store) Building(ctx context.Context, sub *platform.Subject, id string) (Building, error) {
	all, err := s.Buildings(ctx, sub)
	if err != nil {
		return Building{}, err
	}
	for _, b := range all {
		if b.ID == id {
			return b, nil
		}
	}
	return Building{}, platform.NotFound("building")
}

// FloorInput is what a floor is made from.
type FloorInput struct {
	BuildingID, Name string
	Level            int
}

// CreateFloor adds a floor to a building.
func (s *Store) CreateFloor(ctx context.Context, sub *platform.Subject, in FloorInput) (Floor, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		return Floor{}, platform.Invalid("Check the floor", platform.FieldError{Field: "name", Message: "Enter the floor's name, like Ground floor, up to 100 characters"})
	}
	if in.Level < -10 || in.Level > 200 {
		return Floor{}, platform.Invalid("Check the floor", platform.FieldError{Field: "level", Message: "Enter the level as a whole number from -10 to 200 (0 is the ground floor)"})
	}
	f := Floor{ID: platform.NewID("flr"), OrgID: sub.OrgID, BuildingID: in.BuildingID, Name: in.Name, Level: in.Level}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := inOrg(tx, "workplace_buildings", in.BuildingID, sub.OrgID, "building_id", "Choose one of the buildings"); err != nil {
			return err
		}
		now := store.Millis(s.now())
		_, err := tx.Exec(ctx, `INSERT INTO workplace_floors (id, org_id, building_id, name, level, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.OrgID, f.BuildingID, f.Name, f.Level, now, now)
		if store.IsUniqueViolation(err) {
			return platform.Invalid("Check the floor", platform.FieldError{Field: "name", Message: "The building already has a floor called " + in.Name})
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "workplace.floor_create", "floor", f.ID, audit.Success)
		e.Detail = f.Name
		return s.audit.Record(tx, e)
	})
	return f, err
}

const floorColumns = `id, org_id, building_id, name, level, plan_blob_id, plan_type, plan_width, plan_height`

func scanFloor(row interface{ Scan(...any) error }) (Floor, error) {
	var f Floor
	err := row.Scan(&f.ID, &f.OrgID, &f.BuildingID, &f.Name, &f.Level, &f.PlanBlobID, &f.PlanType, &f.PlanWidth, &f.PlanHeight)
	return f, err
}

// Floors lists a building's floors, lowest first; buildingID "" lists
// every floor of the organisation.
func (s *Store) Floors(ctx context.Context, sub *platform.Subject, buildingID string) ([]Floor, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	q, args := `SELECT `+floorColumns+` FROM workplace_floors WHERE org_id = ?`, []any{sub.OrgID}
	if buildingID != "" {
		q, args = q+` AND building_id = ?`, append(args, buildingID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY building_id, level, name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Floor
	for rows.Next() {
		f, err := scanFloor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Floor finds one floor.
func (s *Store) Floor(ctx context.Context, sub *platform.Subject, id string) (Floor, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Floor{}, err
	}
	f, err := scanFloor(s.db.QueryRow(ctx, `SELECT `+floorColumns+` FROM workplace_floors WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Floor{}, platform.NotFound("floor")
	}
	return f, err
}

// ZoneInput is what a zone is made from; UnitID makes it a team
// neighbourhood.
type ZoneInput struct{ FloorID, Name, UnitID string }

// CreateZone adds a zone to a floor.
func (s *Store) CreateZone(ctx context.Context, sub *platform.Subject, in ZoneInput) (Zone, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		return Zone{}, platform.Invalid("Check the zone", platform.FieldError{Field: "name", Message: "Enter the zone's name, up to 100 characters"})
	}
	z := Zone{ID: platform.NewID("zon"), OrgID: sub.OrgID, FloorID: in.FloorID, Name: in.Name, UnitID: in.UnitID}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := inOrg(tx, "workplace_floors", in.FloorID, sub.OrgID, "floor_id", "Choose one of the floors"); err != nil {
			return err
		}
		now := store.Millis(s.now())
		_, err := tx.Exec(ctx, `INSERT INTO workplace_zones (id, org_id, floor_id, name, unit_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			z.ID, z.OrgID, z.FloorID, z.Name, z.UnitID, now, now)
		if store.IsUniqueViolation(err) {
			return platform.Invalid("Check the zone", platform.FieldError{Field: "name", Message: "The floor already has a zone called " + in.Name})
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "workplace.zone_create", "zone", z.ID, audit.Success)
		e.Detail = z.Name
		return s.audit.Record(tx, e)
	})
	return z, err
}

// Zones lists a floor's zones by name; floorID "" lists every zone.
func (s *Store) Zones(ctx context.Context, sub *platform.Subject, floorID string) ([]Zone, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	q, args := `SELECT id, org_id, floor_id, name, unit_id FROM workplace_zones WHERE org_id = ?`, []any{sub.OrgID}
	if floorID != "" {
		q, args = q+` AND floor_id = ?`, append(args, floorID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Zone
	for rows.Next() {
		var z Zone
		if err := rows.Scan(&z.ID, &z.OrgID, &z.FloorID, &z.Name, &z.UnitID); err != nil {
			return nil, err
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

// inOrg checks that id names a row of table in the organisation, or says
// which field to correct.
func inOrg(tx *store.Tx, table, id, orgID, field, msg string) error {
	var n int
	err := tx.QueryRow(tx.Context(), `SELECT COUNT(*) FROM `+table+` WHERE id = ? AND org_id = ?`, id, orgID).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return platform.Invalid(msg, platform.FieldError{Field: field, Message: msg})
	}
	return nil
}

// ResourceInput is what a desk, room or piece of equipment is made from.
type ResourceInput struct {
	Kind, Name      string
	FloorID, ZoneID string
	X, Y            int // -1: not placed
	Capacity        int
	Features        []string
	Category        string
	AssetTag        string
}

func (in *ResourceInput) check() error {
	in.Name, in.AssetTag, in.Category = strings.TrimSpace(in.Name), strings.TrimSpace(in.AssetTag), strings.TrimSpace(in.Category)
	var errs []platform.FieldError
	if !slices.Contains(Kinds, in.Kind) {
		errs = append(errs, platform.FieldError{Field: "kind", Message: "Choose desk, room or equipment"})
	}
	if in.Name == "" || len(in.Name) > 100 {
		errs = append(errs, platform.FieldError{Field: "name", Message: "Enter a name, up to 100 characters, like Desk 2.14"})
	}
	if in.Kind != KindEquipment && in.FloorID == "" {
		errs = append(errs, platform.FieldError{Field: "floor_id", Message: "Choose the floor it is on"})
	}
	if in.Capacity == 0 {
		in.Capacity = 1
	}
	if in.Capacity < 1 || in.Capacity > 1000 {
		errs = append(errs, platform.FieldError{Field: "capacity", Message: "Enter how many people it seats, from 1 to 1000"})
	}
	if (in.X < 0) != (in.Y < 0) || in.X > 1000 || in.Y > 1000 {
		errs = append(errs, platform.FieldError{Field: "x", Message: "Place it on the plan, or leave both positions empty"})
	}
	if in.X < 0 {
		in.X, in.Y = -1, -1
	}
	for _, f := range in.Features {
		if !slices.Contains(Features, f) {
			errs = append(errs, platform.FieldError{Field: "features", Message: "Choose features from the list"})
			break
		}
	}
	if len(in.AssetTag) > 50 {
		errs = append(errs, platform.FieldError{Field: "asset_tag", Message: "Enter the asset tag in 50 characters or fewer"})
	}
	if errs != nil {
		return platform.Invalid("Check the "+kindNoun(in.Kind), errs...)
	}
	slices.Sort(in.Features)
	in.Features = slices.Compact(in.Features)
	return nil
}

func kindNoun(kind string) string {
	switch kind {
	case KindDesk, KindRoom:
		return kind
	}
	return "equipment"
}

// CreateResource adds a desk, room or piece of equipment.
func (s *Store) CreateResource(ctx context.Context, sub *platform.Subject, in ResourceInput) (Resource, error) {
	if err := in.check(); err != nil {
		return Resource{}, err
	}
	r := Resource{ID: platform.NewID("res"), OrgID: sub.OrgID, Kind: in.Kind, Name: in.Name, FloorID: in.FloorID, ZoneID: in.ZoneID,
		X: in.X, Y: in.Y, Capacity: in.Capacity, Features: in.Features, Category: in.Category, AssetTag: in.AssetTag, Active: true, CreatedAt: s.now()}
	if r.Features == nil {
		r.Features = []string{}
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if in.FloorID != "" {
			if err := inOrg(tx, "workplace_floors", in.FloorID, sub.OrgID, "floor_id", "Choose one of the floors"); err != nil {
				return err
			}
		}
		if in.ZoneID != "" {
			if err := inOrg(tx, "workplace_zones", in.ZoneID, sub.OrgID, "zone_id", "Choose one of the floor's zones"); err != nil {
				return err
			}
		}
		if in.AssetTag != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_resources WHERE org_id = ? AND asset_tag = ?`, sub.OrgID, in.AssetTag).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return platform.Invalid("Check the "+kindNoun(in.Kind), platform.FieldError{Field: "asset_tag", Message: "Another item already has the asset tag " + in.AssetTag})
			}
		}
		features, _ := json.Marshal(r.Features)
		now := store.Millis(r.CreatedAt)
		_, err := tx.Exec(ctx, `INSERT INTO workplace_resources (`+resourceColumns+`, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.OrgID, r.Kind, r.Name, r.FloorID, r.ZoneID, r.X, r.Y, r.Capacity, string(features), r.Category, r.AssetTag, 1, now, now)
		if store.IsUniqueViolation(err) {
			return platform.Invalid("Check the "+kindNoun(in.Kind), platform.FieldError{Field: "name", Message: "There is already a " + kindNoun(in.Kind) + " called " + in.Name})
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "workplace.resource_create", "workplace_resource", r.ID, audit.Success)
		e.Detail = r.Kind + " " + r.Name
		return s.audit.Record(tx, e)
	})
	return r, err
}

const resourceColumns = `id, org_id, kind, name, floor_id, zone_id, x, y, capacity, features, category, asset_tag, active, created_at`

func scanResource(row interface{ Scan(...any) error }) (Resource, error) {
	var r Resource
	var features string
	var active int
	var at int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.Kind, &r.Name, &r.FloorID, &r.ZoneID, &r.X, &r.Y, &r.Capacity, &features, &r.Category, &r.AssetTag, &active, &at); err != nil {
		return r, err
	}
	r.Active, r.CreatedAt = active == 1, store.Time(at)
	if err := json.Unmarshal([]byte(features), &r.Features); err != nil {
		r.Features = nil
	}
	return r, nil
}

// Resource finds one desk, room or piece of equipment.
func (s *Store) Resource(ctx context.Context, sub *platform.Subject, id string) (Resource, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Resource{}, err
	}
	r, err := scanResource(s.db.QueryRow(ctx, `SELECT `+resourceColumns+` FROM workplace_resources WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Resource{}, platform.NotFound(kindNoun(""))
	}
	return r, err
}

// ResourceFilter narrows a list of resources; the zero value lists every
// active resource.
type ResourceFilter struct {
	Kind      string
	FloorID   string
	ZoneID    string
	Feature   string // only those with this feature
	Withdrawn bool   // include withdrawn ones
}

// Resources lists resources by floor and name.
func (s *Store) Resources(ctx context.Context, sub *platform.Subject, f ResourceFilter) ([]Resource, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	q, args := `SELECT `+resourceColumns+` FROM workplace_resources WHERE org_id = ?`, []any{sub.OrgID}
	for _, c := range []struct{ col, v string }{{"kind", f.Kind}, {"floor_id", f.FloorID}, {"zone_id", f.ZoneID}} {
		if c.v != "" {
			q, args = q+` AND `+c.col+` = ?`, append(args, c.v)
		}
	}
	if !f.Withdrawn {
		q += ` AND active = 1`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY floor_id, name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, err
		}
		if f.Feature == "" || r.Has(f.Feature) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
