package signing

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Templates are a document's wording with ((merge fields)), such as a
// standard supply contract: an envelope made from one gets a PDF of the
// text with each field filled in, so the sender uploads nothing. A
// template may also name who acts on it (roles, in steps) and where they
// sign (fields placed for a role); its owners edit it, and each edit is a
// new version (envelopes_template_edit.go).

// Template is a document's text with merge fields, one version of it.
type Template struct {
	ID, OrgID, UnitID, Name, Body, CreatedBy string
	Fields                                   []string // the merge fields, in the order they first appear
	Roles                                    []TemplateRole
	Placed                                   []TemplateField // fields placed for the roles
	// Version counts from 1; UpdatedBy saved it at UpdatedAt.
	Version              int
	UpdatedBy            string
	CreatedAt, UpdatedAt time.Time
}

// TemplateInput makes or edits a template.
type TemplateInput struct {
	Name   string          `json:"name"`
	Body   string          `json:"body"` // lines; a line starting "# " is a heading; ((field)) is filled in
	UnitID string          `json:"business_unit_id,omitempty"`
	Roles  []TemplateRole  `json:"roles,omitempty"`
	Fields []TemplateField `json:"fields,omitempty"`
	// Version, on an edit, is the version it was made from: another edit
	// saved meanwhile is a conflict rather than silently overwritten. 0:
	// edit whatever is current.
	Version int `json:"version,omitempty"`
}

var mergeField = regexp.MustCompile(`\(\(\s*([^()]*?)\s*\)\)`)
var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_ ]{0,39}$`)

const maxTemplateBody = 50000

// MergeFields lists the merge fields of body in the order they first
// appear, lower case.
func MergeFields(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mergeField.FindAllStringSubmatch(body, -1) {
		n := strings.ToLower(m[1])
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// CreateTemplate keeps a template for sub's unit, as its version 1.
func (s *Store) CreateTemplate(ctx context.Context, sub *platform.Subject, in TemplateInput) (Template, error) {
	in.UnitID = strings.TrimSpace(in.UnitID)
	if in.UnitID == "" && len(sub.BusinessUnits) > 0 {
		in.UnitID = sub.BusinessUnits[0]
	}
	if err := in.check(); err != nil {
		return Template{}, err
	}
	now := s.now()
	t := Template{ID: platform.NewID("stp"), OrgID: sub.OrgID, UnitID: in.UnitID, Name: in.Name, Body: in.Body, CreatedBy: sub.UserID,
		Fields: MergeFields(in.Body), Roles: in.Roles, Placed: in.Fields, Version: 1, UpdatedBy: sub.UserID, CreatedAt: now, UpdatedAt: now}
	r := access.Resource{Type: ResourceType, ID: t.ID, OrgID: t.OrgID, BusinessUnit: t.UnitID}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Create, r); err != nil {
			return err
		}
		roles, fields := jsonText(t.Roles), jsonText(t.Placed)
		if _, err := tx.Exec(ctx, `INSERT INTO signing_templates (id, org_id, unit_id, name, body, roles, fields, version, created_by, updated_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.OrgID, t.UnitID, t.Name, t.Body, roles, fields, t.Version, t.CreatedBy, t.UpdatedBy, store.Millis(now), store.Millis(now)); err != nil {
			return err
		}
		if err := insertTemplateVersion(ctx, tx, t); err != nil {
			return err
		}
		e := audit.For(sub, "signing.template_create", "envelope_template", t.ID, audit.Success)
		e.Detail = t.Name
		return s.audit.Record(tx, e)
	})
	return t, err
}

// Templates lists the organisation's templates by name: any member of
// staff may send from them.
func (s *Store) Templates(ctx context.Context, sub *platform.Subject) ([]Template, error) {
	if !sub.IsStaff() {
		return nil, platform.Errorf(platform.CodeForbidden, "Envelopes are sent by the council's staff")
	}
	rows, err := s.db.Query(ctx, "SELECT "+templateColumns+" FROM signing_templates WHERE org_id = ? ORDER BY name, id LIMIT 500", sub.OrgID)
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

const templateColumns = "id, org_id, unit_id, name, body, roles, fields, version, created_by, updated_by, created_at, updated_at"

func scanTemplate(r scanner) (Template, error) {
	var t Template
	var c, u int64
	var roles, fields string
	err := r.Scan(&t.ID, &t.OrgID, &t.UnitID, &t.Name, &t.Body, &roles, &fields, &t.Version, &t.CreatedBy, &t.UpdatedBy, &c, &u)
	if err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt, t.Fields = store.Time(c), store.Time(u), MergeFields(t.Body)
	return t, fromJSONText(roles, fields, &t)
}

// GetTemplate returns one of the organisation's templates.
func (s *Store) GetTemplate(ctx context.Context, sub *platform.Subject, id string) (Template, error) {
	if !sub.IsStaff() {
		return Template{}, platform.Errorf(platform.CodeForbidden, "Envelopes are sent by the council's staff")
	}
	t, err := scanTemplate(s.db.QueryRow(ctx, "SELECT "+templateColumns+" FROM signing_templates WHERE id = ? AND org_id = ?", id, sub.OrgID))
	if store.IsNoRows(err) {
		return t, platform.Errorf(platform.CodeNotFound, "No such template")
	}
	return t, err
}

// Merge fills a template's fields with values (keys as MergeFields names
// them), refusing with a field error per missing value.
func (t Template) Merge(values map[string]string) (string, error) {
	var errs []platform.FieldError
	for _, f := range t.Fields {
		v := strings.TrimSpace(values[f])
		if v == "" {
			errs = append(errs, platform.FieldError{Field: "values." + f, Message: "Enter the " + f})
		} else if len(v) > 2000 {
			errs = append(errs, platform.FieldError{Field: "values." + f, Message: "Enter 2,000 characters or fewer for the " + f})
		}
	}
	if errs != nil {
		return "", platform.Invalid("Fill in the template", errs...)
	}
	return mergeField.ReplaceAllStringFunc(t.Body, func(m string) string {
		return strings.TrimSpace(values[strings.ToLower(mergeField.FindStringSubmatch(m)[1])])
	}), nil
}

// RenderPDF makes an A4 PDF of text: the title as the main heading, a
// line starting "# " as a heading, other lines as paragraphs.
func RenderPDF(title, text string) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetTitle(title, true)
	f.SetCreator("dbtp", true)
	f.SetMargins(20, 20, 20)
	f.SetAutoPageBreak(true, 25)
	tr := f.UnicodeTranslatorFromDescriptor("") // cp1252: £, curly quotes and dashes
	f.AliasNbPages("")
	f.SetFooterFunc(func() {
		f.SetY(-15)
		f.SetFont("Helvetica", "", 9)
		f.CellFormat(0, 10, tr(fmt.Sprintf("%s, page %d of {nb}", title, f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	f.SetFont("Helvetica", "B", 18)
	f.MultiCell(0, 9, tr(title), "", "L", false)
	f.Ln(4)
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t")
		switch {
		case strings.HasPrefix(line, "# "):
			f.Ln(2)
			f.SetFont("Helvetica", "B", 13)
			f.MultiCell(0, 7, tr(strings.TrimPrefix(line, "# ")), "", "L", false)
		case line == "":
			f.Ln(3)
		default:
			f.SetFont("Helvetica", "", 11)
			f.MultiCell(0, 5.5, tr(line), "", "L", false)
		}
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, platform.Internal(err)
	}
	return b.Bytes(), nil
}

// FromTemplate fills in.PDF from a template and its values (and notes the
// template and version the envelope is made from).
func (s *Store) FromTemplate(ctx context.Context, sub *platform.Subject, templateID string, values map[string]string, in *NewEnvelope) error {
	_, err := s.fromTemplate(ctx, sub, templateID, values, in)
	return err
}

func (s *Store) fromTemplate(ctx context.Context, sub *platform.Subject, templateID string, values map[string]string, in *NewEnvelope) (Template, error) {
	t, err := s.GetTemplate(ctx, sub, templateID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return t, platform.Invalid("Check the template", platform.FieldError{Field: "template_id", Message: "Choose one of the templates"})
	}
	if err != nil {
		return t, err
	}
	text, err := t.Merge(values)
	if err != nil {
		return t, err
	}
	if strings.TrimSpace(in.Title) == "" {
		in.Title = t.Name
	}
	in.template, in.templateVersion, in.templateName = t.ID, t.Version, t.Name
	in.PDF, err = RenderPDF(strings.TrimSpace(in.Title), text)
	return t, err
}

// TemplateByName finds one of the organisation's templates by its name
// (case-insensitively): how a services definition names one.
func (s *Store) TemplateByName(ctx context.Context, sub *platform.Subject, name string) (Template, error) {
	ts, err := s.Templates(ctx, sub)
	if err != nil {
		return Template{}, err
	}
	for _, t := range ts {
		if strings.EqualFold(t.Name, strings.TrimSpace(name)) {
			return t, nil
		}
	}
	return Template{}, platform.Errorf(platform.CodeNotFound, "There is no envelope template called %q", name)
}

// DeleteTemplate removes a template and its versions; envelopes made from
// it keep their PDFs (and name the template and version in their
// evidence). Its unit's members (and administrators) may.
func (s *Store) DeleteTemplate(ctx context.Context, sub *platform.Subject, id string) error {
	t, err := s.GetTemplate(ctx, sub, id)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Create, access.Resource{Type: ResourceType, ID: t.ID, OrgID: t.OrgID, BusinessUnit: t.UnitID}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM signing_templates WHERE id = ? AND org_id = ?", t.ID, t.OrgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM signing_template_versions WHERE template_id = ? AND org_id = ?", t.ID, t.OrgID); err != nil {
			return err
		}
		e := audit.For(sub, "signing.template_delete", "envelope_template", t.ID, audit.Success)
		e.Detail = t.Name
		return s.audit.Record(tx, e)
	})
}
