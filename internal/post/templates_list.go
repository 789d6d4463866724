package post

import (
	"context"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
)

// ownedTemplates is the templates with the unit that owns each: their
// service's, so a service moved to another unit takes its templates with
// it (the template's own unit_id is the unit when it was last saved).
const ownedTemplates = `SELECT t.id, t.org_id, t.service_id, COALESCE(s.unit_id, t.unit_id), t.kind, t.name, t.subject, t.body, t.version,
	t.statutory, t.archived, t.created_at, t.updated_at, t.updated_by
	FROM post_templates t LEFT JOIN post_services s ON s.id = t.service_id`

// templateTx finds a template of sub's organisation for a change; one in
// another organisation is not found (and the probe audited).
func (s *Store) templateTx(ctx context.Context, tx *store.Tx, sub *platform.Subject, id string) (Template, error) {
	t, err := scanTemplate(tx.QueryRow(ctx, ownedTemplates+" WHERE t.id = ? AND t.org_id = ?", id, sub.OrgID))
	if store.IsNoRows(err) {
		return Template{}, s.access.Missing(ctx, sub, access.Update, templateResource("", id, ""),
			access.RowOrg(s.db, "post_templates", "id", id), platform.NotFound("template"))
	}
	return t, err
}

// Template returns a template at its current version, for someone who
// may read its unit's post.
func (s *Store) Template(ctx context.Context, sub *platform.Subject, id string) (Template, error) {
	t, err := scanTemplate(s.db.QueryRow(ctx, ownedTemplates+" WHERE t.id = ? AND t.org_id = ?", id, sub.OrgID))
	if store.IsNoRows(err) {
		return Template{}, s.access.Missing(ctx, sub, access.Read, templateResource("", id, ""),
			access.RowOrg(s.db, "post_templates", "id", id), platform.NotFound("template"))
	}
	if err != nil {
		return Template{}, err
	}
	if err := s.access.Check(ctx, sub, access.Read, templateResource(t.OrgID, t.ID, t.UnitID)); err != nil {
		return Template{}, err
	}
	return t, nil
}

// TemplateVersions lists every version of a template, newest first.
func (s *Store) TemplateVersions(ctx context.Context, sub *platform.Subject, id string) ([]TemplateVersion, error) {
	vs, _, err := s.TemplateVersionsPage(ctx, sub, id, 0, 0)
	return vs, err
}

// TemplateVersionsPage lists a template's versions older than before (0:
// from the newest), newest first, at most limit (0: all); more is true
// when there are older ones still.
func (s *Store) TemplateVersionsPage(ctx context.Context, sub *platform.Subject, id string, before, limit int) (vs []TemplateVersion, more bool, err error) {
	if _, err := s.Template(ctx, sub, id); err != nil {
		return nil, false, err
	}
	q, args := `SELECT version, subject, body, created_at, created_by FROM post_template_versions WHERE template_id = ?`, []any{id}
	if before > 0 {
		q, args = q+` AND version < ?`, append(args, before)
	}
	q += ` ORDER BY version DESC`
	if limit > 0 {
		q, args = q+` LIMIT ?`, append(args, limit+1)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		v := TemplateVersion{TemplateID: id}
		var at int64
		if err := rows.Scan(&v.Version, &v.Subject, &v.Body, &at, &v.CreatedBy); err != nil {
			return nil, false, err
		}
		v.CreatedAt = store.Time(at)
		vs = append(vs, v)
	}
	if limit > 0 && len(vs) > limit {
		vs, more = vs[:limit], true
	}
	return vs, more, rows.Err()
}

// TemplateAt returns a template with the wording of one of its versions
// (0: the current one).
func (s *Store) TemplateAt(ctx context.Context, sub *platform.Subject, id string, version int) (Template, error) {
	t, err := s.Template(ctx, sub, id)
	if err != nil {
		return Template{}, err
	}
	return s.TemplateForService(ctx, t.ServiceID, id, version)
}

// TemplateFilter narrows a list of templates.
type TemplateFilter struct {
	ServiceID string
	UnitID    string
	Kind      string
	Query     string // words in the name
	Archived  bool   // true: archived ones only; false: those in use
	After     []string
	Limit     int // default and most 200
}

// Templates lists the templates sub may read, by name (ignoring case), a page at a time:
// next is the cursor of the page after (nil at the end).
func (s *Store) Templates(ctx context.Context, sub *platform.Subject, f TemplateFilter) (out []Template, next []string, err error) {
	if !sub.IsStaff() {
		return nil, nil, platform.Errorf(platform.CodeForbidden, "digital post is kept by the council's staff")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 200
	}
	q, args := ownedTemplates+" WHERE t.org_id = ? AND t.archived = ?", []any{sub.OrgID, b2i(f.Archived)}
	for _, c := range []struct{ col, v string }{{"t.service_id", f.ServiceID}, {"COALESCE(s.unit_id, t.unit_id)", f.UnitID}, {"t.kind", f.Kind}} {
		if c.v != "" {
			q, args = q+" AND "+c.col+" = ?", append(args, c.v)
		}
	}
	for _, w := range strings.Fields(strings.ToLower(f.Query)) {
		q, args = q+` AND LOWER(t.name) LIKE ? ESCAPE '\'`, append(args, "%"+likeEscape(w)+"%")
	}
	after := f.After
	// The access rule is applied to each row, so a page is filled from
	// as many batches as it takes; a person sees only their units' post.
	for {
		bq, bargs := q, args
		if len(after) == 2 {
			bq, bargs = bq+" AND (LOWER(t.name) > ? OR (LOWER(t.name) = ? AND t.id > ?))", append(bargs, after[0], after[0], after[1])
		}
		bq, bargs = bq+" ORDER BY LOWER(t.name), t.id LIMIT ?", append(bargs, f.Limit+1)
		batch, err := s.scanTemplates(ctx, bq, bargs...)
		if err != nil {
			return nil, nil, err
		}
		for i, t := range batch {
			if i == f.Limit {
				break
			}
			after = []string{strings.ToLower(t.Name), t.ID}
			if s.access.Allowed(sub, access.Read, templateResource(t.OrgID, t.ID, t.UnitID)) {
				out = append(out, t)
				if len(out) == f.Limit {
					if i+1 < len(batch) {
						return out, after, nil
					}
					return out, nil, nil
				}
			}
		}
		if len(batch) <= f.Limit {
			return out, nil, nil
		}
	}
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *Store) scanTemplates(ctx context.Context, q string, args ...any) ([]Template, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TemplateServices lists the sending services in use whose templates sub
// may keep, by name, for the template form's choice.
func (s *Store) TemplateServices(ctx context.Context, sub *platform.Subject) ([]Service, error) {
	rows, err := s.db.Query(ctx, `SELECT id, unit_id, name FROM post_services WHERE org_id = ? AND archived = 0 ORDER BY name, id`, sub.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		sv := Service{OrgID: sub.OrgID}
		if err := rows.Scan(&sv.ID, &sv.UnitID, &sv.Name); err != nil {
			return nil, err
		}
		if CanKeep(sub, sv.UnitID) {
			out = append(out, sv)
		}
	}
	return out, rows.Err()
}

// ServiceNames maps the organisation's sending services' IDs to names,
// for lists of templates.
func (s *Store) ServiceNames(ctx context.Context, sub *platform.Subject) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name FROM post_services WHERE org_id = ?`, sub.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// Preview is a template rendered with sample data.
type Preview struct {
	Template     Template
	Placeholders []string // every name the template asks for, in order
	Missing      []string // those the sample left out: shown as ((name))
	Rendered     *notify.Rendered
}

// PreviewTemplate renders a template (at version, 0: the current one)
// with sample personalisation. Names the sample leaves out are shown as
// they are written, ((name)), so a preview always renders.
func (s *Store) PreviewTemplate(ctx context.Context, sub *platform.Subject, id string, version int, sample map[string]any) (Preview, error) {
	t, err := s.TemplateAt(ctx, sub, id, version)
	if err != nil {
		return Preview{}, err
	}
	return PreviewOf(t, sample), nil
}

// PreviewOf renders t with sample data, as PreviewTemplate does.
func PreviewOf(t Template, sample map[string]any) Preview {
	p := Preview{Template: t, Placeholders: notify.Placeholders(t.Subject, t.Body)}
	filled := map[string]any{}
	for k, v := range sample {
		if v != "" && v != nil {
			filled[notify.NameKey(k)] = v
		}
	}
	for _, n := range p.Placeholders {
		if _, ok := filled[notify.NameKey(n)]; !ok {
			p.Missing = append(p.Missing, n)
		}
	}
	// What is not filled in stays as written, optional text and all, and
	// is formatted where it stands: "* ((extra??text))" is still a bullet.
	p.Rendered, _ = notify.RenderPartial(t.Kind, t.Subject, t.Body, filled)
	return p
}

// TemplatesForService lists a service's templates in use, of kind ("":
// every kind), by name, for Notify's GET /v2/templates, whose caller is
// the service itself (its API key), not a person.
func (s *Store) TemplatesForService(ctx context.Context, serviceID, kind string) ([]Template, error) {
	q, args := "SELECT "+templateColumns+" FROM post_templates WHERE service_id = ? AND archived = 0", []any{serviceID}
	if kind != "" {
		q, args = q+" AND kind = ?", append(args, kind)
	}
	return s.scanTemplates(ctx, q+" ORDER BY LOWER(name), id", args...)
}
