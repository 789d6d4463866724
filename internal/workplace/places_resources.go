package workplace

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// ResourceInput is what a desk, room or piece of equipment is made from.
type ResourceInput struct {
	Kind, Name      string
	FloorID, ZoneID string
	X, Y            int // -1: not placed
	Capacity        int
	Features        []string
	Category        string
	AssetTag        string
	// NeedsApproval overrides the kind's rules for this desk or room: nil
	// follows them (equipment is lent, not booked, so it has none).
	NeedsApproval *bool
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
		errs = append(errs, platform.FieldError{Field: "x", Message: "Place it on the plan with both positions from 0 to 1000, or leave both empty"})
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
	if len(in.Category) > 50 {
		errs = append(errs, platform.FieldError{Field: "category", Message: "Enter the category in 50 characters or fewer, like laptop"})
	}
	if len(in.AssetTag) > 50 {
		errs = append(errs, platform.FieldError{Field: "asset_tag", Message: "Enter the asset tag in 50 characters or fewer"})
	}
	if in.Kind == KindEquipment && in.NeedsApproval != nil {
		errs = append(errs, platform.FieldError{Field: "approval", Message: "Equipment is lent, not booked, so it has no approval: leave approval to the booking rules"})
	}
	if errs != nil {
		return platform.Invalid("Check the "+kindNoun(in.Kind), errs...)
	}
	slices.Sort(in.Features)
	in.Features = slices.Compact(in.Features)
	if in.Features == nil {
		in.Features = []string{}
	}
	return nil
}

func kindNoun(kind string) string {
	switch kind {
	case KindDesk, KindRoom:
		return kind
	}
	return "equipment"
}

// checkPlace checks, inside a write, that the floor and zone a resource
// is put on are in use in the organisation and that the zone is on the
// floor, and that its asset tag is not another item's.
func checkPlace(tx *store.Tx, orgID, id string, in ResourceInput) error {
	ctx := tx.Context()
	if in.FloorID != "" {
		if err := inOrg(tx, "workplace_floors", in.FloorID, orgID, "floor_id", "Choose one of the floors in use"); err != nil {
			return err
		}
	}
	if in.ZoneID != "" {
		var floor string
		err := tx.QueryRow(ctx, `SELECT floor_id FROM workplace_zones WHERE id = ? AND org_id = ? AND withdrawn_at = 0`, in.ZoneID, orgID).Scan(&floor)
		if store.IsNoRows(err) || (err == nil && floor != in.FloorID) {
			return platform.Invalid("Choose one of the floor's zones", platform.FieldError{Field: "zone_id", Message: "Choose one of the floor's zones, or none"})
		}
		if err != nil {
			return err
		}
	}
	if in.AssetTag != "" {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_resources WHERE org_id = ? AND asset_tag = ? AND id <> ?`, orgID, in.AssetTag, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return platform.Invalid("Check the "+kindNoun(in.Kind), platform.FieldError{Field: "asset_tag", Message: "Another item already has the asset tag " + in.AssetTag})
		}
	}
	return nil
}

func nameTaken(in ResourceInput) error {
	return platform.Invalid("Check the "+kindNoun(in.Kind), platform.FieldError{Field: "name",
		Message: "There is already a " + kindNoun(in.Kind) + " called " + in.Name + " (perhaps withdrawn): choose another name"})
}

// CreateResource adds a desk, room or piece of equipment.
func (s *Store) CreateResource(ctx context.Context, sub *platform.Subject, in ResourceInput) (Resource, error) {
	if err := in.check(); err != nil {
		return Resource{}, err
	}
	r := Resource{ID: platform.NewID("res"), OrgID: sub.OrgID, Kind: in.Kind, Name: in.Name, FloorID: in.FloorID, ZoneID: in.ZoneID,
		X: in.X, Y: in.Y, Capacity: in.Capacity, Features: in.Features, Category: in.Category, AssetTag: in.AssetTag,
		NeedsApproval: in.NeedsApproval, Active: true, CreatedAt: s.now()}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := checkPlace(tx, sub.OrgID, r.ID, in); err != nil {
			return err
		}
		features, _ := json.Marshal(r.Features)
		now := store.Millis(r.CreatedAt)
		_, err := tx.Exec(ctx, `INSERT INTO workplace_resources (`+resourceColumns+`, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.OrgID, r.Kind, r.Name, r.FloorID, r.ZoneID, r.X, r.Y, r.Capacity, string(features), r.Category, r.AssetTag, approvalInt(r.NeedsApproval), 1, now, now)
		if store.IsUniqueViolation(err) {
			return nameTaken(in)
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "workplace.resource_create", "workplace_resource", r.ID, audit.Success)
		e.Detail = r.Kind + " " + r.Name + approvalDetail(r.NeedsApproval)
		return s.audit.Record(tx, e)
	})
	return r, err
}

const resourceColumns = `id, org_id, kind, name, floor_id, zone_id, x, y, capacity, features, category, asset_tag, needs_approval, active, created_at`

func scanResource(row interface{ Scan(...any) error }) (Resource, error) {
	var r Resource
	var features string
	var active, approval int
	var at int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.Kind, &r.Name, &r.FloorID, &r.ZoneID, &r.X, &r.Y, &r.Capacity, &features, &r.Category, &r.AssetTag, &approval, &active, &at); err != nil {
		return r, err
	}
	r.Active, r.CreatedAt, r.NeedsApproval = active == 1, store.Time(at), approvalPtr(approval)
	if err := json.Unmarshal([]byte(features), &r.Features); err != nil || r.Features == nil {
		r.Features = []string{}
	}
	return r, nil
}

// Resource finds one desk, room or piece of equipment, withdrawn or not.
func (s *Store) Resource(ctx context.Context, sub *platform.Subject, id string) (Resource, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Resource{}, err
	}
	r, err := scanResource(s.db.QueryRow(ctx, `SELECT `+resourceColumns+` FROM workplace_resources WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Resource{}, platform.NotFound("desk, room or equipment")
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
	// After is the sort key (floor ID, name, ID) of the last resource of
	// the previous page; Limit is the page's size (0: every resource).
	After []string
	Limit int
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
	if f.Feature != "" {
		// Features are a JSON list of known words: matching the quoted
		// word cannot match another feature.
		q, args = q+` AND features LIKE ?`, append(args, `%"`+strings.NewReplacer(`%`, ``, `_`, ``, `"`, ``).Replace(f.Feature)+`"%`)
	}
	if !f.Withdrawn {
		q += ` AND active = 1`
	}
	if len(f.After) == 3 {
		q += ` AND (floor_id > ? OR (floor_id = ? AND (name > ? OR (name = ? AND id > ?))))`
		args = append(args, f.After[0], f.After[0], f.After[1], f.After[1], f.After[2])
	}
	q += ` ORDER BY floor_id, name, id`
	if f.Limit > 0 {
		q, args = q+` LIMIT ?`, append(args, f.Limit)
	}
	rows, err := s.db.Query(ctx, q, args...)
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
		out = append(out, r)
	}
	return out, rows.Err()
}

// approvalInt stores a resource's own approval setting: -1 none (the
// kind's rules decide), 0 never, 1 always.
func approvalInt(p *bool) int {
	if p == nil {
		return -1
	}
	return b2i(*p)
}

func approvalPtr(v int) *bool {
	if v < 0 {
		return nil
	}
	b := v == 1
	return &b
}

// approvalDetail says a resource's own approval setting for its audit entry.
func approvalDetail(p *bool) string {
	switch {
	case p == nil:
		return ""
	case *p:
		return " (every booking needs approval)"
	}
	return " (no booking needs approval)"
}

// ForResource is the rules as they apply to one desk or room: its own
// approval setting, when it has one, overrides its kind's.
func (r Rules) ForResource(res Resource) Rules {
	if res.NeedsApproval != nil {
		r.NeedsApproval = *res.NeedsApproval
	}
	return r
}

// SortKey is the resource's place in a list, for a cursor.
func (r Resource) SortKey() []string { return []string{r.FloorID, r.Name, r.ID} }

// Check says what is wrong with the input without writing anything, so a
// form can show every problem at once.
func (in ResourceInput) Check() error { return in.check() }
