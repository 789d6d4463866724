package post

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"dbtp/internal/access"
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
	// ChannelReason is why it goes by another channel than the person
	// prefers: needed then, and kept with the message.
	ChannelReason string
}

// MaxChannelReason is the longest reason for not using the person's
// preferred channel: a short note, not a letter.
const MaxChannelReason = 500

// SendableTemplates are the templates of sub's organisation that sub may
// send with (those of the business units they send for), by name; the
// case updates pass-through is not among them.
func (s *Store) SendableTemplates(ctx context.Context, sub *platform.Subject) ([]Template, error) {
	ts, err := s.scanTemplates(ctx, "SELECT "+templateColumns+" FROM post_templates WHERE org_id = ? AND archived = 0 ORDER BY name, id", sub.OrgID)
	if err != nil {
		return nil, err
	}
	out := ts[:0]
	for _, t := range ts {
		if !isCaseUpdates(t) && s.access.Allowed(sub, access.Create, access.Resource{Type: ResourceType, ID: t.ID, OrgID: t.OrgID, BusinessUnit: t.UnitID}) {
			out = append(out, t)
		}
	}
	return out, nil
}

// SendFromCase sends one message from a case through the send path every
// notification takes (Store.send): the template filled in with the
// personalisation, to the recipient checked for the template's kind,
// queued for delivery and on the case. The page's checks come first so
// that every mistake is named at once against its field (the recipient,
// the reason for another channel, and each missing placeholder,
// "p:<name>"), in the page's words. A person who said no to messages that
// are not statutory is not sent one.
func (s *Store) SendFromCase(ctx context.Context, sub *platform.Subject, in CaseSend) (Notification, error) {
	t, sv, in, err := s.checkCaseSend(ctx, sub, in)
	if err != nil {
		return Notification{}, err
	}
	n, err := s.send(ctx, sv, sub, nil, in.sendInput(t))
	return n, casePageError(err, t.Kind)
}

// CasePreview is a message from a case as it would be sent: what the
// "Check your message" page shows before anything is stored.
type CasePreview struct {
	Notification Notification // as it would be stored: recipient, subject, text, large print, fragments
	Template     Template
	Service      Service
	Rendered     *notify.Rendered // the filled-in template, for showing
}

// PreviewFromCase checks a message from a case exactly as SendFromCase
// does, with the same errors, and renders it without storing anything:
// what a person checks before pressing Send.
func (s *Store) PreviewFromCase(ctx context.Context, sub *platform.Subject, in CaseSend) (CasePreview, error) {
	t, sv, in, err := s.checkCaseSend(ctx, sub, in)
	if err != nil {
		return CasePreview{}, err
	}
	if err := s.access.Check(ctx, sub, access.Create, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
		return CasePreview{}, err
	}
	if sv.Archived {
		return CasePreview{}, casePageError(sendError(400, "BadRequestError", "", "Service is archived: it cannot send"), t.Kind)
	}
	n, err := s.prepare(ctx, sv, t, in.sendInput(t))
	if err != nil {
		return CasePreview{}, casePageError(err, t.Kind)
	}
	r, err := notify.Render(t.Kind, t.Subject, t.Body, n.Personalisation)
	if err != nil { // prepare rendered it just now
		return CasePreview{}, err
	}
	return CasePreview{Notification: n, Template: t, Service: sv, Rendered: r}, nil
}

func (in CaseSend) sendInput(t Template) SendInput {
	return SendInput{Kind: t.Kind, TemplateID: t.ID, To: in.To, Address: in.Address, Personalisation: in.Personalisation,
		Reference: in.CaseReference, CaseID: in.CaseID, PersonID: in.PersonID, LargePrint: in.LargePrint, ChannelReason: in.ChannelReason}
}

// checkCaseSend finds the template and its service and names every
// mistake in the message at once. The reason for another channel is kept
// only when the channel is not the person's preferred one.
func (s *Store) checkCaseSend(ctx context.Context, sub *platform.Subject, in CaseSend) (Template, Service, CaseSend, error) {
	if in.CaseID == "" {
		return Template{}, Service{}, in, platform.Invalid("Say which case the message is about")
	}
	t, err := scanTemplate(s.db.QueryRow(ctx, "SELECT "+templateColumns+" FROM post_templates WHERE id = ? AND org_id = ? AND archived = 0",
		in.TemplateID, sub.OrgID))
	if store.IsNoRows(err) || err == nil && isCaseUpdates(t) {
		return t, Service{}, in, platform.Invalid("Check the message", platform.FieldError{Field: "template", Message: "Choose a template"})
	}
	if err != nil {
		return t, Service{}, in, err
	}
	prefs, err := s.PreferencesOf(ctx, sub.OrgID, in.PersonID)
	if err != nil {
		return t, Service{}, in, err
	}
	var fs []platform.FieldError
	in.ChannelReason = strings.TrimSpace(strings.ReplaceAll(in.ChannelReason, "\r\n", "\n"))
	switch {
	case prefs.Channel == "" || prefs.Channel == t.Kind:
		in.ChannelReason = ""
	case in.ChannelReason == "":
		fs = append(fs, platform.FieldError{Field: "reason", Message: "Say why this goes by " + KindWords(t.Kind) + " when they prefer " + KindWords(prefs.Channel) + "s"})
	case utf8.RuneCountInString(in.ChannelReason) > MaxChannelReason:
		fs = append(fs, platform.FieldError{Field: "reason", Message: fmt.Sprintf("The reason must be %d characters or fewer", MaxChannelReason)})
	}
	switch t.Kind {
	case KindEmail:
		if strings.TrimSpace(in.To) == "" {
			fs = append(fs, platform.FieldError{Field: "to", Message: "Enter an email address"})
		} else if _, err := notify.ValidateEmail(in.To); err != nil {
			fs = append(fs, platform.FieldError{Field: "to", Message: "Enter an email address in the correct format, like name@example.com"})
		}
	case KindSMS:
		if strings.TrimSpace(in.To) == "" {
			fs = append(fs, platform.FieldError{Field: "to", Message: "Enter a mobile number"})
		} else if _, err := notify.PhoneE164(in.To, false); err != nil {
			fs = append(fs, platform.FieldError{Field: "to", Message: "Enter a UK mobile number, like 07700 900 982 (" + err.Error() + ")"})
		}
	case KindLetter:
		if _, why := checkAddress(in.Address); why != "" {
			fs = append(fs, platform.FieldError{Field: "address", Message: "Enter the address on 3 to 7 lines, the last the postcode (" + why + ")"})
		}
	}
	var missing *notify.MissingError
	if _, err := notify.Render(t.Kind, t.Subject, t.Body, in.Personalisation); errors.As(err, &missing) {
		for _, name := range uniqueNames(missing.Names) {
			fs = append(fs, platform.FieldError{Field: "p:" + name, Message: "Enter " + name})
		}
	}
	if len(fs) > 0 {
		return t, Service{}, in, platform.Invalid("Check the message", fs...)
	}
	sv, err := s.ServiceByID(ctx, t.ServiceID)
	return t, sv, in, err
}

// KindWords is a kind of message as people say it: "email", "text
// message", "letter".
func KindWords(kind string) string {
	switch kind {
	case KindSMS:
		return "text message"
	case KindEmail, KindLetter:
		return kind
	}
	return ""
}

// casePageError puts a refusal of the send path against the send page's
// fields: the recipient is "to", a letter's address "address", and a
// refusal of the message as a whole (the person unsubscribed, say) is
// against the template chosen.
func casePageError(err error, kind string) error {
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Code != platform.CodeInvalid {
		return err
	}
	field := "template"
	if len(pe.Fields) > 0 {
		switch pe.Fields[0].Field {
		case "email_address", "phone_number":
			field = "to"
		case "personalisation", "postage":
			if kind == KindLetter {
				field = "address"
			}
		}
	}
	return platform.Invalid("Check the message", platform.FieldError{Field: field, Message: pe.Message})
}
