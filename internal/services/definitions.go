package services

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Published is one published version of a service definition. Def is shared
// with the engine's cache and with other callers: treat it as read-only.
type Published struct {
	Def         *definition.Definition `json:"definition"`
	Source      []byte                 `json:"-"` // the YAML as published; only GetDefinition fills it
	Builtin     bool                   `json:"builtin"`
	PublishedBy string                 `json:"published_by"`
	PublishedAt time.Time              `json:"published_at"`
}

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
	prefixPattern = regexp.MustCompile(`^[A-Z]{2,8}$`)
)

// maxSource bounds a definition's YAML; a real one is a few kilobytes.
const maxSource = 1 << 20

// checkDefinition holds the engine to what it relies on when running a
// definition. The definition package's loader reports every authoring
// problem with its line; this is the last line of defence for a definition
// built in code or loaded by a buggy caller, so that a published version can
// never make a case unrunnable.
func checkDefinition(def *definition.Definition, source []byte) error {
	if def == nil {
		return platform.Invalid("Choose a definition to publish", platform.FieldError{Field: "definition", Message: "is required"})
	}
	var bad []platform.FieldError
	add := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	if !slugPattern.MatchString(def.ID) {
		add("id", "must be 1 to 64 lower-case letters, digits or hyphens")
	}
	if def.Version < 1 {
		add("version", "must be 1 or more")
	}
	if def.Title == "" {
		add("title", "is required")
	}
	if !prefixPattern.MatchString(def.ReferencePrefix) {
		add("reference_prefix", "must be 2 to 8 capital letters, e.g. COMP")
	}
	if _, ok := platform.ParseClassification(string(def.Classification)); !ok {
		add("classification", "must be OFFICIAL or OFFICIAL-SENSITIVE")
	}
	if len(source) > maxSource {
		add("source", "must be at most 1 MiB")
	}
	fields := map[string]bool{}
	for _, f := range def.Fields {
		fields[f.ID] = true
	}
	states := map[string]bool{}
	for i, st := range def.Workflow.States {
		if st.ID == "" || states[st.ID] {
			add(fmt.Sprintf("workflow.states[%d].id", i), "must be present and unique")
		}
		states[st.ID] = true
		if st.SLADays < 0 || st.AtRiskDays < 0 {
			add(fmt.Sprintf("workflow.states[%d].sla_days", i), "must not be negative")
		}
	}
	if !states[def.Workflow.Initial] {
		add("workflow.initial", "must name one of the states")
	}
	ids := map[string]bool{}
	for i, t := range def.Workflow.Transitions {
		p := fmt.Sprintf("workflow.transitions[%d]", i)
		if t.ID == "" || ids[t.ID] {
			add(p+".id", "must be present and unique")
		}
		ids[t.ID] = true
		if !states[t.To] {
			add(p+".to", "must name one of the states")
		}
		for _, f := range t.From {
			if !states[f] {
				add(p+".from", "must name states of the workflow")
				break
			}
		}
		for _, r := range t.Requires {
			if !fields[r] {
				add(p+".requires", "must name fields of the definition")
				break
			}
		}
	}
	if dl := def.Workflow.Deadline; dl != nil {
		// The engine counts from these: one length, not negative; an
		// extension by a transition that exists.
		if dl.CalendarMonths < 0 || dl.WorkingDays < 0 || (dl.CalendarMonths > 0) == (dl.WorkingDays > 0) || dl.AtRiskDays < 0 {
			add("workflow.deadline", "must give calendar_months or working_days, not both, and nothing negative")
		}
		if x := dl.Extension; x != nil && (!ids[x.Transition] || x.CalendarMonths < 0 || x.WorkingDays < 0) {
			add("workflow.deadline.extension", "must name a transition of the workflow and not be negative")
		}
	}
	if len(bad) > 0 {
		return platform.Invalid("Check the definition", bad...)
	}
	return nil
}

// PublishDefinition publishes a new version of a service in the subject's
// organisation. Only admins may; the version must be greater than every
// version already published; the YAML source is kept as given.
func (s *Service) PublishDefinition(ctx context.Context, sub *platform.Subject, def *definition.Definition, source []byte) (Published, error) {
	if err := needOrg(sub); err != nil {
		return Published{}, err
	}
	if err := checkDefinition(def, source); err != nil {
		return Published{}, err
	}
	if err := s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "service_definition", ID: def.ID, OrgID: sub.OrgID}); err != nil {
		return Published{}, err
	}
	if err := s.checkUnits(ctx, sub.OrgID, def); err != nil {
		return Published{}, err
	}
	body, err := json.Marshal(def)
	if err != nil {
		return Published{}, platform.Internal(err)
	}
	p := Published{Def: def, Source: source, PublishedBy: sub.UserID, PublishedAt: s.now()}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		latest, err := latestVersion(ctx, tx, sub.OrgID, def.ID)
		if err != nil {
			return err
		}
		if def.Version <= latest {
			return &platform.Error{Code: platform.CodeConflict,
				Message: fmt.Sprintf("version %d of %s is already published; publish version %d or later", latest, def.ID, latest+1),
				Fields:  []platform.FieldError{{Field: "version", Message: "must be greater than " + strconv.Itoa(latest)}}}
		}
		if err := insertDefinition(ctx, tx, sub.OrgID, def, body, source, false, sub.UserID, p.PublishedAt); err != nil {
			return err
		}
		e := audit.For(sub, "service_definition.publish", "service_definition", def.ID, audit.Success)
		e.Detail = fmt.Sprintf("published %s version %d", def.ID, def.Version)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Published{}, asPlatform(err)
	}
	s.latest.forget(sub.OrgID + "\x00" + def.ID)
	return p, nil
}

// checkUnits makes sure every business unit the definition names exists in
// the organisation, so a published version never strands a case.
func (s *Service) checkUnits(ctx context.Context, orgID string, def *definition.Definition) error {
	var bad []platform.FieldError
	try := func(field, name string) {
		if name == "" {
			return
		}
		if _, err := s.unitID(ctx, orgID, name); err != nil {
			bad = append(bad, platform.FieldError{Field: field, Message: fmt.Sprintf("there is no business unit called %q", name)})
		}
	}
	try("owner_unit", def.OwnerUnit)
	for i, st := range def.Workflow.States {
		for j, a := range st.OnEnter {
			if a.Assign != nil {
				try(fmt.Sprintf("workflow.states[%d].on_enter[%d].assign.unit", i, j), a.Assign.Unit)
			}
		}
	}
	for i, t := range def.Workflow.Transitions {
		for _, u := range t.Units {
			try(fmt.Sprintf("workflow.transitions[%d].units", i), u)
		}
	}
	if len(bad) > 0 {
		return platform.Invalid("Check the business units", bad...)
	}
	return nil
}

// unitID resolves a unit name through the wired resolver.
func (s *Service) unitID(ctx context.Context, orgID, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if s.opts.UnitID == nil {
		return "", platform.Errorf(platform.CodeConflict, "business unit %q cannot be looked up: no unit resolver is configured", name)
	}
	id, err := s.units.get(ctx, orgID+"\x00"+name, func(ctx context.Context) (string, error) {
		return s.opts.UnitID(ctx, orgID, name)
	})
	if err != nil {
		if platform.CodeOf(err) == platform.CodeNotFound {
			return "", platform.Errorf(platform.CodeConflict, "this service names the business unit %q, which this organisation does not have; ask an administrator", name)
		}
		return "", err
	}
	return id, nil
}

// EnsureBuiltins publishes each built-in definition's version in org unless
// that org already has it, so cmd/dbtp may call it at every start. A council
// that has published a later version of a built-in keeps it; the built-in
// version is then recorded too, but the council's stays the latest.
func (s *Service) EnsureBuiltins(ctx context.Context, orgID string, defs []*definition.Definition, sources [][]byte) error {
	if len(defs) != len(sources) {
		return fmt.Errorf("services: %d built-in definitions but %d sources", len(defs), len(sources))
	}
	sys := platform.System(orgID)
	type item struct {
		def  *definition.Definition
		body []byte
		src  []byte
	}
	var todo []item
	for i, def := range defs {
		if err := checkDefinition(def, sources[i]); err != nil {
			return fmt.Errorf("services: built-in %q: %w", def.ID, err)
		}
		body, err := json.Marshal(def)
		if err != nil {
			return err
		}
		todo = append(todo, item{def, body, sources[i]})
	}
	now := s.now()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		for _, it := range todo {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM service_definitions WHERE org_id = ? AND id = ? AND version = ?",
				orgID, it.def.ID, it.def.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if err := insertDefinition(ctx, tx, orgID, it.def, it.body, it.src, true, sys.UserID, now); err != nil {
				return err
			}
			e := audit.For(sys, "service_definition.publish", "service_definition", it.def.ID, audit.Success)
			e.Detail = fmt.Sprintf("published built-in %s version %d", it.def.ID, it.def.Version)
			if err := s.rec.Record(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	for _, it := range todo {
		s.latest.forget(orgID + "\x00" + it.def.ID)
	}
	return asPlatform(err)
}

func insertDefinition(ctx context.Context, tx *store.Tx, orgID string, def *definition.Definition, body, source []byte, builtin bool, by string, at time.Time) error {
	b := 0
	if builtin {
		b = 1
	}
	_, err := tx.Exec(ctx, `INSERT INTO service_definitions (org_id, id, version, title, reference_prefix, definition, source, builtin, published_by, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, def.ID, def.Version, def.Title, def.ReferencePrefix, string(body), string(source), b, by, store.Millis(at))
	if store.IsUniqueViolation(err) {
		return platform.Errorf(platform.CodeConflict, "version %d of %s is already published", def.Version, def.ID)
	}
	return err
}

type queryRower interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

func latestVersion(ctx context.Context, q queryRower, orgID, id string) (int, error) {
	var v int
	err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM service_definitions WHERE org_id = ? AND id = ?", orgID, id).Scan(&v)
	return v, err
}

const publishedColumns = "id, version, definition, builtin, published_by, published_at"

// ListDefinitions returns the latest version of every service published in
// the subject's organisation, by ID. Definitions are not secret within an
// organisation: residents need them to start a service (see CanStart).
func (s *Service) ListDefinitions(ctx context.Context, sub *platform.Subject) ([]Published, error) {
	if err := needOrg(sub); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+publishedColumns+` FROM service_definitions d
		WHERE org_id = ? AND version = (SELECT MAX(version) FROM service_definitions m WHERE m.org_id = d.org_id AND m.id = d.id)
		ORDER BY id`, sub.OrgID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Published
	for rows.Next() {
		p, err := s.scanPublished(sub.OrgID, rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// GetDefinition returns one version of a service with its YAML source;
// version 0 means the latest.
func (s *Service) GetDefinition(ctx context.Context, sub *platform.Subject, id string, version int) (Published, error) {
	if err := needOrg(sub); err != nil {
		return Published{}, err
	}
	q := "SELECT " + publishedColumns + ", source FROM service_definitions WHERE org_id = ? AND id = ? "
	args := []any{sub.OrgID, id}
	if version > 0 {
		q += "AND version = ?"
		args = append(args, version)
	} else {
		q += "ORDER BY version DESC LIMIT 1"
	}
	var src string
	p, err := s.scanPublished(sub.OrgID, s.db.QueryRow(ctx, q, args...), &src)
	if store.IsNoRows(err) {
		return Published{}, platform.NotFound("service")
	}
	if err != nil {
		return Published{}, platform.Internal(err)
	}
	p.Source = []byte(src)
	return p, nil
}

func (s *Service) scanPublished(orgID string, r scanner, extra ...any) (Published, error) {
	var id, body string
	var version, builtin int
	var at int64
	var p Published
	if err := r.Scan(append([]any{&id, &version, &body, &builtin, &p.PublishedBy, &at}, extra...)...); err != nil {
		return p, err
	}
	def, err := s.decodeDefinition(orgID, id, version, body)
	if err != nil {
		return p, err
	}
	p.Def, p.Builtin, p.PublishedAt = def, builtin == 1, store.Time(at)
	return p, nil
}

func defKey(orgID, id string, version int) string {
	return orgID + "\x00" + id + "\x00" + strconv.Itoa(version)
}

func (s *Service) decodeDefinition(orgID, id string, version int, body string) (*definition.Definition, error) {
	k := defKey(orgID, id, version)
	if d, ok := s.defs.Load(k); ok {
		return d.(*definition.Definition), nil
	}
	var def definition.Definition
	if err := json.Unmarshal([]byte(body), &def); err != nil {
		return nil, fmt.Errorf("services: stored definition %s v%d: %w", id, version, err)
	}
	s.defs.Store(k, &def)
	return &def, nil
}

// definitionVersion returns one published version, from the cache when it
// can: the case pages ask for a case's pinned version on every request.
func (s *Service) definitionVersion(ctx context.Context, orgID, id string, version int) (*definition.Definition, error) {
	if d, ok := s.defs.Load(defKey(orgID, id, version)); ok {
		return d.(*definition.Definition), nil
	}
	var body string
	err := s.db.QueryRow(ctx, "SELECT definition FROM service_definitions WHERE org_id = ? AND id = ? AND version = ?", orgID, id, version).Scan(&body)
	if store.IsNoRows(err) {
		return nil, platform.NotFound("service")
	}
	if err != nil {
		return nil, platform.Internal(err)
	}
	return s.decodeDefinition(orgID, id, version, body)
}

// latestDefinition returns the newest version of a service in org.
// LatestDefinition is the newest published version of a service, from the
// cache when it can: every API submission asks for it, and GetDefinition
// reads the source text too.
func (s *Service) LatestDefinition(ctx context.Context, sub *platform.Subject, id string) (*definition.Definition, error) {
	if err := needOrg(sub); err != nil {
		return nil, err
	}
	return s.latestDefinition(ctx, sub.OrgID, id)
}

func (s *Service) latestDefinition(ctx context.Context, orgID, id string) (*definition.Definition, error) {
	v, err := s.latest.get(ctx, orgID+"\x00"+id, func(ctx context.Context) (int, error) {
		return latestVersion(ctx, s.db, orgID, id)
	})
	if err != nil {
		return nil, platform.Internal(err)
	}
	if v == 0 {
		return nil, platform.NotFound("service")
	}
	return s.definitionVersion(ctx, orgID, id, v)
}
