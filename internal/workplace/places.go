package workplace

import (
	"context"
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
	ID        string    `json:"id"`
	OrgID     string    `json:"-"`
	Name      string    `json:"name"`
	UPRN      string    `json:"uprn"` // Unique Property Reference Number, twelve digits at most
	Address   string    `json:"address"`
	Withdrawn bool      `json:"withdrawn"` // no longer in use; kept for history
	CreatedAt time.Time `json:"created_at"`
}

// Floor is a floor of a building, with its plan picture if one was given.
type Floor struct {
	ID         string `json:"id"`
	OrgID      string `json:"-"`
	BuildingID string `json:"building_id"`
	Name       string `json:"name"`
	Level      int    `json:"level"`
	PlanBlobID string `json:"-"`
	PlanType   string `json:"plan_type,omitempty"` // image/svg+xml or image/png
	// PlanWidth and PlanHeight are the picture's size in its own units
	// (pixels, or the SVG's viewBox), for its aspect ratio.
	PlanWidth  int  `json:"plan_width,omitempty"`
	PlanHeight int  `json:"plan_height,omitempty"`
	Withdrawn  bool `json:"withdrawn"`
}

// HasPlan reports whether the floor has a plan picture.
func (f Floor) HasPlan() bool { return f.PlanBlobID != "" }

// Zone is an area of a floor; a team neighbourhood when UnitID is set.
type Zone struct {
	ID        string `json:"id"`
	OrgID     string `json:"-"`
	FloorID   string `json:"floor_id"`
	Name      string `json:"name"`
	UnitID    string `json:"business_unit_id,omitempty"`
	Withdrawn bool   `json:"withdrawn"`
}

// Resource is a desk, a meeting room or a piece of loanable equipment.
type Resource struct {
	ID      string `json:"id"`
	OrgID   string `json:"-"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	FloorID string `json:"floor_id,omitempty"`
	ZoneID  string `json:"zone_id,omitempty"`
	// X and Y place it on its floor's plan, in thousandths of the plan's
	// width and height; -1 when it is not placed.
	X        int      `json:"x"`
	Y        int      `json:"y"`
	Capacity int      `json:"capacity"`
	Features []string `json:"features"`
	Category string   `json:"category,omitempty"` // equipment: laptop, headset, monitor...
	AssetTag string   `json:"asset_tag,omitempty"`
	// NeedsApproval, when set, overrides the kind's booking rules for
	// this desk or room alone: true, every booking waits for a manager's
	// approval; false, none does. Left out (nil), the kind's rules decide.
	NeedsApproval *bool     `json:"needs_approval,omitempty"`
	Active        bool      `json:"active"` // false: withdrawn, kept for history
	CreatedAt     time.Time `json:"created_at"`
}

// Placed reports whether the resource has a place on its floor's plan.
func (r Resource) Placed() bool { return r.X >= 0 && r.Y >= 0 }

// Has reports whether the resource has a feature.
func (r Resource) Has(feature string) bool { return slices.Contains(r.Features, feature) }

// BuildingInput is what a building is made from.
type BuildingInput struct {
	Name    string `json:"name"`
	UPRN    string `json:"uprn,omitempty"`
	Address string `json:"address,omitempty"`
}

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

const buildingColumns = `id, org_id, name, uprn, address, withdrawn_at, created_at`

func scanBuilding(row interface{ Scan(...any) error }) (Building, error) {
	var b Building
	var gone, at int64
	err := row.Scan(&b.ID, &b.OrgID, &b.Name, &b.UPRN, &b.Address, &gone, &at)
	b.Withdrawn, b.CreatedAt = gone != 0, store.Time(at)
	return b, err
}

// Buildings lists the organisation's buildings in use, by name.
func (s *Store) Buildings(ctx context.Context, sub *platform.Subject) ([]Building, error) {
	return s.buildings(ctx, sub, `withdrawn_at = 0`)
}

// WithdrawnBuildings lists the buildings no longer in use, by name.
func (s *Store) WithdrawnBuildings(ctx context.Context, sub *platform.Subject) ([]Building, error) {
	return s.buildings(ctx, sub, `withdrawn_at <> 0`)
}

func (s *Store) buildings(ctx context.Context, sub *platform.Subject, cond string) ([]Building, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+buildingColumns+` FROM workplace_buildings WHERE org_id = ? AND `+cond+` ORDER BY name`, sub.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Building
	for rows.Next() {
		b, err := scanBuilding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Building finds one building, withdrawn or not.
func (s *Store) Building(ctx context.Context, sub *platform.Subject, id string) (Building, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Building{}, err
	}
	b, err := scanBuilding(s.db.QueryRow(ctx, `SELECT `+buildingColumns+` FROM workplace_buildings WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Building{}, platform.NotFound("building")
	}
	return b, err
}

// FloorInput is what a floor is made from.
type FloorInput struct {
	BuildingID string `json:"building_id"`
	Name       string `json:"name"`
	Level      int    `json:"level"`
}

func (in *FloorInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	var errs []platform.FieldError
	if in.Name == "" || len(in.Name) > 100 {
		errs = append(errs, platform.FieldError{Field: "name", Message: "Enter the floor's name, like Ground floor, up to 100 characters"})
	}
	if in.Level < -10 || in.Level > 200 {
		errs = append(errs, platform.FieldError{Field: "level", Message: "Enter the level as a whole number from -10 to 200 (0 is the ground floor)"})
	}
	if errs != nil {
		return platform.Invalid("Check the floor", errs...)
	}
	return nil
}

// CreateFloor adds a floor to a building.
func (s *Store) CreateFloor(ctx context.Context, sub *platform.Subject, in FloorInput) (Floor, error) {
	if err := in.check(); err != nil {
		return Floor{}, err
	}
	f := Floor{ID: platform.NewID("flr"), OrgID: sub.OrgID, BuildingID: in.BuildingID, Name: in.Name, Level: in.Level}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := inOrg(tx, "workplace_buildings", in.BuildingID, sub.OrgID, "building_id", "Choose one of the buildings in use"); err != nil {
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

const floorColumns = `id, org_id, building_id, name, level, plan_blob_id, plan_type, plan_width, plan_height, withdrawn_at`

func scanFloor(row interface{ Scan(...any) error }) (Floor, error) {
	var f Floor
	var gone int64
	err := row.Scan(&f.ID, &f.OrgID, &f.BuildingID, &f.Name, &f.Level, &f.PlanBlobID, &f.PlanType, &f.PlanWidth, &f.PlanHeight, &gone)
	f.Withdrawn = gone != 0
	return f, err
}

// Floors lists a building's floors in use, lowest first; buildingID ""
// lists every floor in use in the organisation.
func (s *Store) Floors(ctx context.Context, sub *platform.Subject, buildingID string) ([]Floor, error) {
	return s.floors(ctx, sub, buildingID, false)
}

// AllFloors lists a building's floors, withdrawn ones too.
func (s *Store) AllFloors(ctx context.Context, sub *platform.Subject, buildingID string) ([]Floor, error) {
	return s.floors(ctx, sub, buildingID, true)
}

func (s *Store) floors(ctx context.Context, sub *platform.Subject, buildingID string, withdrawn bool) ([]Floor, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	q, args := `SELECT `+floorColumns+` FROM workplace_floors WHERE org_id = ?`, []any{sub.OrgID}
	if buildingID != "" {
		q, args = q+` AND building_id = ?`, append(args, buildingID)
	}
	if !withdrawn {
		q += ` AND withdrawn_at = 0`
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

// Floor finds one floor, withdrawn or not.
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
// neighbourhood (the web layer checks it names one of the directory's
// business units).
type ZoneInput struct {
	FloorID string `json:"floor_id"`
	Name    string `json:"name"`
	UnitID  string `json:"business_unit_id,omitempty"`
}

func (in *ZoneInput) check() error {
	in.Name, in.UnitID = strings.TrimSpace(in.Name), strings.TrimSpace(in.UnitID)
	if in.Name == "" || len(in.Name) > 100 {
		return platform.Invalid("Check the zone", platform.FieldError{Field: "name", Message: "Enter the zone's name, up to 100 characters"})
	}
	return nil
}

// CreateZone adds a zone to a floor.
func (s *Store) CreateZone(ctx context.Context, sub *platform.Subject, in ZoneInput) (Zone, error) {
	if err := in.check(); err != nil {
		return Zone{}, err
	}
	z := Zone{ID: platform.NewID("zon"), OrgID: sub.OrgID, FloorID: in.FloorID, Name: in.Name, UnitID: in.UnitID}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := inOrg(tx, "workplace_floors", in.FloorID, sub.OrgID, "floor_id", "Choose one of the floors in use"); err != nil {
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

const zoneColumns = `id, org_id, floor_id, name, unit_id, withdrawn_at`

func scanZone(row interface{ Scan(...any) error }) (Zone, error) {
	var z Zone
	var gone int64
	err := row.Scan(&z.ID, &z.OrgID, &z.FloorID, &z.Name, &z.UnitID, &gone)
	z.Withdrawn = gone != 0
	return z, err
}

// Zones lists a floor's zones in use by name; floorID "" lists every zone
// in use.
func (s *Store) Zones(ctx context.Context, sub *platform.Subject, floorID string) ([]Zone, error) {
	return s.zones(ctx, sub, floorID, false)
}

// AllZones lists a floor's zones, withdrawn ones too, so that resources
// withdrawn with them still show where they were.
func (s *Store) AllZones(ctx context.Context, sub *platform.Subject, floorID string) ([]Zone, error) {
	return s.zones(ctx, sub, floorID, true)
}

func (s *Store) zones(ctx context.Context, sub *platform.Subject, floorID string, withdrawn bool) ([]Zone, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	q, args := `SELECT `+zoneColumns+` FROM workplace_zones WHERE org_id = ?`, []any{sub.OrgID}
	if floorID != "" {
		q, args = q+` AND floor_id = ?`, append(args, floorID)
	}
	if !withdrawn {
		q += ` AND withdrawn_at = 0`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Zone
	for rows.Next() {
		z, err := scanZone(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

// Zone finds one zone, withdrawn or not.
func (s *Store) Zone(ctx context.Context, sub *platform.Subject, id string) (Zone, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Zone{}, err
	}
	z, err := scanZone(s.db.QueryRow(ctx, `SELECT `+zoneColumns+` FROM workplace_zones WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Zone{}, platform.NotFound("zone")
	}
	return z, err
}

// inOrg checks that id names a row in use (not withdrawn) of table in the
// organisation, or says which field to correct. Every table it is used
// on (buildings, floors, zones) has withdrawn_at.
func inOrg(tx *store.Tx, table, id, orgID, field, msg string) error {
	var n int
	err := tx.QueryRow(tx.Context(), `SELECT COUNT(*) FROM `+table+` WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, id, orgID).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return platform.Invalid(msg, platform.FieldError{Field: field, Message: msg})
	}
	return nil
}

// Check says what is wrong with the input without writing anything.
func (in FloorInput) Check() error { return in.check() }
