package workplace

import (
	"context"
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Kinds of sensor.
const (
	SensorOccupancy   = "occupancy"   // a desk or room presence sensor, or a people counter
	SensorEnvironment = "environment" // temperature, humidity, CO2
)

// What a sensor is mapped to.
const (
	TargetResource = "resource" // a desk or a room
	TargetZone     = "zone"
)

// Sensor is one device in the registry. Its secret is never kept: only
// its hash, which never leaves the engine.
type Sensor struct {
	ID, OrgID  string
	Name       string
	Kind       string
	TargetKind string // TargetResource, TargetZone or "" when unmapped
	TargetID   string
	TargetName string // the desk's, room's or zone's name, for pages
	RevokedAt  time.Time
	LastSeenAt time.Time
	CreatedAt  time.Time
}

// Revoked reports whether the sensor's credential was withdrawn.
func (s Sensor) Revoked() bool { return !s.RevokedAt.IsZero() }

// SensorInput is what a sensor is registered with.
type SensorInput struct {
	Name, Kind string
	TargetKind string
	TargetID   string
}

func (in *SensorInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	var errs []platform.FieldError
	if in.Name == "" || len(in.Name) > 100 {
		errs = append(errs, platform.FieldError{Field: "name", Message: "Enter the sensor's name, up to 100 characters, like Desk 2.14 sensor"})
	}
	if in.Kind != SensorOccupancy && in.Kind != SensorEnvironment {
		errs = append(errs, platform.FieldError{Field: "kind", Message: "Choose occupancy or environment"})
	}
	if err := checkTarget(in.TargetKind, in.TargetID); err != nil {
		errs = append(errs, *err)
	}
	if errs != nil {
		return platform.Invalid("Check the sensor", errs...)
	}
	return nil
}

func checkTarget(kind, id string) *platform.FieldError {
	if (kind == "") != (id == "") || (kind != "" && kind != TargetResource && kind != TargetZone) {
		return &platform.FieldError{Field: "target", Message: "Choose the desk, room or zone the sensor is in"}
	}
	return nil
}

// checkTargetTx checks the mapping names a desk or room, or a zone, of the
// organisation.
func checkTargetTx(tx *store.Tx, orgID, kind, id string) error {
	switch kind {
	case TargetResource:
		var k string
		err := tx.QueryRow(tx.Context(), `SELECT kind FROM workplace_resources WHERE id = ? AND org_id = ?`, id, orgID).Scan(&k)
		if store.IsNoRows(err) || (err == nil && k == KindEquipment) {
			return platform.Invalid("Check the sensor", platform.FieldError{Field: "target", Message: "Choose one of the desks or rooms"})
		}
		return err
	case TargetZone:
		return inOrg(tx, "workplace_zones", id, orgID, "target", "Choose one of the zones")
	}
	return nil
}

// CreateSensor registers a sensor and returns it with its secret, which
// is shown this once and kept only as a hash.
func (s *Store) CreateSensor(ctx context.Context, sub *platform.Subject, in SensorInput) (Sensor, string, error) {
	if err := in.check(); err != nil {
		return Sensor{}, "", err
	}
	secret := newSecret()
	sn := Sensor{ID: platform.NewID("sns"), OrgID: sub.OrgID, Name: in.Name, Kind: in.Kind, TargetKind: in.TargetKind, TargetID: in.TargetID, CreatedAt: s.now()}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := checkTargetTx(tx, sub.OrgID, in.TargetKind, in.TargetID); err != nil {
			return err
		}
		now := store.Millis(sn.CreatedAt)
		_, err := tx.Exec(ctx, `INSERT INTO workplace_sensors (id, org_id, name, kind, target_kind, target_id, secret_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sn.ID, sn.OrgID, sn.Name, sn.Kind, sn.TargetKind, sn.TargetID, hashSecret(secret), now, now)
		if store.IsUniqueViolation(err) {
			return platform.Invalid("Check the sensor", platform.FieldError{Field: "name", Message: "There is already a sensor called " + in.Name})
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "workplace.sensor_register", "sensor", sn.ID, audit.Success)
		e.Detail = sn.Kind + " sensor " + sn.Name + mappedTo(sn.TargetKind, sn.TargetID)
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return Sensor{}, "", err
	}
	return sn, secret, nil
}

func mappedTo(kind, id string) string {
	if id == "" {
		return ", not mapped"
	}
	return ", mapped to " + kind + " " + id
}

// RevokeSensor withdraws a sensor's credential: it can no longer connect
// or send, and what it sends is dead-lettered. Its readings stay.
func (s *Store) RevokeSensor(ctx context.Context, sub *platform.Subject, id string) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		now := store.Millis(s.now())
		res, err := tx.Exec(ctx, `UPDATE workplace_sensors SET revoked_at = ?, updated_at = ? WHERE id = ? AND org_id = ? AND revoked_at = 0`, now, now, id, sub.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var revoked int64
			if err := tx.QueryRow(ctx, `SELECT revoked_at FROM workplace_sensors WHERE id = ? AND org_id = ?`, id, sub.OrgID).Scan(&revoked); store.IsNoRows(err) {
				return platform.NotFound("sensor")
			} else if err != nil {
				return err
			}
			return nil // revoked already
		}
		tx.AfterCommit(func() { s.creds.forget(id) })
		return s.audit.Record(tx, audit.For(sub, "workplace.sensor_revoke", "sensor", id, audit.Success))
	})
	return err
}

// MapSensor moves a sensor to another desk, room or zone (or none, with
// empty kind and id). Readings already taken stay with the old place.
func (s *Store) MapSensor(ctx context.Context, sub *platform.Subject, id, targetKind, targetID string) error {
	if fe := checkTarget(targetKind, targetID); fe != nil {
		return platform.Invalid("Check the sensor", *fe)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := checkTargetTx(tx, sub.OrgID, targetKind, targetID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE workplace_sensors SET target_kind = ?, target_id = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			targetKind, targetID, store.Millis(s.now()), id, sub.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.NotFound("sensor")
		}
		tx.AfterCommit(func() { s.creds.forget(id) })
		e := audit.For(sub, "workplace.sensor_map", "sensor", id, audit.Success)
		e.Detail = strings.TrimPrefix(mappedTo(targetKind, targetID), ", ")
		return s.audit.Record(tx, e)
	})
}

const sensorColumns = `s.id, s.org_id, s.name, s.kind, s.target_kind, s.target_id, COALESCE(r.name, z.name, ''), s.revoked_at, s.last_seen_at, s.created_at`

const sensorFrom = ` FROM workplace_sensors s
	LEFT JOIN workplace_resources r ON s.target_kind = 'resource' AND r.id = s.target_id
	LEFT JOIN workplace_zones z ON s.target_kind = 'zone' AND z.id = s.target_id`

func scanSensor(row interface{ Scan(...any) error }) (Sensor, error) {
	var sn Sensor
	var revoked, seen, created int64
	err := row.Scan(&sn.ID, &sn.OrgID, &sn.Name, &sn.Kind, &sn.TargetKind, &sn.TargetID, &sn.TargetName, &revoked, &seen, &created)
	if revoked > 0 {
		sn.RevokedAt = store.Time(revoked)
	}
	if seen > 0 {
		sn.LastSeenAt = store.Time(seen)
	}
	sn.CreatedAt = store.Time(created)
	return sn, err
}

// mayKeepRead checks that sub keeps the estate, for reads only keepers
// make (the sensor registry, dead letters); a refusal is audited. It asks
// for reading, so a read-only API token of a workplace manager may list.
func (s *Store) mayKeepRead(ctx context.Context, sub *platform.Subject) error {
	if err := s.mayRead(ctx, sub); err != nil {
		return err
	}
	if !CanKeep(sub) {
		// Refused either way; the check records the refusal.
		if err := s.access.Check(ctx, sub, access.Update, estate(sub.OrgID)); err != nil && platform.CodeOf(err) != platform.CodeForbidden {
			return err
		}
		return platform.Errorf(platform.CodeForbidden, "Only workplace managers see the sensors")
	}
	return nil
}

// Sensors lists the organisation's sensors by name, for workplace managers.
func (s *Store) Sensors(ctx context.Context, sub *platform.Subject) ([]Sensor, error) {
	if err := s.mayKeepRead(ctx, sub); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+sensorColumns+sensorFrom+` WHERE s.org_id = ? ORDER BY s.name`, sub.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Sensor{}
	for rows.Next() {
		sn, err := scanSensor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

// Sensor finds one sensor.
func (s *Store) Sensor(ctx context.Context, sub *platform.Subject, id string) (Sensor, error) {
	if err := s.mayKeepRead(ctx, sub); err != nil {
		return Sensor{}, err
	}
	sn, err := scanSensor(s.db.QueryRow(ctx, `SELECT `+sensorColumns+sensorFrom+` WHERE s.id = ? AND s.org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Sensor{}, platform.NotFound("sensor")
	}
	return sn, err
}

// SensorAuth is what a sensor's credential check yields: who it is and
// where it is, for the ingestion path.
type SensorAuth struct {
	ID, OrgID, Kind string
	TargetID        string
}

// credCache remembers sensors for a short while, so a burst of messages
// costs one lookup per sensor; revocation and mapping on this node forget
// at once, on another node within credTTL (and the write that stores a
// reading checks revocation again, so nothing from a revoked sensor is
// kept after its revocation commits).
type credCache struct {
	mu sync.Mutex
	m  map[string]credEntry
}

type credEntry struct {
	auth    SensorAuth
	hash    string
	revoked bool
	until   time.Time
}

const credTTL = 30 * time.Second

func (c *credCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// Errors of a sensor's credential check, as dead-letter reasons.
var (
	ErrUnknownSensor = platform.Errorf(platform.CodeUnauthorized, "unknown sensor")
	ErrBadSecret     = platform.Errorf(platform.CodeUnauthorized, "wrong credential")
	ErrRevoked       = platform.Errorf(platform.CodeUnauthorized, "revoked credential")
)

// lookupSensor reads one sensor's credential record, cached.
func (s *Store) lookupSensor(ctx context.Context, id string) (credEntry, error) {
	now := time.Now()
	s.creds.mu.Lock()
	e, ok := s.creds.m[id]
	s.creds.mu.Unlock()
	if ok && now.Before(e.until) {
		return e, nil
	}
	var revoked int64
	e = credEntry{until: now.Add(credTTL)}
	err := s.db.QueryRow(ctx, `SELECT id, org_id, kind, target_id, secret_hash, revoked_at FROM workplace_sensors WHERE id = ?`, id).
		Scan(&e.auth.ID, &e.auth.OrgID, &e.auth.Kind, &e.auth.TargetID, &e.hash, &revoked)
	if store.IsNoRows(err) {
		return credEntry{}, ErrUnknownSensor
	}
	if err != nil {
		return credEntry{}, err
	}
	e.revoked = revoked > 0
	s.creds.mu.Lock()
	if s.creds.m == nil || len(s.creds.m) > 100_000 {
		s.creds.m = map[string]credEntry{} // bounded: a flood of made-up IDs cannot grow it
	}
	s.creds.m[id] = e
	s.creds.mu.Unlock()
	return e, nil
}

// AuthenticateSensor checks a sensor's ID and secret. A known sensor's
// failure comes back with its SensorAuth, so the caller can dead-letter
// what it sent in the right organisation.
func (s *Store) AuthenticateSensor(ctx context.Context, id, secret string) (SensorAuth, error) {
	if id == "" || len(id) > 64 {
		return SensorAuth{}, ErrUnknownSensor
	}
	e, err := s.lookupSensor(ctx, id)
	if err != nil {
		return SensorAuth{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(e.hash)) != 1 {
		return e.auth, ErrBadSecret
	}
	if e.revoked {
		return e.auth, ErrRevoked
	}
	return e.auth, nil
}
