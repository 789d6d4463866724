package signing

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// A template's roles and fields, its owners' edits and its versions. Each
// save is a new version, kept whole in signing_template_versions, so an
// envelope made from version 3 can always be traced to the words, roles
// and fields it was made from, whatever the template says today.

// TemplateRole is someone who acts on an envelope made from the template:
// "Supplier" signs in step 1, "Head of Strategy" signs in step 2. The
// sender names the person for each role when making an envelope.
type TemplateRole struct {
	Label string `json:"label"`
	Role  string `json:"role"` // signer | approver | copy
	Step  int    `json:"step"`
}

// TemplateField is a field placed for one of the template's roles, as an
// envelope's fields are (FieldInput), by named position or by page and
// point; a page may be -1 (the last), whatever length the document comes
// out at.
type TemplateField struct {
	Role     int     `json:"role"` // the role's place in Roles, from 0
	Kind     string  `json:"kind"`
	Page     int     `json:"page,omitempty"`
	X        float64 `json:"x,omitempty"`
	Y        float64 `json:"y,omitempty"`
	Width    float64 `json:"width,omitempty"`
	Height   float64 `json:"height,omitempty"`
	Position string  `json:"position,omitempty"`
	Required *bool   `json:"required,omitempty"`
	Label    string  `json:"label,omitempty"`
}

const maxTemplateRoles = 20

// check tidies and checks a template's input, naming every problem.
func (in *TemplateInput) check() error {
	in.Name, in.Body = strings.TrimSpace(in.Name), strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	var errs []platform.FieldError
	if in.Name == "" || len(in.Name) > 200 {
		errs = append(errs, platform.FieldError{Field: "name", Message: "Enter a name of 200 characters or fewer"})
	}
	switch {
	case in.Body == "":
		errs = append(errs, platform.FieldError{Field: "body", Message: "Enter the document's text"})
	case len(in.Body) > maxTemplateBody:
		errs = append(errs, platform.FieldError{Field: "body", Message: "Enter 50,000 characters or fewer"})
	}
	for _, f := range MergeFields(in.Body) {
		if !fieldName.MatchString(f) {
			errs = append(errs, platform.FieldError{Field: "body", Message: fmt.Sprintf("((%s)) is not a merge field: use letters, digits, spaces or _, up to 40, starting with a letter", f)})
			break
		}
	}
	if len(in.Roles) > maxTemplateRoles {
		errs = append(errs, platform.FieldError{Field: "roles", Message: fmt.Sprintf("A template can have at most %d roles", maxTemplateRoles)})
	}
	labels := map[string]bool{}
	for i := range in.Roles {
		r := &in.Roles[i]
		f := func(name string) string { return fmt.Sprintf("roles[%d].%s", i, name) }
		r.Label, r.Role = strings.TrimSpace(r.Label), strings.TrimSpace(r.Role)
		switch {
		case r.Label == "" || utf8.RuneCountInString(r.Label) > 100:
			errs = append(errs, platform.FieldError{Field: f("label"), Message: "Name the role, like “Supplier”, in 100 characters or fewer"})
		case labels[strings.ToLower(r.Label)]:
			errs = append(errs, platform.FieldError{Field: f("label"), Message: "Give each role a name of its own"})
		}
		labels[strings.ToLower(r.Label)] = true
		if r.Role != RoleSigner && r.Role != RoleApprover && r.Role != RoleCopy {
			errs = append(errs, platform.FieldError{Field: f("role"), Message: "Choose whether they sign, approve or receive a copy"})
		}
		if r.Step < 1 || r.Step > maxRecipients {
			errs = append(errs, platform.FieldError{Field: f("step"), Message: fmt.Sprintf("Enter a step from 1 to %d", maxRecipients)})
		}
	}
	if len(in.Fields) > maxFields {
		errs = append(errs, platform.FieldError{Field: "fields", Message: fmt.Sprintf("A template can have at most %d fields", maxFields)})
	}
	for i := range in.Fields {
		errs = append(errs, in.Fields[i].check(i, in.Roles)...)
	}
	if errs != nil {
		return platform.Invalid("Check the template", errs...)
	}
	return nil
}

// check checks one placed field against the template's roles; the pages
// are checked when an envelope's document exists (placeFields).
func (tf *TemplateField) check(i int, roles []TemplateRole) []platform.FieldError {
	f := func(name string) string { return fmt.Sprintf("fields[%d].%s", i, name) }
	var errs []platform.FieldError
	tf.Kind, tf.Position, tf.Label = strings.TrimSpace(tf.Kind), strings.ToLower(strings.TrimSpace(tf.Position)), strings.TrimSpace(tf.Label)
	switch tf.Kind {
	case FieldSignature, FieldInitials, FieldDate, FieldText, FieldCheckbox:
	default:
		errs = append(errs, platform.FieldError{Field: f("kind"), Message: "Choose a signature, initials, date, text or checkbox field"})
	}
	if tf.Role < 0 || tf.Role >= len(roles) || roles[tf.Role].Role == RoleCopy {
		errs = append(errs, platform.FieldError{Field: f("role"), Message: "Choose a role that signs or approves"})
	}
	if tf.Position != "" {
		known := false
		for _, p := range Positions {
			known = known || p == tf.Position
		}
		if !known {
			errs = append(errs, platform.FieldError{Field: f("position"), Message: "Choose a position from the list, or give the page, x and y"})
		}
	} else {
		switch {
		case tf.Page != LastPage && (tf.Page < 1 || tf.Page > 1000):
			errs = append(errs, platform.FieldError{Field: f("page"), Message: "Enter a page from 1, or -1 for the last page"})
		case tf.X < 0 || tf.Y < 0 || tf.X > maxCoord || tf.Y > maxCoord:
			errs = append(errs, platform.FieldError{Field: f("x"), Message: "Enter x and y as points from the page's bottom-left corner, 0 or more"})
		}
	}
	if (tf.Width != 0 || tf.Height != 0) && (tf.Width < 4 || tf.Height < 4 || tf.Width > 1000 || tf.Height > 1000) {
		errs = append(errs, platform.FieldError{Field: f("width"), Message: "Enter a width and height from 4 to 1,000 points, or neither"})
	}
	if len(tf.Label) > 200 {
		errs = append(errs, platform.FieldError{Field: f("label"), Message: "Enter a label of 200 characters or fewer"})
	}
	return errs
}

// input is the field as an envelope's.
func (tf TemplateField) input() FieldInput {
	return FieldInput{Kind: tf.Kind, Page: tf.Page, X: tf.X, Y: tf.Y, Width: tf.Width, Height: tf.Height, Position: tf.Position, Required: tf.Required, Label: tf.Label}
}

// jsonText is v as the JSON text a roles or fields column holds.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

func fromJSONText(roles, fields string, t *Template) error {
	if err := json.Unmarshal([]byte(roles), &t.Roles); err != nil {
		return fmt.Errorf("template %s: roles: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(fields), &t.Placed); err != nil {
		return fmt.Errorf("template %s: fields: %w", t.ID, err)
	}
	return nil
}

func insertTemplateVersion(ctx context.Context, tx *store.Tx, t Template) error {
	_, err := tx.Exec(ctx, `INSERT INTO signing_template_versions (template_id, version, org_id, name, body, roles, fields, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.Version, t.OrgID, t.Name, t.Body, jsonText(t.Roles), jsonText(t.Placed), t.UpdatedBy, store.Millis(t.UpdatedAt))
	return err
}

// templateResource is a template as the access point sees it: its
// creator and its unit's managers (and administrators) may change it.
func templateResource(t Template) access.Resource {
	return access.Resource{Type: ResourceType, ID: t.ID, OrgID: t.OrgID, BusinessUnit: t.UnitID, OwnerID: t.CreatedBy}
}

// MayEditTemplate tells pages whether to offer sub the edit; UpdateTemplate
// checks again.
func (s *Store) MayEditTemplate(sub *platform.Subject, t Template) bool {
	return s.access.Allowed(sub, access.Update, templateResource(t))
}

// UpdateTemplate saves an edit of a template as its next version. An edit
// that changes nothing saves nothing; one made from a version that is no
// longer current (another edit came first) is a conflict.
func (s *Store) UpdateTemplate(ctx context.Context, sub *platform.Subject, id string, in TemplateInput) (Template, error) {
	cur, err := s.GetTemplate(ctx, sub, id)
	if err != nil {
		return Template{}, err
	}
	if err := in.check(); err != nil {
		return Template{}, err
	}
	var t Template
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		t, err = scanTemplate(tx.QueryRow(ctx, "SELECT "+templateColumns+" FROM signing_templates WHERE id = ? AND org_id = ?", cur.ID, cur.OrgID))
		if store.IsNoRows(err) {
			return platform.Errorf(platform.CodeNotFound, "No such template")
		}
		if err != nil {
			return err
		}
		if err := s.access.CheckTx(tx, sub, access.Update, templateResource(t)); err != nil {
			return err
		}
		if in.Version != 0 && in.Version != t.Version {
			return platform.Errorf(platform.CodeConflict, "Someone saved version %d of the template while you edited version %d: look at it again, then make your changes", t.Version, in.Version)
		}
		if t.Name == in.Name && t.Body == in.Body && jsonText(t.Roles) == jsonText(in.Roles) && jsonText(t.Placed) == jsonText(in.Fields) {
			return nil // nothing changed: no new version
		}
		now := s.now()
		t.Name, t.Body, t.Roles, t.Placed, t.Fields = in.Name, in.Body, in.Roles, in.Fields, MergeFields(in.Body)
		t.Version, t.UpdatedBy, t.UpdatedAt = t.Version+1, sub.UserID, now
		res, err := tx.Exec(ctx, `UPDATE signing_templates SET name = ?, body = ?, roles = ?, fields = ?, version = ?, updated_by = ?, updated_at = ?
			WHERE id = ? AND version = ?`, t.Name, t.Body, jsonText(t.Roles), jsonText(t.Placed), t.Version, t.UpdatedBy, store.Millis(now), t.ID, t.Version-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return platform.Errorf(platform.CodeConflict, "The template changed meanwhile: look at it again")
		}
		if err := insertTemplateVersion(ctx, tx, t); err != nil {
			return err
		}
		e := audit.For(sub, "signing.template_update", "envelope_template", t.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s, version %d", t.Name, t.Version)
		return s.audit.Record(tx, e)
	})
	return t, err
}

// TemplateVersions lists a template's versions, the newest first.
func (s *Store) TemplateVersions(ctx context.Context, sub *platform.Subject, id string) ([]Template, error) {
	cur, err := s.GetTemplate(ctx, sub, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT version, name, body, roles, fields, created_by, created_at FROM signing_template_versions
		WHERE template_id = ? AND org_id = ? ORDER BY version DESC`, cur.ID, cur.OrgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Template
	for rows.Next() {
		t, err := scanVersion(rows, cur)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TemplateVersion returns one version of a template.
func (s *Store) TemplateVersion(ctx context.Context, sub *platform.Subject, id string, version int) (Template, error) {
	cur, err := s.GetTemplate(ctx, sub, id)
	if err != nil {
		return Template{}, err
	}
	t, err := scanVersion(s.db.QueryRow(ctx, `SELECT version, name, body, roles, fields, created_by, created_at FROM signing_template_versions
		WHERE template_id = ? AND org_id = ? AND version = ?`, cur.ID, cur.OrgID, version), cur)
	if store.IsNoRows(err) {
		return t, platform.Errorf(platform.CodeNotFound, "The template has no version %d", version)
	}
	return t, err
}

// scanVersion reads a version row over what the current template says of
// the rest (its ID, organisation, unit and creator).
func scanVersion(r scanner, cur Template) (Template, error) {
	t := Template{ID: cur.ID, OrgID: cur.OrgID, UnitID: cur.UnitID, CreatedBy: cur.CreatedBy, CreatedAt: cur.CreatedAt}
	var roles, fields string
	var at int64
	if err := r.Scan(&t.Version, &t.Name, &t.Body, &roles, &fields, &t.UpdatedBy, &at); err != nil {
		return t, err
	}
	t.UpdatedAt, t.Fields = store.Time(at), MergeFields(t.Body)
	return t, fromJSONText(roles, fields, &t)
}

// applyTemplate gives an envelope made from a template with roles its
// recipients' roles and steps and the template's fields, when the caller
// names only the people: one recipient for each role, in the template's
// order, none with a role or step of its own, and no fields. A caller that
// gives roles, steps or fields (a workflow's signers) is taken at its word.
func applyTemplate(t Template, in *Composed) error {
	if len(t.Roles) == 0 || len(in.Fields) > 0 || len(in.Recipients) == 0 {
		return nil
	}
	for _, r := range in.Recipients {
		if r.Role != "" || r.Step != 0 {
			return nil
		}
	}
	if len(in.Recipients) != len(t.Roles) {
		labels := make([]string, len(t.Roles))
		for i, r := range t.Roles {
			labels[i] = r.Label
		}
		return platform.Invalid("Check the recipients", platform.FieldError{Field: "recipients",
			Message: fmt.Sprintf("The template %q has %d roles (%s): name one person for each, in that order", t.Name, len(t.Roles), strings.Join(labels, ", "))})
	}
	for i, r := range t.Roles {
		in.Recipients[i].Role, in.Recipients[i].Step = r.Role, r.Step
	}
	for _, f := range t.Placed {
		in.Fields = append(in.Fields, ComposedField{Recipient: f.Role, FieldInput: f.input()})
	}
	return nil
}
