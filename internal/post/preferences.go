package post

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/letter"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
)

// Formats a person may ask for.
const (
	FormatStandard   = ""
	FormatLargePrint = "large-print"
)

// Preferences is how a person wants to hear from the council: the
// sending and delivery parts read them with PreferencesOf and honour them
// on every send.
type Preferences struct {
	PersonID string   `json:"person_id"`
	Channel  string   `json:"channel"` // KindEmail, KindSMS or KindLetter; "" = no preference (email if known, else letter)
	Format   string   `json:"format"`  // "" or "large-print" (letters at 16 pt and up; emails and texts unchanged)
	Email    string   `json:"email"`
	Phone    string   `json:"phone"` // normalised: "+447700900123"
	Address  []string `json:"address"`
	// Unsubscribed is true when the person has said no to messages that
	// are not statutory; statutory messages are still sent.
	Unsubscribed   bool      `json:"unsubscribed"`
	UnsubscribedAt time.Time `json:"unsubscribed_at,omitzero"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"` // zero: the person never said anything
	UpdatedBy      string    `json:"updated_by,omitempty"`
}

// LargePrint reports whether letters to the person are printed large.
func (p Preferences) LargePrint() bool { return p.Format == FormatLargePrint }

// Preferred is the channel to use when the sender may choose: the
// person's choice, or with none, email if their address is known, else a
// letter if their postal address is, else a text message if their
// number is; "" when the council has no way to reach them on record.
func (p Preferences) Preferred() string {
	switch {
	case p.Channel != "":
		return p.Channel
	case p.Email != "":
		return KindEmail
	case len(p.Address) > 0:
		return KindLetter
	case p.Phone != "":
		return KindSMS
	}
	return ""
}

// Allows reports whether a message may be sent to the person: statutory
// messages always are; others only while they have not unsubscribed.
func (p Preferences) Allows(statutory bool) bool { return statutory || !p.Unsubscribed }

// PreferencesInput is what a person (or staff on their behalf) says.
type PreferencesInput struct {
	Channel string   `json:"channel"` // "", "email", "sms" or "letter"
	Format  string   `json:"format"`  // "" or "large-print"
	Email   string   `json:"email"`
	Phone   string   `json:"phone"`
	Address []string `json:"address"`
	// Consent is yes to messages that are not statutory (reminders, news,
	// surveys); false unsubscribes.
	Consent bool `json:"consent"`
}

const preferenceColumns = "person_id, channel, format, email, phone, address, unsubscribed, unsubscribed_at, updated_at, updated_by"

func scanPreferences(r rowScanner) (Preferences, error) {
	var p Preferences
	var address string
	var unsub int
	var unsubAt, updated int64
	err := r.Scan(&p.PersonID, &p.Channel, &p.Format, &p.Email, &p.Phone, &address, &unsub, &unsubAt, &updated, &p.UpdatedBy)
	if address != "" {
		p.Address = strings.Split(address, "\n")
	}
	p.Unsubscribed = unsub == 1
	p.UnsubscribedAt, p.UpdatedAt = store.Time(unsubAt), store.Time(updated)
	return p, err
}

// PreferencesOf returns personID's contact preferences in orgID; a person
// who never said anything gets the zero Preferences with PersonID set.
// It checks nothing: it is for the sending and delivery parts, which act
// for a service, not for a person.
func (s *Store) PreferencesOf(ctx context.Context, orgID, personID string) (Preferences, error) {
	if personID == "" {
		return Preferences{}, nil
	}
	p, err := scanPreferences(s.db.QueryRow(ctx, "SELECT "+preferenceColumns+" FROM post_preferences WHERE org_id = ? AND person_id = ?", orgID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return Preferences{PersonID: personID}, nil
	}
	return p, err
}

// preferencesResource is a person's preferences as the access point sees
// them: the council's, read by any of its staff (no business unit owns a
// person).
func preferencesResource(orgID, personID string) access.Resource {
	return access.Resource{Type: ResourceType, ID: "preferences:" + personID, OrgID: orgID}
}

// canSpeakFor reports whether sub may read and set personID's
// preferences: the person themself, or staff who send post (who record
// what a caller says on the phone or at the desk).
func (s *Store) canSpeakFor(ctx context.Context, sub *platform.Subject, a access.Action, personID string) error {
	// A person's session or their own API token.
	if (sub.Kind == platform.SubjectUser || sub.Kind == platform.SubjectToken) && sub.UserID != "" && sub.UserID == personID {
		return nil
	}
	if !sub.IsStaff() && !sub.HasRole(platform.RoleAdmin) {
		return platform.Errorf(platform.CodeForbidden, "You can only see and change your own contact preferences")
	}
	return s.access.Check(ctx, sub, a, preferencesResource(sub.OrgID, personID))
}

// PersonPreferences returns personID's preferences for sub: the person
// themself or the council's staff.
func (s *Store) PersonPreferences(ctx context.Context, sub *platform.Subject, personID string) (Preferences, error) {
	if err := s.canSpeakFor(ctx, sub, access.Read, personID); err != nil {
		return Preferences{}, err
	}
	return s.PreferencesOf(ctx, sub.OrgID, personID)
}

func (in *PreferencesInput) check() error {
	var fs []platform.FieldError
	in.Channel, in.Format = strings.TrimSpace(in.Channel), strings.TrimSpace(in.Format)
	in.Email = strings.TrimSpace(in.Email)
	switch in.Channel {
	case "", KindEmail, KindSMS, KindLetter:
	default:
		fs = append(fs, platform.FieldError{Field: "channel", Message: "Choose email, text message or letter"})
	}
	switch in.Format {
	case FormatStandard, FormatLargePrint:
	default:
		fs = append(fs, platform.FieldError{Field: "format", Message: "Choose standard or large print"})
	}
	if in.Email != "" {
		if e, err := notify.ValidateEmail(in.Email); err == nil {
			in.Email = e
		} else {
			fs = append(fs, platform.FieldError{Field: "email", Message: "Enter an email address in the correct format, like name@example.com"})
		}
	} else if in.Channel == KindEmail {
		fs = append(fs, platform.FieldError{Field: "email", Message: "Enter the email address to write to"})
	}
	if strings.TrimSpace(in.Phone) != "" {
		if p, err := notify.PhoneE164(in.Phone, true); err == nil {
			in.Phone = p
		} else {
			fs = append(fs, platform.FieldError{Field: "phone", Message: "Enter a mobile number, like 07700 900 982 or +44 7700 900 982"})
		}
	} else if in.Channel == KindSMS {
		fs = append(fs, platform.FieldError{Field: "phone", Message: "Enter the mobile number to text"})
	}
	in.Phone = strings.TrimSpace(in.Phone)
	var lines []string
	for _, l := range in.Address {
		lines = append(lines, strings.Split(l, "\n")...)
	}
	blank := strings.TrimSpace(strings.Join(lines, "")) == ""
	switch {
	case !blank:
		addr, err := letter.CheckAddress(lines)
		if err != nil {
			fs = append(fs, platform.FieldError{Field: "address", Message: err.Error()})
		}
		in.Address = addr
	case in.Channel == KindLetter || in.Format == FormatLargePrint:
		in.Address = nil
		fs = append(fs, platform.FieldError{Field: "address", Message: "Enter the postal address for letters"})
	default:
		in.Address = nil
	}
	if len(fs) > 0 {
		return platform.Invalid("Check your contact preferences", fs...)
	}
	return nil
}

// SetPreferences records what personID said about how to reach them, as
// sub (the person or staff on their behalf). Every change is audited.
func (s *Store) SetPreferences(ctx context.Context, sub *platform.Subject, personID string, in PreferencesInput) (Preferences, error) {
	if strings.TrimSpace(personID) == "" {
		return Preferences{}, platform.Invalid("Say whose preferences these are")
	}
	if err := s.canSpeakFor(ctx, sub, access.Create, personID); err != nil {
		return Preferences{}, err
	}
	if err := in.check(); err != nil {
		return Preferences{}, err
	}
	now := s.now()
	p := Preferences{PersonID: personID, Channel: in.Channel, Format: in.Format, Email: in.Email, Phone: in.Phone, Address: in.Address,
		Unsubscribed: !in.Consent, UpdatedAt: now, UpdatedBy: sub.UserID}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var was int
		var wasAt int64
		err := tx.QueryRow(ctx, "SELECT unsubscribed, unsubscribed_at FROM post_preferences WHERE org_id = ? AND person_id = ?", sub.OrgID, personID).
			Scan(&was, &wasAt)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// The moment of saying no is kept while the answer stands.
		if p.Unsubscribed {
			p.UnsubscribedAt = now
			if was == 1 {
				p.UnsubscribedAt = store.Time(wasAt)
			}
		}
		if err := upsertPreferences(ctx, tx, sub.OrgID, p); err != nil {
			return err
		}
		e := audit.For(sub, "post.preferences_set", "post_preferences", personID, audit.Success)
		e.Detail = describePreferences(p)
		return s.audit.Record(tx, e)
	})
	return p, err
}

func upsertPreferences(ctx context.Context, tx *store.Tx, orgID string, p Preferences) error {
	_, err := tx.Exec(ctx, `INSERT INTO post_preferences (org_id, person_id, channel, format, email, phone, address, unsubscribed, unsubscribed_at, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, person_id) DO UPDATE SET channel = excluded.channel, format = excluded.format, email = excluded.email,
			phone = excluded.phone, address = excluded.address, unsubscribed = excluded.unsubscribed, unsubscribed_at = excluded.unsubscribed_at,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		orgID, p.PersonID, p.Channel, p.Format, p.Email, p.Phone, strings.Join(p.Address, "\n"), b2i(p.Unsubscribed), store.Millis(p.UnsubscribedAt),
		store.Millis(p.UpdatedAt), p.UpdatedBy)
	return err
}

// describePreferences is the audit's summary: the choices, not the
// addresses (the audit log is read more widely than the preferences).
func describePreferences(p Preferences) string {
	ch := p.Channel
	if ch == "" {
		ch = "no preference"
	}
	d := "channel " + ch
	if p.Format != "" {
		d += ", " + p.Format
	}
	if p.Unsubscribed {
		d += ", no messages that are not statutory"
	}
	return d
}
