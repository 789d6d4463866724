package post

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/post/letter"
	"dbtp/internal/post/notify"
)

// LetterOf is the letter a notification prints as: the service's name and
// return address (its letter contact block) at the head, the address the
// notification is to, dated when it was made, with the caller's
// reference, the rendered heading and blocks, in large print when the
// notification says so (the sender sets LargePrint from the person's
// preferences). Store.Letter adds the council's logo.
//
// A *letter.AddressError from letter.Render means the letter cannot be
// printed (Notify's validation-failed).
func LetterOf(sv Service, n Notification, r *notify.Rendered) letter.Letter {
	when := n.CreatedAt
	if when.IsZero() {
		when = time.Now()
	}
	l := letter.Letter{Council: sv.Name, ReturnAddress: letterLines(sv.LetterContact), Address: n.Address, Date: when,
		Reference: n.Reference, LargePrint: n.LargePrint}
	if r != nil {
		l.Heading, l.Blocks = r.Subject, r.Blocks
	}
	return l
}

func letterLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// letterSettings are what every letter shares, set at start-up.
type letterSettings struct {
	logo []byte // PNG or JPEG; nil: the service's name in bold instead
}

// SetLetterLogo puts logo (PNG or JPEG) at the head of every letter Letter
// builds. Call it before serving: it is read without a lock.
func (s *Store) SetLetterLogo(logo []byte) error {
	if err := letter.CheckLogo(logo); err != nil {
		return err
	}
	s.letter.logo = logo
	return nil
}

// LetterLogo is the logo SetLetterLogo set (nil: none), for a part that
// builds its own letter.Letter.
func (s *Store) LetterLogo() []byte { return s.letter.logo }

// Letter is LetterOf with the council's logo: what the delivery part
// renders for a letter notification,
//
//	r, err := notify.Render(KindLetter, t.Subject, t.Body, n.Personalisation)
//	pdf, pages, err := letter.Render(s.Letter(sv, n, r))
func (s *Store) Letter(sv Service, n Notification, r *notify.Rendered) letter.Letter {
	l := LetterOf(sv, n, r)
	l.Logo = s.letter.logo
	return l
}

// LetterTemplate returns a letter template and the sending service it
// belongs to (for the head of its preview), if sub may read it. Email
// and text message templates are not found: they have no letter.
func (s *Store) LetterTemplate(ctx context.Context, sub *platform.Subject, id string) (Template, Service, error) {
	var sv Service
	t, err := scanTemplate(s.db.QueryRow(ctx, "SELECT "+templateColumns+" FROM post_templates WHERE id = ? AND org_id = ?", id, sub.OrgID))
	if err == nil {
		sv.ID = t.ServiceID
		err = s.db.QueryRow(ctx, "SELECT name, letter_contact FROM post_services WHERE id = ?", t.ServiceID).Scan(&sv.Name, &sv.LetterContact)
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && t.Kind != KindLetter) {
		return Template{}, Service{}, platform.NotFound("letter template")
	}
	if err != nil {
		return Template{}, Service{}, err
	}
	if err := s.access.Check(ctx, sub, access.Read, access.Resource{Type: ResourceType, ID: t.ID, OrgID: t.OrgID, BusinessUnit: t.UnitID}); err != nil {
		return Template{}, Service{}, err
	}
	return t, sv, nil
}

// LetterSampleAddress is the address a preview is printed to.
var LetterSampleAddress = []string{"A. Resident", "1 Sample Street", "Sampletown", "Northshire", "NS1 1AA"}

// LetterSample fills every placeholder of a template for a
// preview: the address lines with LetterSampleAddress, a few common names with
// believable values, anything else with its own name in square brackets
// so the reader sees what goes where. given overrides them (names matched
// case-insensitively, as Notify does).
func LetterSample(subject, body string, given map[string]string) map[string]any {
	known := map[string]string{"name": "A. Resident", "full_name": "A. Resident", "first_name": "A.", "last_name": "Resident",
		"reference": "REF-0001", "date": "2 March 2026", "postcode": "NS1 1AA"}
	for i, l := range LetterSampleAddress {
		known["address_line_"+string(rune('1'+i))] = l
	}
	low := map[string]string{}
	for k, v := range given {
		low[strings.ToLower(k)] = v
	}
	p := map[string]any{}
	for _, n := range notify.Placeholders(subject, body) {
		k := strings.ToLower(n)
		switch v, ok := low[k]; {
		case ok:
			p[n] = v
		case known[k] != "":
			p[n] = known[k]
		default:
			p[n] = "[" + strings.ReplaceAll(n, "_", " ") + "]"
		}
	}
	return p
}
