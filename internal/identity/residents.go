package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Assisted digital: people who phone or call in, many without an account.
// Front-desk staff find them by name, email, date of birth or postcode, and
// record those without an account as residents who cannot sign in yet, so
// a case can be theirs and the council can reach them the way they prefer.

// ResidentRecordType is the access resource type of the details staff
// record about residents (RecordCaller, FindResidents). Its policy,
// ResidentRecordPolicy, is registered by the identity module.
const ResidentRecordType = "resident_record"

// ResidentRecordPolicy lets every member of staff find residents and record
// callers; residents, partners and tokens without the scope may not.
func ResidentRecordPolicy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	if (a == access.Read || a == access.Create) && s.Kind == platform.SubjectUser {
		for _, role := range s.Roles {
			if role.IsStaff() {
				return access.Decision{Allowed: true, Reason: "staff help residents (assisted digital)"}
			}
		}
	}
	return access.Roles(s, a, r)
}

// Channels a resident may prefer to be contacted by.
const (
	ChannelEmail = "email"
	ChannelPhone = "phone"
	ChannelPost  = "post"
)

// Resident is a resident as staff find them: the account and what was
// recorded about them.
type Resident struct {
	User
	Phone     string `json:"phone,omitempty"`
	Postcode  string `json:"postcode,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	Channel   string `json:"channel,omitempty"`
}

const maxResidentMatches = 50

// FindResidents searches the subject's organisation's residents.
func (s *Service) FindResidents(ctx context.Context, sub *platform.Subject, q platform.ResidentQuery) ([]Resident, error) {
	if err := s.ap.Check(ctx, sub, access.Read, access.Resource{Type: ResidentRecordType, OrgID: orgOf(sub)}); err != nil {
		return nil, err
	}
	var bad []platform.FieldError
	text := strings.TrimSpace(q.Text)
	if len(text) > 200 {
		bad = append(bad, platform.FieldError{Field: "q", Message: "Search text must be 200 characters or fewer"})
	}
	birth, postcode := "", ""
	if strings.TrimSpace(q.BirthDate) != "" {
		var err error
		if birth, err = birthDate(q.BirthDate, s.now()); err != nil {
			bad = append(bad, platform.FieldError{Field: "birth_date", Message: err.Error()})
		}
	}
	if strings.TrimSpace(q.Postcode) != "" {
		pc, ok := platform.ParsePostcode(q.Postcode)
		if !ok {
			bad = append(bad, platform.FieldError{Field: "postcode", Message: "Enter a real postcode, like ME14 1XQ"})
		}
		postcode = strings.ReplaceAll(pc, " ", "")
	}
	if len(bad) == 0 && text == "" && birth == "" && postcode == "" {
		bad = append(bad, platform.FieldError{Field: "q", Message: "Enter a name, email address, date of birth or postcode"})
	}
	if len(bad) > 0 {
		return nil, platform.Invalid("Check the search", bad...)
	}
	qs := "SELECT " + prefixed("u.", userColumns) + `, COALESCE(r.phone, ''), COALESCE(r.postcode, ''), COALESCE(r.birth_date, ''), COALESCE(r.channel, '')
		FROM users u LEFT JOIN resident_records r ON r.org_id = u.org_id AND r.user_id = u.id
		WHERE u.org_id = ? AND u.roles LIKE ? AND u.disabled = 0`
	args := []any{sub.OrgID, "%," + string(platform.RoleResident) + ",%"}
	if text != "" {
		qs += ` AND (u.email_key LIKE ? ESCAPE '\' OR LOWER(u.display_name) LIKE ? ESCAPE '\')`
		p := likePattern(text)
		args = append(args, p, p)
	}
	if birth != "" {
		qs += " AND r.birth_date = ?"
		args = append(args, birth)
	}
	if postcode != "" {
		qs += " AND r.postcode_key = ?"
		args = append(args, postcode)
	}
	qs += " ORDER BY u.display_name, u.id LIMIT ?"
	args = append(args, maxResidentMatches)
	return s.queryResidents(ctx, qs, args...)
}

func (s *Service) queryResidents(ctx context.Context, q string, args ...any) ([]Resident, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Resident
	for rows.Next() {
		var r Resident
		u, err := scanUser(multiScanner{rows, []any{&r.Phone, &r.Postcode, &r.BirthDate, &r.Channel}})
		if err != nil {
			return nil, platform.Internal(err)
		}
		r.User = u.User
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// ErrPossibleDuplicate is the code of RecordCaller's refusal when people
// like the caller are already recorded; the matches come with it.
const ErrPossibleDuplicate = "possible_duplicate"

// RecordCaller records someone without an account as a resident who cannot
// sign in yet, and returns them. When residents with the same email, or the
// same name and date of birth or postcode, already exist, nothing is
// recorded: the matches are returned with a conflict error, so staff can
// act for the person already known, and only a deliberate second call with
// duplicateChecked true records a new person anyway. Never silently twice.
func (s *Service) RecordCaller(ctx context.Context, sub *platform.Subject, in platform.Caller, duplicateChecked bool) (Resident, []Resident, error) {
	if err := s.ap.Check(ctx, sub, access.Create, access.Resource{Type: ResidentRecordType, OrgID: orgOf(sub)}); err != nil {
		return Resident{}, nil, err
	}
	rec, emailKey, err := s.checkCaller(in)
	if err != nil {
		return Resident{}, nil, err
	}
	if !duplicateChecked {
		same, err := s.sameResidents(ctx, sub.OrgID, rec, emailKey)
		if err != nil {
			return Resident{}, nil, err
		}
		if len(same) > 0 {
			return Resident{}, same, &platform.Error{Code: platform.CodeConflict,
				Message: "We may already have a record of this person. Check the people below before recording someone new."}
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	rec.ID, rec.OrgID, rec.Roles, rec.CreatedAt, rec.UpdatedAt = platform.NewID("usr"), sub.OrgID, []platform.Role{platform.RoleResident}, now, now
	if emailKey == "" {
		// No email: a key of their own keeps the one-account-per-email
		// rule for everyone who has one.
		emailKey = "no-email:" + rec.ID
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := insertUser(ctx, tx, rec.User, emailKey, ""); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO resident_records (org_id, user_id, phone, postcode, postcode_key, birth_date, channel, name_key, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rec.OrgID, rec.ID, rec.Phone, rec.Postcode, strings.ReplaceAll(rec.Postcode, " ", ""),
			rec.BirthDate, rec.Channel, strings.ToLower(rec.Name), sub.UserID, store.Millis(now)); err != nil {
			return err
		}
		e := audit.For(sub, "user.record_caller", "user", rec.ID, audit.Success)
		e.Detail = "resident without sign-in recorded by staff; prefers " + rec.Channel
		if duplicateChecked {
			e.Detail += "; possible duplicates seen and set aside"
		}
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Resident{}, nil, asPlatform(err)
	}
	return rec, nil, nil
}

// checkCaller validates a caller's details and returns them as a record
// (ID unset) with the email's key ("" without one).
func (s *Service) checkCaller(in platform.Caller) (Resident, string, error) {
	var bad []platform.FieldError
	var r Resident
	name, err := cleanText("name", "name", in.Name, 200)
	if err != nil {
		bad = append(bad, platform.AsError(err).Fields...)
	}
	r.Name = name
	key := ""
	if strings.TrimSpace(in.Email) != "" {
		if r.Email, key, err = normaliseEmail(in.Email); err != nil {
			bad = append(bad, platform.AsError(err).Fields...)
		}
	}
	if strings.TrimSpace(in.Phone) != "" {
		var ok bool
		if r.Phone, ok = platform.ParsePhone(in.Phone); !ok {
			bad = append(bad, platform.FieldError{Field: "phone", Message: "Enter a UK telephone number, like 01622 694000 or 07700 900982"})
		}
	}
	if strings.TrimSpace(in.Postcode) != "" {
		var ok bool
		if r.Postcode, ok = platform.ParsePostcode(in.Postcode); !ok {
			bad = append(bad, platform.FieldError{Field: "postcode", Message: "Enter a real postcode, like ME14 1XQ"})
		}
	}
	if strings.TrimSpace(in.BirthDate) != "" {
		if r.BirthDate, err = birthDate(in.BirthDate, s.now()); err != nil {
			bad = append(bad, platform.FieldError{Field: "birth_date", Message: err.Error()})
		}
	}
	r.Channel = in.Channel
	switch in.Channel {
	case ChannelEmail:
		if strings.TrimSpace(in.Email) == "" {
			bad = append(bad, platform.FieldError{Field: "email", Message: "Enter their email address, or choose another way to contact them"})
		}
	case ChannelPhone:
		if strings.TrimSpace(in.Phone) == "" {
			bad = append(bad, platform.FieldError{Field: "phone", Message: "Enter their phone number, or choose another way to contact them"})
		}
	case ChannelPost:
		if strings.TrimSpace(in.Postcode) == "" {
			bad = append(bad, platform.FieldError{Field: "postcode", Message: "Enter their postcode, or choose another way to contact them"})
		}
	default:
		bad = append(bad, platform.FieldError{Field: "channel", Message: "Choose how they would like us to contact them"})
	}
	if len(bad) > 0 {
		return Resident{}, "", platform.Invalid("Check the caller's details", bad...)
	}
	return r, key, nil
}

// sameResidents finds residents who may be the caller: the same email, or
// the same name with the same date of birth or postcode.
func (s *Service) sameResidents(ctx context.Context, orgID string, r Resident, emailKey string) ([]Resident, error) {
	var or []string
	var args []any
	if emailKey != "" {
		or = append(or, "u.email_key = ?")
		args = append(args, emailKey)
	}
	if r.BirthDate != "" {
		or = append(or, "(LOWER(u.display_name) = ? AND rr.birth_date = ?)")
		args = append(args, strings.ToLower(r.Name), r.BirthDate)
	}
	if r.Postcode != "" {
		or = append(or, "(LOWER(u.display_name) = ? AND rr.postcode_key = ?)")
		args = append(args, strings.ToLower(r.Name), strings.ReplaceAll(r.Postcode, " ", ""))
	}
	if len(or) == 0 {
		return nil, nil
	}
	q := "SELECT " + prefixed("u.", userColumns) + `, COALESCE(rr.phone, ''), COALESCE(rr.postcode, ''), COALESCE(rr.birth_date, ''), COALESCE(rr.channel, '')
		FROM users u LEFT JOIN resident_records rr ON rr.org_id = u.org_id AND rr.user_id = u.id
		WHERE u.org_id = ? AND (` + strings.Join(or, " OR ") + ") ORDER BY u.id LIMIT 20"
	return s.queryResidents(ctx, q, append([]any{orgID}, args...)...)
}

// birthDate accepts YYYY-MM-DD (what a date input sends) or D M YYYY, and
// refuses dates in the future or more than 130 years ago.
func birthDate(raw string, now time.Time) (string, error) {
	raw = strings.TrimSpace(raw)
	var t time.Time
	var err error
	if strings.Count(raw, "-") == 2 {
		t, err = time.Parse("2006-01-02", raw)
	} else {
		var d, m, y int
		if _, serr := fmt.Sscanf(strings.NewReplacer("/", " ", ".", " ").Replace(raw), "%d %d %d", &d, &m, &y); serr != nil {
			err = serr
		} else {
			t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if t.Day() != d || int(t.Month()) != m {
				err = fmt.Errorf("not a date")
			}
		}
	}
	switch {
	case err != nil:
		return "", fmt.Errorf("Enter a real date of birth, like 27 3 1984")
	case t.After(now):
		return "", fmt.Errorf("Date of birth must be in the past")
	case t.Before(now.AddDate(-130, 0, 0)):
		return "", fmt.Errorf("Check the year of birth")
	}
	return t.Format("2006-01-02"), nil
}

func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// multiScanner scans a row's user columns and then extra.
type multiScanner struct {
	r     scanner
	extra []any
}

func (m multiScanner) Scan(dest ...any) error { return m.r.Scan(append(dest, m.extra...)...) }
