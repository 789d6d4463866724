package post

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
)

// Templates: a sending service's wording for email, text message and
// letter. A template belongs to its service's business unit, whose
// managers and designers keep it; every change to its subject or body is
// a new version and every version is kept, so a message sent names the
// exact wording it was sent with.

// Limits on what a template holds.
const (
	MaxTemplateName    = 255
	MaxTemplateSubject = 1000
	MaxTemplateBody    = 50000 // characters, emails and letters
)

// TemplateInput is what a person gives to make or change a template.
// ServiceID and Kind are fixed once the template is made (a change
// ignores them).
type TemplateInput struct {
	ServiceID string `json:"service_id"`
	Kind      string `json:"kind"` // email, sms or letter
	Name      string `json:"name"`
	Subject   string `json:"subject,omitempty"` // email subject or letter heading
	Body      string `json:"body"`
	// Statutory messages are sent whatever the person said about
	// messages they did not ask for; the others need their consent and
	// carry an unsubscribe link. Default (nil) is statutory.
	Statutory *bool `json:"statutory,omitempty"`
}

// TemplateVersion is one kept wording of a template.
type TemplateVersion struct {
	TemplateID string    `json:"template_id"`
	Version    int       `json:"version"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"` // the person's ID
}

func (in *TemplateInput) check(kind string) error {
	if fs := in.fields(kind); len(fs) > 0 {
		return platform.Invalid("Check the template", fs...)
	}
	return nil
}

// fields tidies the input and lists what is wrong with it.
func (in *TemplateInput) fields(kind string) []platform.FieldError {
	in.Name = strings.TrimSpace(in.Name)
	in.Subject = strings.TrimSpace(in.Subject)
	in.Body = strings.TrimRight(strings.ReplaceAll(in.Body, "\r\n", "\n"), " \n\t")
	var fs []platform.FieldError
	add := func(f, m string) { fs = append(fs, platform.FieldError{Field: f, Message: m}) }
	switch kind {
	case KindEmail, KindSMS, KindLetter:
	default:
		add("kind", "Choose email, text message or letter")
	}
	switch {
	case in.Name == "":
		add("name", "Enter a name for the template, so staff can find it")
	case utf8.RuneCountInString(in.Name) > MaxTemplateName:
		add("name", "The name must be 255 characters or fewer")
	}
	if kind == KindEmail || kind == KindLetter {
		what := "subject line"
		if kind == KindLetter {
			what = "main heading"
		}
		switch {
		case in.Subject == "":
			add("subject", "Enter the "+what)
		case utf8.RuneCountInString(in.Subject) > MaxTemplateSubject:
			add("subject", "The "+what+" must be 1,000 characters or fewer")
		case strings.ContainsAny(in.Subject, "\r\n"):
			add("subject", "The "+what+" must be one line")
		default:
			if e := notify.CheckSyntax(in.Subject); e != nil {
				add("subject", "The "+what+" has a mistake: "+e.Problem)
			}
		}
	} else {
		in.Subject = ""
	}
	var syntax *notify.SyntaxError
	if in.Body != "" {
		syntax = notify.CheckSyntax(in.Body)
	}
	switch {
	case strings.TrimSpace(in.Body) == "":
		add("body", "Enter the message")
	case syntax != nil:
		// The line, as the message box shows it, so the author finds it.
		add("body", "The message has a mistake on line "+strconv.Itoa(syntax.Line)+": "+syntax.Problem)
	case kind == KindSMS && len(notify.CountSMS(in.Body).Replaced) > 0:
		add("body", notify.SMSCannotUse(notify.CountSMS(in.Body).Replaced))
	case kind == KindSMS:
		// Counted as written, placeholders and all, as Notify counts a
		// template: the message sent may be longer, and is checked then.
		if c := notify.CountSMS(in.Body); c.Chars > notify.SMSMaxChars {
			add("body", notify.SMSTooLong(c.Chars))
		}
	case utf8.RuneCountInString(in.Body) > MaxTemplateBody:
		add("body", "The message must be 50,000 characters or fewer")
	}
	return fs
}

// templateResource is a template as the access point sees it.
func templateResource(orgID, id, unitID string) access.Resource {
	return access.Resource{Type: ResourceType, ID: id, OrgID: orgID, BusinessUnit: unitID}
}

// tplService is the little of a sending service templates need.
type tplService struct {
	id, unitID, name string
	archived         bool
}

// rowQuerier is the database or a write's transaction.
type rowQuerier interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}

func (s *Store) tplService(ctx context.Context, q rowQuerier, orgID, id string) (tplService, error) {
	sv := tplService{id: id}
	var archived int
	err := q.QueryRow(ctx, `SELECT unit_id, name, archived FROM post_services WHERE id = ? AND org_id = ?`, id, orgID).Scan(&sv.unitID, &sv.name, &archived)
	sv.archived = archived == 1
	return sv, err
}

// CreateTemplate makes a template, version 1, for one of the services
// sub keeps.
func (s *Store) CreateTemplate(ctx context.Context, sub *platform.Subject, in TemplateInput) (Template, error) {
	in.Kind = strings.TrimSpace(in.Kind)
	var fs []platform.FieldError
	if in.ServiceID == "" {
		fs = append(fs, platform.FieldError{Field: "service", Message: "Choose the sending service"})
	}
	if fs = append(fs, in.fields(in.Kind)...); len(fs) > 0 {
		return Template{}, platform.Invalid("Check the template", fs...)
	}
	now := s.now()
	t := Template{ID: NewUUID(), OrgID: sub.OrgID, ServiceID: in.ServiceID, Kind: in.Kind, Name: in.Name, Subject: in.Subject, Body: in.Body,
		Version: 1, Statutory: in.Statutory == nil || *in.Statutory, CreatedAt: now, UpdatedAt: now, UpdatedBy: sub.UserID}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		sv, err := s.tplService(ctx, tx, sub.OrgID, in.ServiceID)
		if store.IsNoRows(err) {
			return platform.Invalid("Check the template", platform.FieldError{Field: "service", Message: "Choose one of the council's sending services"})
		}
		if err != nil {
			return err
		}
		t.UnitID = sv.unitID
		if err := s.access.CheckTx(tx, sub, access.Update, templateResource(t.OrgID, t.ID, t.UnitID)); err != nil {
			return err
		}
		if sv.archived {
			return platform.Invalid("Check the template", platform.FieldError{Field: "service", Message: sv.name + " is archived: choose a service in use"})
		}
		if _, err := tx.Exec(ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory, archived, created_at, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 0, ?, ?, ?)`, t.ID, t.OrgID, t.ServiceID, t.UnitID, t.Kind, t.Name, t.Subject, t.Body, b2i(t.Statutory),
			store.Millis(now), store.Millis(now), t.UpdatedBy); err != nil {
			return err
		}
		if err := s.insertVersion(ctx, tx, t); err != nil {
			return err
		}
		e := audit.For(sub, "post.template_create", "post_template", t.ID, audit.Success)
		e.Detail = t.Kind + ": " + t.Name
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return Template{}, err
	}
	return t, nil
}

func (s *Store) insertVersion(ctx context.Context, tx *store.Tx, t Template) error {
	_, err := tx.Exec(ctx, `INSERT INTO post_template_versions (template_id, version, subject, body, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, t.Version, t.Subject, t.Body, store.Millis(t.UpdatedAt), t.UpdatedBy)
	return err
}

// UpdateTemplate changes a template's name, wording and statutory flag. A
// new subject or body is a new version (the old ones are kept); a new
// name or flag alone changes the template without one. An archived
// template cannot be changed (409).
func (s *Store) UpdateTemplate(ctx context.Context, sub *platform.Subject, id string, in TemplateInput) (Template, error) {
	var out Template
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		t, err := s.templateTx(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		if err := s.access.CheckTx(tx, sub, access.Update, templateResource(t.OrgID, t.ID, t.UnitID)); err != nil {
			return err
		}
		if err := in.check(t.Kind); err != nil {
			return err
		}
		if t.Archived {
			return platform.Errorf(platform.CodeConflict, "%s is archived: bring it back before changing it", t.Name)
		}
		statutory := t.Statutory
		if in.Statutory != nil {
			statutory = *in.Statutory
		}
		newVersion := in.Subject != t.Subject || in.Body != t.Body
		if !newVersion && in.Name == t.Name && statutory == t.Statutory {
			out = t
			return nil
		}
		now := s.now()
		t.Name, t.Statutory, t.UpdatedAt, t.UpdatedBy = in.Name, statutory, now, sub.UserID
		if newVersion {
			t.Subject, t.Body, t.Version = in.Subject, in.Body, t.Version+1
			if err := s.insertVersion(ctx, tx, t); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE post_templates SET name = ?, subject = ?, body = ?, version = ?, statutory = ?, unit_id = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			t.Name, t.Subject, t.Body, t.Version, b2i(t.Statutory), t.UnitID, store.Millis(now), t.UpdatedBy, t.ID); err != nil {
			return err
		}
		out = t
		e := audit.For(sub, "post.template_update", "post_template", t.ID, audit.Success)
		e.Detail = t.Name
		if newVersion {
			e.Detail += ": version " + strconv.Itoa(t.Version)
		}
		return s.audit.Record(tx, e)
	})
	return out, err
}

// ArchiveTemplate takes a template out of use (archived true) or brings
// it back (false). Its versions stay; an archived template sends nothing.
func (s *Store) ArchiveTemplate(ctx context.Context, sub *platform.Subject, id string, archived bool) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		t, err := s.templateTx(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		if err := s.access.CheckTx(tx, sub, access.Update, templateResource(t.OrgID, t.ID, t.UnitID)); err != nil {
			return err
		}
		if t.Archived == archived {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE post_templates SET archived = ?, updated_at = ?, updated_by = ? WHERE id = ?`, b2i(archived),
			store.Millis(s.now()), sub.UserID, id); err != nil {
			return err
		}
		action := "post.template_archive"
		if !archived {
			action = "post.template_restore"
		}
		e := audit.For(sub, action, "post_template", id, audit.Success)
		e.Detail = t.Name
		return s.audit.Record(tx, e)
	})
}
