package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/store"
)

// What recipients do: sign, approve, decline, pass on. Signing appends a
// PAdES signature to the document as an incremental update, so every
// earlier signature stays valid; it is made with the council's key on
// the signer's behalf (outside parties have no certificate of their
// own), names the signer and how they were identified, and shows their
// typed name in their signature box.

// Signature is what a signer gives.
type Signature struct {
	Consent bool   // to sign electronically (needed unless given before)
	Kind    string // "typed" or "drawn"
	Typed   string // the name typed (also printed with a drawn one)
	Drawn   []byte // a drawn signature, PNG
	// Values fill the signer's other fields by field ID: text, "yes" for
	// a ticked checkbox; date fields take the signing date.
	Values map[string]string
}

const maxDrawn = 200 << 10

// maxDrawnSide bounds a drawn signature's picture, which is decoded to be
// drawn in the PDF: the signing page's canvas is 300 by 100 pixels.
const maxDrawnSide = 2000

func (sig *Signature) check(r Recipient, fields []Field) []platform.FieldError {
	var bad []platform.FieldError
	if !sig.Consent && r.ConsentedAt.IsZero() {
		bad = append(bad, platform.FieldError{Field: "consent", Message: "Confirm that you agree to sign electronically"})
	}
	sig.Typed = strings.TrimSpace(sig.Typed)
	switch sig.Kind {
	case "typed", "":
		sig.Kind = "typed"
		if sig.Typed == "" || utf8.RuneCountInString(sig.Typed) > 100 {
			bad = append(bad, platform.FieldError{Field: "typed", Message: "Type your full name as your signature (up to 100 characters)"})
		}
	case "drawn":
		if len(sig.Drawn) == 0 || len(sig.Drawn) > maxDrawn {
			bad = append(bad, platform.FieldError{Field: "drawn", Message: "Draw your signature in the box (or type it instead)"})
		} else if c, err := png.DecodeConfig(bytes.NewReader(sig.Drawn)); err != nil {
			bad = append(bad, platform.FieldError{Field: "drawn", Message: "The drawn signature is not a picture we can read: draw it again or type it instead"})
		} else if c.Width < 1 || c.Height < 1 || c.Width > maxDrawnSide || c.Height > maxDrawnSide {
			bad = append(bad, platform.FieldError{Field: "drawn", Message: fmt.Sprintf("The drawn signature's picture must be at most %d by %d pixels", maxDrawnSide, maxDrawnSide)})
		}
		if sig.Typed == "" {
			sig.Typed = r.Name
		}
	default:
		bad = append(bad, platform.FieldError{Field: "kind", Message: "Choose a typed or a drawn signature"})
	}
	for _, f := range fields {
		v := strings.TrimSpace(sig.Values[f.ID])
		switch f.Kind {
		case FieldText:
			if f.Required && v == "" || utf8.RuneCountInString(v) > 500 {
				bad = append(bad, platform.FieldError{Field: "field-" + f.ID, Message: "Fill in " + cerFieldLabel(f) + " (up to 500 characters)"})
			}
		case FieldCheckbox:
			if f.Required && v != "yes" {
				bad = append(bad, platform.FieldError{Field: "field-" + f.ID, Message: "Tick " + cerFieldLabel(f)})
			}
		}
	}
	return bad
}

func cerFieldLabel(f Field) string {
	if f.Label != "" {
		return "\u201c" + f.Label + "\u201d"
	}
	return "the " + f.Kind + " field on page " + cerItoa(f.Page)
}

// Sign signs the document as the actor's recipient and moves the
// envelope on when their step is complete. Two signers of a parallel
// group signing at once are serialised: the second signs again over the
// first's update.
func (s *Store) Sign(ctx context.Context, a Actor, sig Signature) error {
	for attempt := 0; ; attempt++ {
		env, r, err := s.resolve(ctx, s.db, a)
		if err != nil {
			return err
		}
		if r.Role != RoleSigner {
			return platform.Errorf(platform.CodeConflict, "You are asked to approve this document, not sign it")
		}
		all, err := cerFields(ctx, s.db, env.ID)
		if err != nil {
			return err
		}
		var mine []Field
		for _, f := range all {
			if f.RecipientID == r.ID {
				mine = append(mine, f)
			}
		}
		if bad := sig.check(r, mine); len(bad) > 0 {
			return platform.Invalid("Check your signature", bad...)
		}
		doc, err := s.readBlob(ctx, env.CurrentBlob)
		if err != nil {
			return err
		}
		signed, values, err := s.signStep(ctx, env, r, mine, sig, doc)
		if err != nil {
			return err
		}
		info, err := s.opts.Files.Put(ctx, bytes.NewReader(signed))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(signed)
		stale := false
		err = s.db.Write(ctx, func(tx *store.Tx) error {
			env2, r2, err := s.resolveLocked(ctx, tx, a)
			if err != nil {
				return err
			}
			if env2.CurrentBlob != env.CurrentBlob || r2.ID != r.ID {
				stale = true // another signer of the group got there first
				return nil
			}
			return s.recordSigned(ctx, tx, env2, r2, mine, values, sig, info.ID, hex.EncodeToString(sum[:]), a.Addr)
		})
		if err != nil || !stale {
			return err
		}
		if attempt == 4 {
			return platform.Errorf(platform.CodeConflict, "Others are signing at the same moment: try again")
		}
	}
}

// signStep appends the signer's signature to doc, with the values of
// their other fields drawn at their places in the same incremental update
// (so the signature covers them), and returns the values by field ID as
// the evidence keeps them.
func (s *Store) signStep(ctx context.Context, env Envelope, r Recipient, fields []Field, sig Signature, doc []byte) ([]byte, map[string]string, error) {
	cred, _, err := s.sealingCredential(ctx, env.OrgID)
	if err != nil {
		return nil, nil, err
	}
	how := r.IdentifiedBy
	if how == "" {
		how = "signed in"
	}
	var drawn image.Image
	if sig.Kind == "drawn" {
		if drawn, err = png.Decode(bytes.NewReader(sig.Drawn)); err != nil {
			return nil, nil, platform.Invalid("Check your signature", platform.FieldError{Field: "drawn", Message: "The drawn signature is not a picture we can read: draw it again or type it instead"})
		}
	}
	now := s.now()
	values := fieldValues(fields, sig, now)
	opts := pades.Options{Credential: cred, Level: pades.LevelBB, Time: now, FieldName: "Signature of " + r.Name + " (" + r.ID + ")",
		Name: sig.Typed, Reason: "Signed by " + sig.Typed + " (" + sig.Kind + " signature), step " + cerItoa(r.Step) + ", " + identifiedBy(how),
		ContactInfo: r.Email}
	for _, f := range fields {
		rect := [4]float64{f.X, f.Y, f.X + f.Width, f.Y + f.Height}
		signs := f.Kind == FieldSignature || f.Kind == FieldInitials
		if signs && opts.Appearance == nil && f.Width >= 8 && f.Height >= 8 {
			// The signature itself shows in the first box that can hold it.
			opts.Appearance = &pades.Appearance{Page: f.Page, Rect: rect, Image: drawn,
				Lines: appearanceLines(sig.Typed, now, r, cred)}
			continue
		}
		v := values[f.ID]
		if v == "" && f.Kind != FieldCheckbox {
			continue // an optional field left empty: nothing to show
		}
		fill := pades.Fill{Name: fillName(f), Page: f.Page, Rect: rect, Text: v, Checkbox: f.Kind == FieldCheckbox}
		if f.Kind == FieldText || f.Kind == FieldDate {
			fill.Label = f.Label
		}
		if signs {
			fill.Image = drawn // further signature and initials boxes repeat the drawing, or show the name
		}
		opts.Fills = append(opts.Fills, fill)
		if f.Kind == FieldCheckbox && f.Label != "" {
			opts.Fills = append(opts.Fills, checkboxLabel(f))
		}
	}
	res, err := pades.Sign(ctx, doc, opts)
	if err != nil {
		return nil, nil, err
	}
	return res.PDF, values, nil
}

// fieldValues are what a signer's fields hold once they sign: their text,
// "yes" for a ticked box, the signing date, the typed name in signature
// and initials boxes.
func fieldValues(fields []Field, sig Signature, now time.Time) map[string]string {
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		v := strings.TrimSpace(sig.Values[f.ID])
		switch f.Kind {
		case FieldDate:
			v = now.Format("2 January 2006")
		case FieldSignature, FieldInitials:
			v = sig.Typed
		case FieldCheckbox:
			if v != "yes" {
				v = ""
			}
		}
		out[f.ID] = v
	}
	return out
}

// checkboxLabel prints a checkbox's label just right of its box, so the
// signed page says what the tick answers (a box draws only the tick).
// It is a read-only text of its own, signed with the tick; its width is
// the label's at about 10 points, within the page's right margin, and
// the text shrinks or wraps to fit when the box sits near that margin.
func checkboxLabel(f Field) pades.Fill {
	x := f.X + f.Width + 3
	w := math.Min(float64(utf8.RuneCountInString(f.Label))*5.6+6, math.Max(pageWidth-margin/2-x, 40))
	h := math.Max(f.Height, 14)
	return pades.Fill{Name: fillName(f) + " label", Page: f.Page, Rect: [4]float64{x, f.Y + (f.Height-h)/2, x + w, f.Y + (f.Height+h)/2}, Text: f.Label}
}

// fillName names a filled field in the PDF: its label (or kind) and ID,
// unique in the document.
func fillName(f Field) string {
	label := f.Label
	if label == "" {
		label = f.Kind
	}
	return label + " (" + f.ID + ")"
}

// recordSigned stores a signature inside the write that checked the turn.
func (s *Store) recordSigned(ctx context.Context, tx *store.Tx, env Envelope, r Recipient, fields []Field, values map[string]string, sig Signature, blobID, sha, addr string) error {
	now := s.now()
	drawn := ""
	if sig.Kind == "drawn" {
		drawn = base64.StdEncoding.EncodeToString(sig.Drawn)
	}
	consented := store.Millis(r.ConsentedAt)
	if consented == 0 {
		consented = store.Millis(now)
		if err := s.event(ctx, tx, env, r, "consented", r.Name, addr, "agreed to sign electronically", ""); err != nil {
			return err
		}
	}
	how := r.IdentifiedBy
	if how == "" {
		how = "signed in"
	}
	if _, err := tx.Exec(ctx, `UPDATE signing_recipients SET status = ?, consented_at = ?, acted_at = ?, acted_from = ?, identified_by = ?, signature_kind = ?,
		signature_text = ?, signature_image = ?, token_hash = '', session_hash = '', updated_at = ? WHERE id = ?`,
		RecipientSigned, consented, store.Millis(now), addr, how, sig.Kind, sig.Typed, drawn, store.Millis(now), r.ID); err != nil {
		return err
	}
	for _, f := range fields {
		if _, err := tx.Exec(ctx, "UPDATE signing_fields SET value = ? WHERE id = ?", values[f.ID], f.ID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET current_blob = ?, updated_at = ? WHERE id = ?", blobID, store.Millis(now), env.ID); err != nil {
		return err
	}
	if err := s.event(ctx, tx, env, r, "signed", r.Name, addr, sig.Kind+" signature \u201c"+sig.Typed+"\u201d, "+identifiedBy(how), sha); err != nil {
		return err
	}
	return s.advance(ctx, tx, env)
}

// Approve records an approver's approval (no signature is added to the
// document; the evidence keeps it) and moves the envelope on.
func (s *Store) Approve(ctx context.Context, a Actor, consent bool) error {
	for attempt := 0; ; attempt++ {
		// The document's hash is read before the write (the file store is
		// not the database), then checked unchanged inside it.
		env0, _, err := s.resolve(ctx, s.db, a)
		if err != nil {
			return err
		}
		sha, err := s.currentSHA(ctx, env0)
		if err != nil {
			return err
		}
		stale := false
		err = s.db.Write(ctx, func(tx *store.Tx) error {
			env, r, err := s.resolveLocked(ctx, tx, a)
			if err != nil {
				return err
			}
			if env.CurrentBlob != env0.CurrentBlob {
				stale = true
				return nil
			}
			if r.Role != RoleApprover {
				return platform.Errorf(platform.CodeConflict, "You are asked to sign this document, not approve it")
			}
			if !consent && r.ConsentedAt.IsZero() {
				return platform.Invalid("Check your approval", platform.FieldError{Field: "consent", Message: "Confirm that you agree to approve electronically"})
			}
			now := store.Millis(s.now())
			how := r.IdentifiedBy
			if how == "" {
				how = "signed in"
			}
			if r.ConsentedAt.IsZero() {
				if err := s.event(ctx, tx, env, r, "consented", r.Name, a.Addr, "agreed to approve electronically", ""); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE signing_recipients SET status = ?, consented_at = CASE WHEN consented_at = 0 THEN ? ELSE consented_at END, acted_at = ?,
				acted_from = ?, identified_by = ?, token_hash = '', session_hash = '', updated_at = ? WHERE id = ?`,
				RecipientApproved, now, now, a.Addr, how, now, r.ID); err != nil {
				return err
			}
			if err := s.event(ctx, tx, env, r, "approved", r.Name, a.Addr, identifiedBy(how), sha); err != nil {
				return err
			}
			return s.advance(ctx, tx, env)
		})
		if err != nil || !stale {
			return err
		}
		if attempt == 4 {
			return platform.Errorf(platform.CodeConflict, "Others are signing at the same moment: try again")
		}
	}
}

// currentSHA is the SHA-256 of the envelope's document as it stands.
func (s *Store) currentSHA(ctx context.Context, env Envelope) (string, error) {
	doc, err := s.readBlob(ctx, env.CurrentBlob)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:]), nil
}

// advance starts the next step when everyone acting in the current one
// has acted.
func (s *Store) advance(ctx context.Context, tx *store.Tx, env Envelope) error {
	rs, err := cerRecipients(ctx, tx, env.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Step == env.CurrentStep && r.Role != RoleCopy && r.Status != RecipientReassigned && r.Status != RecipientSigned && r.Status != RecipientApproved {
			return nil // a parallel group still waits for someone
		}
	}
	return s.startStep(ctx, tx, env, env.CurrentStep+1)
}

// Decline ends the envelope: the recipient will not sign, and says why.
func (s *Store) Decline(ctx context.Context, a Actor, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 1000 {
		return platform.Invalid("Say why you decline", platform.FieldError{Field: "reason", Message: "Say why you decline (up to 1,000 characters): the sender reads it"})
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		env, r, err := s.resolveLocked(ctx, tx, a)
		if err != nil {
			return err
		}
		now := store.Millis(s.now())
		if _, err := tx.Exec(ctx, "UPDATE signing_recipients SET status = ?, acted_at = ?, acted_from = ?, reason = ?, token_hash = '', session_hash = '', updated_at = ? WHERE id = ?",
			RecipientDeclined, now, a.Addr, reason, now, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET status = ?, reason = ?, completed_at = ?, updated_at = ? WHERE id = ?",
			EnvelopeDeclined, r.Name+" declined: "+reason, now, now, env.ID); err != nil {
			return err
		}
		if err := s.event(ctx, tx, env, r, "declined", r.Name, a.Addr, reason, ""); err != nil {
			return err
		}
		return s.publish(ctx, tx, env, EnvelopeDeclined)
	})
}

// publish tells subscribers (workflows) what became of an envelope.
func (s *Store) publish(ctx context.Context, tx *store.Tx, env Envelope, status string) error {
	if s.opts.Events == nil {
		return nil
	}
	_, err := s.opts.Events.Publish(ctx, tx, env.OrgID, EventEnvelope, env.ID, EnvelopeEvent{EnvelopeID: env.ID, CaseID: env.CaseID, Status: status})
	return err
}

// Reassignment passes a recipient's turn to someone else.
type Reassignment struct {
	Name, Email, Reason string
}

// Reassign passes the actor's turn to another person by email, where the
// sender allowed it; the new person gets their own link and the fields.
func (s *Store) Reassign(ctx context.Context, a Actor, to Reassignment) error {
	to.Name, to.Email, to.Reason = strings.TrimSpace(to.Name), strings.TrimSpace(to.Email), strings.TrimSpace(to.Reason)
	var bad []platform.FieldError
	if to.Name == "" || utf8.RuneCountInString(to.Name) > 200 {
		bad = append(bad, platform.FieldError{Field: "name", Message: "Enter the full name of the person who will act instead of you"})
	}
	if ad, err := mail.ParseAddress(to.Email); err != nil || ad.Address != to.Email || len(to.Email) > 254 {
		bad = append(bad, platform.FieldError{Field: "email", Message: "Enter their email address, like name@example.com"})
	}
	if to.Reason == "" || utf8.RuneCountInString(to.Reason) > 1000 {
		bad = append(bad, platform.FieldError{Field: "reason", Message: "Say why you pass it on (up to 1,000 characters)"})
	}
	if len(bad) > 0 {
		return platform.Invalid("Check who you pass it to", bad...)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		env, r, err := s.resolveLocked(ctx, tx, a)
		if err != nil {
			return err
		}
		if !r.MayReassign {
			return platform.Errorf(platform.CodeForbidden, "The sender did not allow this to be passed on to someone else: decline with a reason instead")
		}
		if strings.EqualFold(to.Email, r.Email) {
			return platform.Invalid("Check who you pass it to", platform.FieldError{Field: "email", Message: "That is your own address: give the other person's"})
		}
		now := store.Millis(s.now())
		id := platform.NewID("rcp")
		if _, err := tx.Exec(ctx, `INSERT INTO signing_recipients (id, envelope_id, org_id, step, role, name, email, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, env.ID, env.OrgID, r.Step, r.Role, to.Name, to.Email, RecipientNotified, now, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE signing_recipients SET status = ?, acted_at = ?, acted_from = ?, reason = ?, token_hash = '', session_hash = '', updated_at = ? WHERE id = ?",
			RecipientReassigned, now, a.Addr, to.Reason, now, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE signing_fields SET recipient_id = ? WHERE recipient_id = ?", id, r.ID); err != nil {
			return err
		}
		if err := s.event(ctx, tx, env, r, "reassigned", r.Name, a.Addr, "passed to "+to.Name+" <"+to.Email+">: "+to.Reason, ""); err != nil {
			return err
		}
		if err := s.event(ctx, tx, env, Recipient{ID: id}, "notified", to.Name, "", "step "+cerItoa(r.Step)+": a link by email", ""); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, jobs.Enqueued{Kind: JobNotify, OrgID: env.OrgID, Args: recipientArgs{id}, Key: id})
	})
}

// sealingCredential is the council's key that signs each step and seals
// (the keys part's SealingKey), with the revocation data source for B-LT
// (the keys part's, which knows the internal authority's CRLs).
func (s *Store) sealingCredential(ctx context.Context, orgID string) (*ca.Credential, pades.RevocationSource, error) {
	if s.opts.SealWith != nil {
		return s.opts.SealWith(ctx, orgID)
	}
	key, chain, err := s.SealingKey(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	return &ca.Credential{Key: key, Chain: chain}, s.RevocationSource(), nil
}

// identifiedBy says, for the evidence and a signature's reason, how the
// recipient was identified: a member of staff "by signing in" (their
// identified_by is "signed in", which would read "identified by signed
// in"), anyone else by their one-time code ("by code by email").
func identifiedBy(how string) string {
	if how == "signed in" {
		return "identified by signing in"
	}
	return "identified by " + how
}
