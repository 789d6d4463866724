package signing

import (
	"context"
	"fmt"
	"net/mail"
	"sort"
	"strconv"
	"strings"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// RecipientInput is one recipient of a draft. Step orders them: everyone
// in step 1 acts (in any order among themselves: a parallel group), then
// step 2, and so on. Steps are renumbered 1, 2, ... keeping their order,
// so "1, 3, 3" becomes "1, 2, 2".
type RecipientInput struct {
	Step int    `json:"step"`
	Role string `json:"role"` // signer | approver | copy
	// UserID is a member of staff who signs signed in; or Name and Email
	// of an outside party, who gets a one-time code before they see the
	// document: by email (CodeBy "email"), or by text message to Phone, a
	// UK mobile number (CodeBy "sms"). An empty CodeBy means by text
	// message when Phone is given, else by email.
	UserID      string `json:"user_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	CodeBy      string `json:"code_by,omitempty"`
	MayReassign bool   `json:"may_reassign,omitempty"`
}

// How an outside party gets their one-time code (RecipientInput.CodeBy).
const (
	CodeByEmail = "email"
	CodeBySMS   = "sms"
)

// People names staff recipients: platform.Directory (identity) does.
type People interface {
	Person(ctx context.Context, s *platform.Subject, id string) (platform.Person, error)
}

// CheckRecipients checks recipients without writing, naming staff from
// people: forms use it to report every problem at once.
func CheckRecipients(ctx context.Context, sub *platform.Subject, people People, in []RecipientInput) ([]Recipient, error) {
	if len(in) > maxRecipients {
		return nil, platform.Invalid("Check the recipients", platform.FieldError{Field: "recipients", Message: fmt.Sprintf("An envelope can have at most %d recipients", maxRecipients)})
	}
	var errs []platform.FieldError
	out := make([]Recipient, 0, len(in))
	for i, r := range in {
		f := func(name string) string { return fmt.Sprintf("recipients[%d].%s", i, name) }
		rec := Recipient{Step: r.Step, Role: strings.TrimSpace(r.Role), UserID: strings.TrimSpace(r.UserID), Name: strings.TrimSpace(r.Name),
			Email: strings.ToLower(strings.TrimSpace(r.Email)), MayReassign: r.MayReassign}
		if rec.Role != RoleSigner && rec.Role != RoleApprover && rec.Role != RoleCopy {
			errs = append(errs, platform.FieldError{Field: f("role"), Message: "Choose whether they sign, approve or receive a copy"})
		}
		if rec.Step < 1 || rec.Step > maxRecipients {
			errs = append(errs, platform.FieldError{Field: f("step"), Message: fmt.Sprintf("Enter a step from 1 to %d", maxRecipients)})
		}
		if rec.UserID != "" {
			p, err := people.Person(ctx, sub, rec.UserID)
			if err != nil || p.OrgID != sub.OrgID {
				errs = append(errs, platform.FieldError{Field: f("user_id"), Message: "Choose a member of staff of this council"})
			} else {
				rec.Name, rec.Email = p.Name, strings.ToLower(p.Email)
			}
		} else {
			if rec.Name == "" || len(rec.Name) > 200 {
				errs = append(errs, platform.FieldError{Field: f("name"), Message: "Enter the recipient's full name"})
			}
			if a, err := mail.ParseAddress(rec.Email); err != nil || a.Address != rec.Email {
				errs = append(errs, platform.FieldError{Field: f("email"), Message: "Enter an email address, like name@example.com"})
			}
		}
		if rec.UserID == "" {
			// Only outside parties get codes (staff sign signed in): a
			// phone kept means codes by text message.
			phone, fe := codeChannel(r)
			if fe != nil {
				fe.Field = f(fe.Field)
				errs = append(errs, *fe)
			}
			rec.Phone = phone
		}
		out = append(out, rec)
	}
	if errs != nil {
		return nil, platform.Invalid("Check the recipients", errs...)
	}
	renumber(out)
	return out, nil
}

// SetRecipients replaces a draft's recipients (and drops the fields of
// those removed). Staff are looked up in people, so their names and
// addresses are the directory's.
func (s *Store) SetRecipients(ctx context.Context, sub *platform.Subject, people People, id string, in []RecipientInput) ([]Recipient, error) {
	out, err := CheckRecipients(ctx, sub, people, in)
	if err != nil {
		return nil, err
	}
	err = s.change(ctx, sub, id, func(tx *store.Tx) error {
		env, err := s.draftFor(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		return s.setRecipientsTx(ctx, tx, sub, env, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// setRecipientsTx writes checked recipients, setting their IDs.
func (s *Store) setRecipientsTx(ctx context.Context, tx *store.Tx, sub *platform.Subject, env Envelope, out []Recipient) error {
	id := env.ID
	old, err := s.recipients(ctx, tx, id)
	if err != nil {
		return err
	}
	// Keep the IDs (and so the fields) of recipients who stay: the
	// same person in the same role.
	kept := map[string]bool{}
	for i := range out {
		for _, o := range old {
			if !kept[o.ID] && o.Role == out[i].Role && o.Email == out[i].Email && o.UserID == out[i].UserID {
				out[i].ID, kept[o.ID] = o.ID, true
				break
			}
		}
	}
	for _, o := range old {
		if !kept[o.ID] || o.Role == RoleCopy {
			if _, err := tx.Exec(ctx, "DELETE FROM signing_fields WHERE recipient_id = ?", o.ID); err != nil {
				return err
			}
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM signing_recipients WHERE envelope_id = ?", id); err != nil {
		return err
	}
	now := store.Millis(s.now())
	for i := range out {
		r := &out[i]
		if r.ID == "" {
			r.ID = platform.NewID("rcp")
		}
		r.EnvelopeID, r.OrgID, r.Status = id, env.OrgID, RecipientWaiting
		if _, err := tx.Exec(ctx, `INSERT INTO signing_recipients (id, envelope_id, org_id, step, role, user_id, name, email, phone, status, may_reassign, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, id, env.OrgID, r.Step, r.Role, r.UserID, r.Name, r.Email, r.Phone, r.Status, b2i(r.MayReassign), now, now); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET updated_at = ? WHERE id = ?", now, id); err != nil {
		return err
	}
	e := audit.For(sub, "signing.envelope_recipients", ResourceType, id, audit.Success)
	e.Detail = fmt.Sprintf("%d recipient(s)", len(out))
	return s.audit.Record(tx, e)
}

// renumber closes gaps in the steps, keeping their order and the input's
// order within a step.
func renumber(rs []Recipient) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Step < rs[j].Step })
	n, last := 0, -1
	for i := range rs {
		if rs[i].Step != last {
			n, last = n+1, rs[i].Step
		}
		rs[i].Step = n
	}
}

// codeChannel reads how an outside party gets their code: the UK mobile
// number to text it to (as +447...), or "" for email.
func codeChannel(r RecipientInput) (string, *platform.FieldError) {
	by, phone := strings.ToLower(strings.TrimSpace(r.CodeBy)), strings.TrimSpace(r.Phone)
	switch by {
	case CodeByEmail:
		return "", nil // a number given anyway is not kept: the sender chose email
	case CodeBySMS:
		if phone == "" {
			return "", &platform.FieldError{Field: "phone", Message: "Enter their UK mobile number for the code by text message, or choose email"}
		}
	case "":
		if phone == "" {
			return "", nil
		}
	default:
		return "", &platform.FieldError{Field: "code_by", Message: "Choose how they get their code: email or text message"}
	}
	n, ok := UKMobile(phone)
	if !ok {
		return "", &platform.FieldError{Field: "phone", Message: "Enter a UK mobile number, like 07700 900123 or +44 7700 900123: codes by text message go only to UK mobiles"}
	}
	return n, nil
}

// UKMobile returns a UK mobile number as +447 and nine digits, as digital
// post sends to it, accepting the ways people write one (07700 900123,
// +44 (0)7700 900123, 0044 7700-900123). Landlines, numbers abroad and
// anything else are refused: the code goes by text message only to UK
// mobiles, as GOV.UK Notify's do.
func UKMobile(p string) (string, bool) {
	p = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", ".", "", "\u00a0", "").Replace(p)
	switch {
	case strings.HasPrefix(p, "+44"):
		p = p[3:]
	case strings.HasPrefix(p, "0044"):
		p = p[4:]
	case strings.HasPrefix(p, "44") && len(p) == 12:
		p = p[2:]
	}
	p = strings.TrimPrefix(p, "0")
	if len(p) != 10 || p[0] != '7' {
		return "", false
	}
	if _, err := strconv.ParseUint(p, 10, 64); err != nil {
		return "", false
	}
	return "+44" + p, true
}

// FieldInput is a field placed on a page for a recipient: at X, Y (points
// from the page's bottom-left corner, as PDF counts), or at a named
// Position ("bottom of the last page", see Positions) for those placing
// without a pointer.
type FieldInput struct {
	RecipientID string  `json:"recipient_id"`
	Kind        string  `json:"kind"`
	Page        int     `json:"page"` // 1-based, or LastPage (-1); with Position, may be 0
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	Width       float64 `json:"width,omitempty"`  // 0: the kind's usual size
	Height      float64 `json:"height,omitempty"` // 0: the kind's usual size
	Position    string  `json:"position,omitempty"`
	Required    *bool   `json:"required,omitempty"` // nil: required
	Label       string  `json:"label,omitempty"`
}

// LastPage as a field's page is the document's last, whatever its length.
const LastPage = -1

// Page geometry for named positions: A4 portrait in points, which the
// council's documents are; a field placed by name on another size still
// lands on the page, from its bottom-left corner.
const (
	pageWidth  = 595.0
	pageHeight = 842.0
	margin     = 56.0 // about 2 cm
	maxCoord   = 14400.0
)

// Positions are the named places a field may be put, for placing without
// a pointer; "last" pages count from the document's end.
var Positions = []string{"bottom of the last page", "bottom right of the last page", "top of the first page", "bottom of the first page", "bottom of each page"}

// fieldSize is a kind's usual size in points.
func fieldSize(kind string) (w, h float64) {
	switch kind {
	case FieldSignature:
		// Room for a drawing above three or four lines of 7-point text:
		// who, when, and how they were identified.
		return 200, 64
	case FieldInitials:
		return 60, 36
	case FieldDate:
		return 100, 20
	case FieldCheckbox:
		return 14, 14
	default:
		return 180, 20
	}
}

// SetFields replaces a draft's fields. Each belongs to a signer or
// approver of the draft, lies on a page of the document and inside it.
func (s *Store) SetFields(ctx context.Context, sub *platform.Subject, id string, in []FieldInput) ([]Field, error) {
	if len(in) > maxFields {
		return nil, platform.Invalid("Check the fields", platform.FieldError{Field: "fields", Message: fmt.Sprintf("An envelope can have at most %d fields", maxFields)})
	}
	var out []Field
	err := s.change(ctx, sub, id, func(tx *store.Tx) error {
		env, err := s.draftFor(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		out, err = s.setFieldsTx(ctx, tx, sub, env, in)
		return err
	})
	return out, err
}

// setFieldsTx replaces a draft's fields inside a write.
func (s *Store) setFieldsTx(ctx context.Context, tx *store.Tx, sub *platform.Subject, env Envelope, in []FieldInput) ([]Field, error) {
	id := env.ID
	var out []Field
	rs, err := s.recipients(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if out, err = placeFields(env, rs, in); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM signing_fields WHERE envelope_id = ?", id); err != nil {
		return nil, err
	}
	for _, f := range out {
		if _, err := tx.Exec(ctx, `INSERT INTO signing_fields (id, envelope_id, recipient_id, kind, page, x, y, width, height, required, label)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.ID, id, f.RecipientID, f.Kind, f.Page, f.X, f.Y, f.Width, f.Height, b2i(f.Required), f.Label); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET updated_at = ? WHERE id = ?", store.Millis(s.now()), id); err != nil {
		return nil, err
	}
	e := audit.For(sub, "signing.envelope_fields", ResourceType, id, audit.Success)
	e.Detail = fmt.Sprintf("%d field(s)", len(out))
	return out, s.audit.Record(tx, e)
}

// placeFields checks the fields and turns named positions into places.
func placeFields(env Envelope, rs []Recipient, in []FieldInput) ([]Field, error) {
	byID := map[string]Recipient{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	var errs []platform.FieldError
	var out []Field
	var src []int // the input each placed field came from
	for i, fi := range in {
		f := func(name string) string { return fmt.Sprintf("fields[%d].%s", i, name) }
		kind := strings.TrimSpace(fi.Kind)
		switch kind {
		case FieldSignature, FieldInitials, FieldDate, FieldText, FieldCheckbox:
		default:
			errs = append(errs, platform.FieldError{Field: f("kind"), Message: "Choose a signature, initials, date, text or checkbox field"})
		}
		r, ok := byID[fi.RecipientID]
		if !ok || r.Role == RoleCopy {
			errs = append(errs, platform.FieldError{Field: f("recipient_id"), Message: "Choose a recipient who signs or approves"})
		}
		w, h := fi.Width, fi.Height
		dw, dh := fieldSize(kind)
		if w == 0 {
			w = dw
		}
		if h == 0 {
			h = dh
		}
		pos := strings.ToLower(strings.TrimSpace(fi.Position))
		if fi.Page == LastPage {
			fi.Page = env.Pages
		}
		var places []Field
		if pos != "" {
			ps, ok := named(pos, env.Pages, fi.Page, w, h)
			if !ok {
				errs = append(errs, platform.FieldError{Field: f("position"), Message: "Choose a position from the list, or give the page, x and y"})
			}
			places = ps
		} else {
			switch {
			case fi.Page < 1 || fi.Page > env.Pages:
				errs = append(errs, platform.FieldError{Field: f("page"), Message: fmt.Sprintf("Enter a page from 1 to %d", env.Pages)})
			case fi.X < 0 || fi.Y < 0 || fi.X > maxCoord || fi.Y > maxCoord:
				errs = append(errs, platform.FieldError{Field: f("x"), Message: "Enter x and y as points from the page's bottom-left corner, 0 or more"})
			}
			places = []Field{{Page: fi.Page, X: fi.X, Y: fi.Y}}
		}
		if w < 4 || h < 4 || w > 1000 || h > 1000 {
			errs = append(errs, platform.FieldError{Field: f("width"), Message: "Enter a width and height from 4 to 1,000 points"})
		}
		label := strings.TrimSpace(fi.Label)
		if len(label) > 200 {
			errs = append(errs, platform.FieldError{Field: f("label"), Message: "Enter a label of 200 characters or fewer"})
		}
		for _, p := range places {
			out = append(out, Field{ID: platform.NewID("fld"), EnvelopeID: env.ID, RecipientID: fi.RecipientID, Kind: kind, Page: p.Page,
				X: p.X, Y: p.Y, Width: w, Height: h, Required: fi.Required == nil || *fi.Required, Label: label})
			src = append(src, i)
		}
	}
	if errs == nil {
		errs = overlaps(out, src, byID)
	}
	if len(out) > maxFields {
		errs = append(errs, platform.FieldError{Field: "fields", Message: fmt.Sprintf("An envelope can have at most %d fields", maxFields)})
	}
	if errs != nil {
		return nil, platform.Invalid("Check the fields", errs...)
	}
	return out, nil
}

// FieldSize is a kind's usual size in points, for pages that draw a
// field before it is saved.
func FieldSize(kind string) (w, h float64) { return fieldSize(kind) }

// PositionPlaces are where a field of kind put at a named position lands
// on a document of pages (one place, or one per page), each with the
// kind's usual size; false for a position not in Positions. The fields
// page draws them on its page maps before the fields are saved.
func PositionPlaces(pos string, pages int, kind string) ([]Field, bool) {
	w, h := fieldSize(kind)
	ps, ok := named(strings.ToLower(strings.TrimSpace(pos)), pages, 0, w, h)
	for i := range ps {
		ps[i].Width, ps[i].Height = w, h
	}
	return ps, ok
}

// named turns a named position into places (one, or one per page).
func named(pos string, pages, page int, w, h float64) ([]Field, bool) {
	left, bottom, top := margin, margin, pageHeight-margin-h
	right := pageWidth - margin - w
	switch pos {
	case "bottom of the last page":
		return []Field{{Page: pages, X: left, Y: bottom}}, true
	case "bottom right of the last page":
		return []Field{{Page: pages, X: right, Y: bottom}}, true
	case "top of the first page":
		return []Field{{Page: 1, X: left, Y: top}}, true
	case "bottom of the first page":
		return []Field{{Page: 1, X: left, Y: bottom}}, true
	case "bottom of each page":
		out := make([]Field, 0, pages)
		for p := 1; p <= pages; p++ {
			out = append(out, Field{Page: p, X: right, Y: bottom})
		}
		return out, true
	}
	return nil, false
}

// overlaps refuses two fields that cover each other on the same page:
// the sealed PDF would print one signer's box over another's. Each
// clash is reported once, on the later field, naming the earlier by its
// recipient, kind and label, so the sender knows which one to move.
func overlaps(out []Field, src []int, who map[string]Recipient) []platform.FieldError {
	var errs []platform.FieldError
	seen := map[int]bool{}
	for j := range out {
		for i := 0; i < j; i++ {
			a, b := out[i], out[j]
			if a.Page != b.Page || src[i] == src[j] || seen[src[j]] {
				continue
			}
			if a.X < b.X+b.Width && b.X < a.X+a.Width && a.Y < b.Y+b.Height && b.Y < a.Y+a.Height {
				seen[src[j]] = true
				errs = append(errs, platform.FieldError{Field: fmt.Sprintf("fields[%d].position", src[j]),
					Message: fmt.Sprintf("This field overlaps %s on page %d (at x %g, y %g): move one of them", fieldWords(a, who[a.RecipientID].Name), a.Page, a.X, a.Y)})
			}
		}
	}
	return errs
}

// fieldKindWords name a kind of field in a sentence.
var fieldKindWords = map[string]string{FieldSignature: "signature", FieldInitials: "initials", FieldDate: "date", FieldText: "text field", FieldCheckbox: "checkbox"}

// fieldWords names a field in a sentence: Sam Supplier's checkbox
// “I have read the terms”.
func fieldWords(f Field, name string) string {
	s := fieldKindWords[f.Kind]
	if name != "" {
		s = name + "’s " + s
	} else {
		s = "the " + s
	}
	if f.Label != "" {
		s += " “" + f.Label + "”"
	}
	return s
}

// DefaultSignaturePlaces are where the fields form first puts the
// signers' signature boxes, one each, on the last page of a document of
// pages: side by side along the bottom margin, then a row higher, so no
// two overlap.
func DefaultSignaturePlaces(pages, n int) []Field {
	w, h := fieldSize(FieldSignature)
	out := make([]Field, 0, n)
	for i := 0; i < n; i++ {
		x := margin
		if i%2 == 1 {
			x = pageWidth - margin - w
		}
		out = append(out, Field{Page: pages, X: x, Y: margin + float64(i/2)*(h+14)})
	}
	return out
}
