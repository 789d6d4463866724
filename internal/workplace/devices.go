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

// The device inventory: the council's laptops and mobiles, who has each,
// and whether it is encrypted, compliant and still checking in. Workplace
// managers and administrators keep it; everyone else sees the devices
// assigned to them.

// Kinds of device.
var DeviceKinds = []string{"laptop", "desktop", "mobile", "tablet", "other"}

// Compliance states, as Intune reports them.
const (
	Compliant    = "compliant"
	Noncompliant = "noncompliant"
	GracePeriod  = "grace_period" // noncompliant, within the grace period to put it right
	Conflict     = "conflict"
	ComplyError  = "error"
	Unknown      = "unknown"
)

// ComplianceStates lists every compliance state.
var ComplianceStates = []string{Compliant, Noncompliant, GracePeriod, Conflict, ComplyError, Unknown}

// OutOfCompliance lists the states the out-of-compliance report shows.
var OutOfCompliance = []string{Noncompliant, GracePeriod, Conflict, ComplyError}

// Ownerships of a device, and its sources.
var (
	Ownerships    = []string{"corporate", "personal", "unknown"}
	DeviceSources = []string{"manual", "csv", "intune"}
)

// Device is one laptop, phone or other device.
type Device struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"org_id"`
	Kind         string    `json:"kind"`
	Name         string    `json:"name,omitempty"`
	PersonID     string    `json:"person_id,omitempty"` // assigned to; empty: unassigned
	PersonName   string    `json:"person_name,omitempty"`
	Manufacturer string    `json:"manufacturer,omitempty"`
	Model        string    `json:"model,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	OS           string    `json:"os,omitempty"`
	OSVersion    string    `json:"os_version,omitempty"`
	Encrypted    bool      `json:"encrypted"`
	Compliance   string    `json:"compliance"`
	LastSeen     time.Time `json:"last_check_in,omitzero"`
	Ownership    string    `json:"ownership"`
	Source       string    `json:"source"`
	ExternalID   string    `json:"external_id,omitempty"`
	Retired      bool      `json:"retired,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// DeviceInput is a device as it is entered or changed. PersonID assigns
// it (empty: unassigned).
type DeviceInput struct {
	Kind         string    `json:"kind"`
	Name         string    `json:"name,omitempty"`
	PersonID     string    `json:"person_id,omitempty"`
	Manufacturer string    `json:"manufacturer,omitempty"`
	Model        string    `json:"model,omitempty"`
	Serial       string    `json:"serial"`
	OS           string    `json:"os,omitempty"`
	OSVersion    string    `json:"os_version,omitempty"`
	Encrypted    bool      `json:"encrypted,omitempty"`
	Compliance   string    `json:"compliance,omitempty"` // default unknown
	LastSeen     time.Time `json:"last_check_in,omitzero"`
	Ownership    string    `json:"ownership,omitempty"` // default corporate
}

// check tidies the input and lists what is wrong with it, naming each
// field (the CSV import names its columns by the same names).
func (in *DeviceInput) check() []platform.FieldError {
	for _, p := range []*string{&in.Kind, &in.Name, &in.PersonID, &in.Manufacturer, &in.Model, &in.Serial, &in.OS, &in.OSVersion, &in.Compliance, &in.Ownership} {
		*p = strings.TrimSpace(*p)
	}
	in.Kind, in.Compliance, in.Ownership = strings.ToLower(in.Kind), strings.ToLower(in.Compliance), strings.ToLower(in.Ownership)
	if in.Compliance == "" {
		in.Compliance = Unknown
	}
	if in.Ownership == "" {
		in.Ownership = "corporate"
	}
	var errs []platform.FieldError
	if !slices.Contains(DeviceKinds, in.Kind) {
		errs = append(errs, platform.FieldError{Field: "kind", Message: "Choose laptop, desktop, mobile, tablet or other"})
	}
	if in.Serial == "" || len(in.Serial) > 100 {
		errs = append(errs, platform.FieldError{Field: "serial", Message: "Enter the serial number, up to 100 characters"})
	}
	for _, f := range []struct {
		name, v string
	}{{"name", in.Name}, {"manufacturer", in.Manufacturer}, {"model", in.Model}, {"os", in.OS}, {"os_version", in.OSVersion}} {
		if len(f.v) > 200 {
			errs = append(errs, platform.FieldError{Field: f.name, Message: "Enter at most 200 characters"})
		}
	}
	if !slices.Contains(ComplianceStates, in.Compliance) {
		errs = append(errs, platform.FieldError{Field: "compliance", Message: "Choose compliant, noncompliant, grace_period, conflict, error or unknown"})
	}
	if !slices.Contains(Ownerships, in.Ownership) {
		errs = append(errs, platform.FieldError{Field: "ownership", Message: "Choose corporate, personal or unknown"})
	}
	return errs
}

const deviceColumns = `id, org_id, kind, name, person_id, person_name, manufacturer, model, serial, os, os_version, encrypted, compliance, last_seen_at,
	ownership, source, external_id, retired, created_at, updated_at`

func scanDevice(row interface{ Scan(...any) error }) (Device, error) {
	var d Device
	var enc, retired int
	var seen, created, updated int64
	err := row.Scan(&d.ID, &d.OrgID, &d.Kind, &d.Name, &d.PersonID, &d.PersonName, &d.Manufacturer, &d.Model, &d.Serial, &d.OS, &d.OSVersion,
		&enc, &d.Compliance, &seen, &d.Ownership, &d.Source, &d.ExternalID, &retired, &created, &updated)
	if seen > 0 {
		d.LastSeen = store.Time(seen)
	}
	d.Encrypted, d.Retired, d.CreatedAt, d.UpdatedAt = enc == 1, retired == 1, store.Time(created), store.Time(updated)
	return d, err
}

// writeDevice inserts d, or updates it when update is set.
func writeDevice(ctx context.Context, tx *store.Tx, d Device, update bool) error {
	args := []any{d.Kind, d.Name, d.PersonID, d.PersonName, d.Manufacturer, d.Model, d.Serial, d.OS, d.OSVersion, b2i(d.Encrypted), d.Compliance,
		millisOrZero(d.LastSeen), d.Ownership, d.Source, d.ExternalID, b2i(d.Retired), store.Millis(d.UpdatedAt)}
	var err error
	if update {
		_, err = tx.Exec(ctx, `UPDATE workplace_devices SET kind = ?, name = ?, person_id = ?, person_name = ?, manufacturer = ?, model = ?, serial = ?, os = ?,
			os_version = ?, encrypted = ?, compliance = ?, last_seen_at = ?, ownership = ?, source = ?, external_id = ?, retired = ?, updated_at = ?
			WHERE id = ? AND org_id = ?`, append(args, d.ID, d.OrgID)...)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO workplace_devices (kind, name, person_id, person_name, manufacturer, model, serial, os, os_version, encrypted,
			compliance, last_seen_at, ownership, source, external_id, retired, updated_at, id, org_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, d.ID, d.OrgID, store.Millis(d.CreatedAt))...)
	}
	if store.IsUniqueViolation(err) {
		return platform.Invalid("Check the device", platform.FieldError{Field: "serial", Message: "Another device already has the serial number " + d.Serial})
	}
	return err
}

// apply copies an input onto a device, naming its person.
func (d *Device) apply(in DeviceInput, person platform.Person) {
	d.Kind, d.Name, d.Manufacturer, d.Model, d.Serial, d.OS, d.OSVersion = in.Kind, in.Name, in.Manufacturer, in.Model, in.Serial, in.OS, in.OSVersion
	d.Encrypted, d.Compliance, d.LastSeen, d.Ownership = in.Encrypted, in.Compliance, in.LastSeen, in.Ownership
	d.PersonID, d.PersonName = person.ID, person.Name
}

// person finds the member of staff a device is assigned to; "" is nobody.
func (a *Assets) person(ctx context.Context, orgID, id string) (platform.Person, error) {
	if id == "" {
		return platform.Person{}, nil
	}
	return a.staffMember(ctx, orgID, id)
}

// CreateDevice adds a device by hand.
func (a *Assets) CreateDevice(ctx context.Context, sub *platform.Subject, in DeviceInput) (Device, error) {
	if errs := in.check(); errs != nil {
		return Device{}, platform.Invalid("Check the device", errs...)
	}
	p, err := a.person(ctx, sub.OrgID, in.PersonID)
	if err != nil {
		return Device{}, err
	}
	d := Device{ID: platform.NewID("dev"), OrgID: sub.OrgID, Source: "manual", CreatedAt: a.now()}
	d.UpdatedAt = d.CreatedAt
	d.apply(in, p)
	err = a.db.Write(ctx, func(tx *store.Tx) error {
		if err := a.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := writeDevice(ctx, tx, d, false); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.device_create", "workplace_device", d.ID, audit.Success)
		e.Detail = d.Kind + " " + d.Serial
		return a.audit.Record(tx, e)
	})
	return d, err
}

// UpdateDevice changes a device's details and whom it is assigned to.
func (a *Assets) UpdateDevice(ctx context.Context, sub *platform.Subject, id string, in DeviceInput) (Device, error) {
	if errs := in.check(); errs != nil {
		return Device{}, platform.Invalid("Check the device", errs...)
	}
	p, err := a.person(ctx, sub.OrgID, in.PersonID)
	if err != nil {
		return Device{}, err
	}
	return a.changeDevice(ctx, sub, id, "update", func(d *Device) error { d.apply(in, p); return nil })
}

// Assign gives a device to a member of staff; personID "" unassigns it.
func (a *Assets) Assign(ctx context.Context, sub *platform.Subject, id, personID string) (Device, error) {
	p, err := a.person(ctx, sub.OrgID, personID)
	if err != nil {
		return Device{}, err
	}
	action := "assign"
	if personID == "" {
		action = "unassign"
	}
	return a.changeDevice(ctx, sub, id, action, func(d *Device) error {
		d.PersonID, d.PersonName = p.ID, p.Name
		return nil
	})
}

// Retire takes a device out of use (sold, destroyed, lost): it leaves the
// reports and is unassigned, and stays on record.
func (a *Assets) Retire(ctx context.Context, sub *platform.Subject, id string) (Device, error) {
	return a.changeDevice(ctx, sub, id, "retire", func(d *Device) error {
		if d.Retired {
			return platform.Errorf(platform.CodeConflict, "The device %s is retired already", d.Serial)
		}
		d.Retired, d.PersonID, d.PersonName = true, "", ""
		return nil
	})
}

func (a *Assets) changeDevice(ctx context.Context, sub *platform.Subject, id, action string, fn func(*Device) error) (Device, error) {
	var d Device
	err := a.db.Write(ctx, func(tx *store.Tx) error {
		if err := a.mayKeep(tx, sub); err != nil {
			return err
		}
		var err error
		d, err = scanDevice(tx.QueryRow(ctx, `SELECT `+deviceColumns+` FROM workplace_devices WHERE id = ? AND org_id = ?`, id, sub.OrgID))
		if store.IsNoRows(err) {
			return platform.NotFound("device")
		}
		if err != nil {
			return err
		}
		if err := fn(&d); err != nil {
			return err
		}
		d.UpdatedAt = a.now()
		if err := writeDevice(ctx, tx, d, true); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.device_"+action, "workplace_device", d.ID, audit.Success)
		e.Detail = d.Serial
		if d.PersonName != "" {
			e.Detail += " to " + d.PersonName
		}
		return a.audit.Record(tx, e)
	})
	return d, err
}

// Device finds one device: workplace managers and administrators find
// any; others only their own.
func (a *Assets) Device(ctx context.Context, sub *platform.Subject, id string) (Device, error) {
	if err := a.mayRead(ctx, sub); err != nil {
		return Device{}, err
	}
	d, err := scanDevice(a.db.QueryRow(ctx, `SELECT `+deviceColumns+` FROM workplace_devices WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) || (err == nil && !CanKeep(sub) && d.PersonID != sub.UserID) {
		return Device{}, platform.NotFound("device")
	}
	return d, err
}

// Reports of the device inventory, for DeviceFilter.Report.
const (
	ReportAll          = ""
	ReportNoncompliant = "noncompliant" // out of compliance
	ReportUnassigned   = "unassigned"
	ReportStale        = "stale" // has checked in, but not for StaleAfter
)

// StaleAfter is how long a device may go without checking in before the
// stale report lists it.
const StaleAfter = 30 * 24 * time.Hour

// DeviceFilter narrows the inventory.
type DeviceFilter struct {
	Report   string
	Kind     string
	PersonID string
	Text     string // in the serial, name, model or person's name
	Retired  bool   // retired devices only (otherwise in use only)
	After    string // cursor: DevicePage.Next
	Limit    int    // default 50, at most 10,000 (the CSV export)
}

// DevicePage is one page of devices.
type DevicePage struct {
	Devices []Device
	Next    string
}

// Devices lists devices by serial number. Workplace managers and
// administrators see the inventory; others see their own devices.
func (a *Assets) Devices(ctx context.Context, sub *platform.Subject, f DeviceFilter) (DevicePage, error) {
	if err := a.mayRead(ctx, sub); err != nil {
		return DevicePage{}, err
	}
	q, args := `SELECT `+deviceColumns+` FROM workplace_devices WHERE org_id = ? AND retired = ?`, []any{sub.OrgID, b2i(f.Retired)}
	if !CanKeep(sub) {
		f.PersonID = sub.UserID
	}
	if f.PersonID != "" {
		q, args = q+` AND person_id = ?`, append(args, f.PersonID)
	}
	if f.Kind != "" {
		q, args = q+` AND kind = ?`, append(args, f.Kind)
	}
	if t := strings.ToLower(strings.TrimSpace(f.Text)); t != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(t) + "%"
		q += ` AND (LOWER(serial) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\' OR LOWER(model) LIKE ? ESCAPE '\' OR LOWER(person_name) LIKE ? ESCAPE '\')`
		args = append(args, like, like, like, like)
	}
	switch f.Report {
	case ReportAll:
	case ReportNoncompliant:
		q += ` AND compliance IN ('` + strings.Join(OutOfCompliance, "', '") + `')`
	case ReportUnassigned:
		q += ` AND person_id = ''`
	case ReportStale:
		q, args = q+` AND last_seen_at > 0 AND last_seen_at < ?`, append(args, store.Millis(a.now().Add(-StaleAfter)))
	default:
		return DevicePage{}, platform.Invalid("Check the report", platform.FieldError{Field: "report", Message: "Choose noncompliant, unassigned or stale"})
	}
	if f.After != "" {
		serial, id, ok := strings.Cut(f.After, "|")
		if !ok {
			return DevicePage{}, platform.Invalid("Check the list", platform.FieldError{Field: "cursor", Message: "is not a cursor from this list"})
		}
		q, args = q+` AND (serial > ? OR (serial = ? AND id > ?))`, append(args, serial, serial, id)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 10000)
	rows, err := a.db.Query(ctx, q+` ORDER BY serial, id LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return DevicePage{}, err
	}
	defer rows.Close()
	var p DevicePage
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return DevicePage{}, err
		}
		p.Devices = append(p.Devices, d)
	}
	if len(p.Devices) > f.Limit {
		last := p.Devices[f.Limit-1]
		p.Devices, p.Next = p.Devices[:f.Limit], last.Serial+"|"+last.ID
	}
	return p, rows.Err()
}

// PersonDevices is one line of the devices-per-person report.
type PersonDevices struct {
	PersonID   string `json:"person_id"`
	PersonName string `json:"person_name"`
	Devices    int    `json:"devices"`
	Laptops    int    `json:"laptops"`
	Mobiles    int    `json:"mobiles"`
}

// DevicesPerPerson counts the devices in use assigned to each person,
// most first: two laptops for one person is worth a question.
func (a *Assets) DevicesPerPerson(ctx context.Context, sub *platform.Subject) ([]PersonDevices, error) {
	if !CanKeep(sub) {
		return nil, platform.Errorf(platform.CodeForbidden, "Only workplace managers see the devices per person")
	}
	if err := a.mayRead(ctx, sub); err != nil {
		return nil, err
	}
	rows, err := a.db.Query(ctx, `SELECT person_id, MAX(person_name), COUNT(*), SUM(CASE WHEN kind = 'laptop' THEN 1 ELSE 0 END),
		SUM(CASE WHEN kind IN ('mobile', 'tablet') THEN 1 ELSE 0 END) FROM workplace_devices
		WHERE org_id = ? AND retired = 0 AND person_id <> '' GROUP BY person_id ORDER BY COUNT(*) DESC, MAX(person_name)`, sub.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PersonDevices
	for rows.Next() {
		var p PersonDevices
		if err := rows.Scan(&p.PersonID, &p.PersonName, &p.Devices, &p.Laptops, &p.Mobiles); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
