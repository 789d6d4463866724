package post

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"unicode"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
)

// CaseSend is a message a member of staff sends from a case.
type CaseSend struct {
	CaseID          string
	CaseReference   string
	PersonID        string // the person the case is for, when known
	TemplateID      string
	To              string   // email address or phone number
	Address         []string // letters
	Personalisation map[string]any
	LargePrint      bool
}

// SendableTemplates are the templates of sub's organisation that sub may
// send with (those of the business units they send for), by name; the
// case updates pass-through is not among them.
func (s *Store) SendableTemplates(ctx context.Context, sub *platform.Subject) ([]Template, error) {
	rows, err := s.db.Query(ctx, "SELECT "+templateColumns+" FROM post_templates WHERE org_id = ? AND archived = 0 AND service_id <> ? ORDER BY name, id",
		sub.OrgID, CaseUpdatesService(sub.OrgID))
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
		if s.access.Allowed(sub, access.Create, access.Resource{Type: ResourceType, ID: t.ID, OrgID: t.OrgID, BusinessUnit: t.UnitID}) {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}

// SendFromCase sends one message from a case: the template filled in with
// the personalisation (every missing placeholder named), to the
// recipient checked for the template's kind, queued for delivery and on
// the case. A person who said no to messages that are not statutory is
// not sent one.
func (s *Store) SendFromCase(ctx context.Context, sub *platform.Subject, in CaseSend) (Notification, error) {
	if in.CaseID == "" {
		return Notification{}, platform.Invalid("Say which case the message is about")
	}
	t, err := scanTemplate(s.db.QueryRow(ctx, "SELECT "+templateColumns+" FROM post_templates WHERE id = ? AND org_id = ? AND archived = 0",
		in.TemplateID, sub.OrgID))
	if store.IsNoRows(err) {
		return Notification{}, platform.Invalid("Check the message", platform.FieldError{Field: "template", Message: "Choose a template"})
	}
	if err != nil {
		return Notification{}, err
	}
	if t.ServiceID == CaseUpdatesService(sub.OrgID) {
		return Notification{}, platform.Invalid("Check the message", platform.FieldError{Field: "template", Message: "Choose a template"})
	}
	if in.PersonID != "" && !t.Statutory {
		prefs, err := s.PreferencesOf(ctx, sub.OrgID, in.PersonID)
		if err != nil {
			return Notification{}, err
		}
		if prefs.Unsubscribed {
			return Notification{}, platform.Invalid("Check the message", platform.FieldError{Field: "template",
				Message: "This person has asked not to get messages that are not statutory: choose a statutory template or contact them another way"})
		}
	}
	n := Notification{ID: NewUUID(), OrgID: sub.OrgID, ServiceID: t.ServiceID, TemplateID: t.ID, TemplateVersion: t.Version, Kind: t.Kind,
		Reference: in.CaseReference, CaseID: in.CaseID, PersonID: in.PersonID, KeyType: KeyNormal, CreatedBy: sub.UserID, LargePrint: in.LargePrint,
		Personalisation: in.Personalisation, Status: StatusCreated}
	var fs []platform.FieldError
	switch t.Kind {
	case KindEmail:
		a, err := mail.ParseAddress(strings.TrimSpace(in.To))
		if err != nil || strings.ContainsAny(in.To, "\r\n") || !strings.Contains(a.Address, ".") {
			fs = append(fs, platform.FieldError{Field: "to", Message: "Enter an email address in the correct format, like name@example.com"})
		} else {
			n.Recipient = a.Address
		}
	case KindSMS:
		if p, ok := ukMobile(in.To); ok {
			n.Recipient = p
		} else {
			fs = append(fs, platform.FieldError{Field: "to", Message: "Enter a UK mobile number, like 07700 900 982"})
		}
	case KindLetter:
		var lines []string
		for _, l := range in.Address {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) < 3 || len(lines) > 7 {
			fs = append(fs, platform.FieldError{Field: "address", Message: "Enter the address on 3 to 7 lines, the last the postcode"})
		} else {
			n.Address, n.Recipient, n.Postage = lines, lines[0], "second"
		}
	}
	r, err := notify.Render(t.Kind, t.Subject, t.Body, in.Personalisation)
	var missing *notify.MissingError
	switch {
	case errors.As(err, &missing):
		for _, name := range missing.Names {
			fs = append(fs, platform.FieldError{Field: "p:" + name, Message: "Enter " + name})
		}
	case err != nil:
		return Notification{}, platform.Invalid(err.Error())
	default:
		n.Subject, n.Body, n.Fragments = r.Subject, r.Text, r.Fragments
	}
	if len(fs) > 0 {
		return Notification{}, platform.Invalid("Check the message", fs...)
	}
	p, err := json.Marshal(in.Personalisation)
	if err != nil {
		return Notification{}, platform.Invalid("Check the message")
	}
	n.CreatedAt = s.now()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Create, access.Resource{Type: ResourceType, ID: t.ID, OrgID: t.OrgID, BusinessUnit: t.UnitID}); err != nil {
			return err
		}
		if err := s.insertForDelivery(ctx, tx, n, string(p)); err != nil {
			return err
		}
		e := audit.For(sub, "post.notification_create", "post_notification", n.ID, audit.Success)
		e.Detail = t.Kind + " from case " + in.CaseReference + " with template " + t.Name
		return s.audit.Record(tx, e)
	})
	return n, err
}

// ukMobile normalises a UK mobile number to +447...; the templates part's
// full check (international numbers as Notify takes them) replaces it at
// merge.
func ukMobile(s string) (string, bool) {
	var d strings.Builder
	for i, c := range strings.TrimSpace(s) {
		switch {
		case unicode.IsDigit(c):
			d.WriteRune(c)
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')':
		default:
			return "", false
		}
	}
	n := d.String()
	switch {
	case strings.HasPrefix(n, "447"):
		n = n[2:]
	case strings.HasPrefix(n, "00447"):
		n = n[4:]
	case strings.HasPrefix(n, "07"):
		n = n[1:]
	default:
		return "", false
	}
	if len(n) != 10 {
		return "", false
	}
	return "+44" + n, true
}
