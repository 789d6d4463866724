package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/signing/pades"
	"dbtp/internal/store"
)

// The sender's side of an envelope: a draft made from a PDF, its
// recipients in steps, the fields they fill, then send; void; read.

// MaxPDFSize caps an uploaded PDF: a contract is rarely more than a few
// megabytes, and each signature step holds the whole file in memory.
const MaxPDFSize = 20 << 20

// Limits on one envelope, so a draft cannot grow without end.
const (
	maxRecipients = 50
	maxFields     = 500
	maxExpiryDays = 365
	// DefaultExpiryDays is how long a sent envelope waits for its
	// recipients when the sender does not say.
	DefaultExpiryDays = 30
)

// NewEnvelope is a draft: its document and what the sender says of it.
type NewEnvelope struct {
	Title   string `json:"title"`
	Message string `json:"message,omitempty"`
	// UnitID is the owning business unit; empty: the sender's first.
	UnitID string `json:"business_unit_id,omitempty"`
	CaseID string `json:"case_id,omitempty"`
	// ExpiresInDays after sending; 0: DefaultExpiryDays.
	ExpiresInDays   int    `json:"expires_in_days,omitempty"`
	RemindEveryDays int    `json:"remind_every_days,omitempty"`
	PDF             []byte `json:"-"`

	// The template and version the PDF was made from (FromTemplate).
	template, templateName string
	templateVersion        int
}

func (in *NewEnvelope) check(sub *platform.Subject) []platform.FieldError {
	in.Title, in.Message, in.UnitID, in.CaseID = strings.TrimSpace(in.Title), strings.TrimSpace(in.Message), strings.TrimSpace(in.UnitID), strings.TrimSpace(in.CaseID)
	var errs []platform.FieldError
	switch {
	case in.Title == "":
		errs = append(errs, platform.FieldError{Field: "title", Message: "Enter a title, like \"Supply contract CT-2026-017\""})
	case len(in.Title) > 200:
		errs = append(errs, platform.FieldError{Field: "title", Message: "Enter a title of 200 characters or fewer"})
	}
	if len(in.Message) > 2000 {
		errs = append(errs, platform.FieldError{Field: "message", Message: "Enter a message of 2,000 characters or fewer"})
	}
	if in.UnitID == "" && len(sub.BusinessUnits) > 0 {
		in.UnitID = sub.BusinessUnits[0]
	}
	if in.ExpiresInDays == 0 {
		in.ExpiresInDays = DefaultExpiryDays
	}
	if in.ExpiresInDays < 1 || in.ExpiresInDays > maxExpiryDays {
		errs = append(errs, platform.FieldError{Field: "expires_in_days", Message: fmt.Sprintf("Enter a number of days from 1 to %d", maxExpiryDays)})
	}
	if in.RemindEveryDays < 0 || in.RemindEveryDays > 30 {
		errs = append(errs, platform.FieldError{Field: "remind_every_days", Message: "Enter a number of days from 0 (no reminders) to 30"})
	}
	return errs
}

// CheckPDF is what an upload must pass: a PDF no larger than MaxPDFSize,
// not encrypted, readable, with pages and no signatures yet (signing a
// signed PDF again would be a different promise from the one its signers
// made). It returns the page count.
func CheckPDF(doc []byte) (int, error) {
	if len(doc) == 0 {
		return 0, platform.Invalid("Check the document", platform.FieldError{Field: "pdf", Message: "Choose a PDF to upload"})
	}
	d, err := pades.Inspect(doc, MaxPDFSize)
	if err != nil {
		pe := platform.AsError(err)
		return 0, &platform.Error{Code: pe.Code, Message: "Check the document", Err: err,
			Fields: []platform.FieldError{{Field: "pdf", Message: upper(pe.Message)}}}
	}
	if d.Signatures > 0 {
		return 0, platform.Invalid("Check the document", platform.FieldError{Field: "pdf",
			Message: fmt.Sprintf("The PDF already carries %d signature(s): upload the document before anyone signed it", d.Signatures)})
	}
	return d.Pages, nil
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Create makes a draft envelope from a PDF. Nothing is written when the
// PDF or the details are refused.
func (s *Store) Create(ctx context.Context, sub *platform.Subject, in NewEnvelope) (Envelope, error) {
	env, err := s.prepare(ctx, sub, in)
	if err != nil {
		return Envelope{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error { return s.insertTx(ctx, tx, sub, env) })
	return env, err
}

// prepare checks a new envelope and keeps its PDF (a file nobody refers
// to if the write then fails, which the file store's sweep removes).
func (s *Store) prepare(ctx context.Context, sub *platform.Subject, in NewEnvelope) (Envelope, error) {
	errs := in.check(sub)
	pages, perr := CheckPDF(in.PDF)
	if perr != nil {
		pe := platform.AsError(perr)
		if pe.Code != platform.CodeInvalid {
			return Envelope{}, perr // too large: say so with its own code
		}
		errs = append(errs, pe.Fields...)
	}
	if errs != nil {
		return Envelope{}, platform.Invalid("Check the envelope", errs...)
	}
	now := s.now()
	env := Envelope{ID: platform.NewID("env"), OrgID: sub.OrgID, UnitID: in.UnitID, Title: in.Title, Message: in.Message, Status: EnvelopeDraft,
		SenderID: sub.UserID, SenderName: sub.Name, CaseID: in.CaseID, Pages: pages, RemindEveryDays: in.RemindEveryDays,
		ExpiresAt: now.AddDate(0, 0, in.ExpiresInDays), CreatedAt: now, UpdatedAt: now, TemplateID: in.template, TemplateVersion: in.templateVersion,
		templateName: in.templateName}
	// Without the owner: being its sender must not let one send for any unit.
	r := envelopeResource(env)
	r.OwnerID = ""
	if err := s.access.Check(ctx, sub, access.Create, r); err != nil {
		return Envelope{}, err
	}
	if s.opts.Files == nil {
		return Envelope{}, platform.Internal(fmt.Errorf("signing: no file store"))
	}
	info, err := s.opts.Files.Put(ctx, bytes.NewReader(in.PDF))
	if err != nil {
		return Envelope{}, platform.Internal(err)
	}
	sum := sha256.Sum256(in.PDF)
	env.OriginalBlob, env.CurrentBlob, env.OriginalSHA256 = info.ID, info.ID, hex.EncodeToString(sum[:])
	return env, nil
}

// insertTx writes a prepared draft.
func (s *Store) insertTx(ctx context.Context, tx *store.Tx, sub *platform.Subject, env Envelope) error {
	_, err := tx.Exec(ctx, `INSERT INTO signing_envelopes (id, org_id, unit_id, title, message, status, sender_id, sender_name, case_id,
		original_blob, current_blob, original_sha256, pages, expires_at, remind_every_days, template_id, template_version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		env.ID, env.OrgID, env.UnitID, env.Title, env.Message, env.Status, env.SenderID, env.SenderName, env.CaseID,
		env.OriginalBlob, env.CurrentBlob, env.OriginalSHA256, env.Pages, store.Millis(env.ExpiresAt), env.RemindEveryDays,
		env.TemplateID, env.TemplateVersion, store.Millis(env.CreatedAt), store.Millis(env.UpdatedAt))
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("%d page(s)", env.Pages)
	if env.TemplateID != "" {
		detail += fmt.Sprintf(", made from the template \u201c%s\u201d, version %d", env.templateName, env.TemplateVersion)
	}
	if err := s.addEvent(ctx, tx, env, "", "created", sub.Name, detail, env.OriginalSHA256); err != nil {
		return err
	}
	e := audit.For(sub, "signing.envelope_create", ResourceType, env.ID, audit.Success)
	e.Detail = env.Title
	return s.audit.Record(tx, e)
}

// addEvent appends one piece of evidence.
func (s *Store) addEvent(ctx context.Context, tx *store.Tx, env Envelope, recipientID, action, actor, detail, sha string) error {
	_, err := tx.Exec(ctx, `INSERT INTO signing_events (id, envelope_id, org_id, recipient_id, action, actor_name, detail, doc_sha256, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, platform.NewID("sev"), env.ID, env.OrgID, recipientID, action, actor, detail, sha, store.Millis(s.now()))
	return err
}

// draftFor loads an envelope inside tx for a change by sub: it must be
// theirs to change and still a draft.
func (s *Store) draftFor(ctx context.Context, tx *store.Tx, sub *platform.Subject, id string) (Envelope, error) {
	env, err := s.changeable(ctx, tx, sub, id)
	if err != nil {
		return env, err
	}
	if env.Status != EnvelopeDraft {
		return env, platform.Errorf(platform.CodeConflict, "The envelope has been sent: its recipients and fields can no longer change")
	}
	return env, nil
}

// changeable loads an envelope inside tx that sub may change.
func (s *Store) changeable(ctx context.Context, tx *store.Tx, sub *platform.Subject, id string) (Envelope, error) {
	env, err := scanEnvelope(tx.QueryRow(ctx, "SELECT "+envelopeColumns+" FROM signing_envelopes WHERE id = ? AND org_id = ?", id, sub.OrgID))
	if store.IsNoRows(err) {
		return env, errMissing // answered after the write: Missing audits in a write of its own
	}
	if err != nil {
		return env, err
	}
	return env, s.access.CheckTx(tx, sub, access.Update, envelopeResource(env))
}

// errMissing is an envelope not found in the subject's organisation,
// inside a write; change turns it into Missing's answer after it.
var errMissing = errors.New("signing: no such envelope")

// change runs fn in a write on envelope id, answering a missing one as
// Missing does (a foreign ID audited as a denial, and "not found").
func (s *Store) change(ctx context.Context, sub *platform.Subject, id string, fn func(tx *store.Tx) error) error {
	err := s.db.Write(ctx, fn)
	if errors.Is(err, errMissing) {
		return s.missing(ctx, sub, access.Update, id)
	}
	return err
}

func (s *Store) missing(ctx context.Context, sub *platform.Subject, a access.Action, id string) error {
	return s.access.Missing(ctx, sub, a, access.Resource{Type: ResourceType, ID: id}, access.RowOrg(s.db, "signing_envelopes", "id", id),
		platform.Errorf(platform.CodeNotFound, "No such envelope"))
}

// Send starts the signing: the envelope must have someone who signs or
// approves, and each signer a signature field. Step 1's recipients are
// notified (startStep) in the same write, and the expiry and reminders
// are scheduled.
func (s *Store) Send(ctx context.Context, sub *platform.Subject, id string) (Envelope, error) {
	err := s.change(ctx, sub, id, func(tx *store.Tx) error {
		env, err := s.draftFor(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		return s.sendTx(ctx, tx, sub, env)
	})
	if err != nil {
		return Envelope{}, err
	}
	return s.Get(ctx, sub, id)
}

// sendTx sends a draft inside a write.
func (s *Store) sendTx(ctx context.Context, tx *store.Tx, sub *platform.Subject, env Envelope) error {
	var err error
	if env.Recipients, err = s.recipients(ctx, tx, env.ID); err != nil {
		return err
	}
	if env.Fields, err = s.fields(ctx, tx, env.ID); err != nil {
		return err
	}
	if err := ReadyToSend(env); err != nil {
		return err
	}
	now := s.now()
	// The expiry counts from sending: a draft may wait.
	days := int(env.ExpiresAt.Sub(env.CreatedAt).Hours()/24 + 0.5)
	if days < 1 {
		days = DefaultExpiryDays
	}
	env.Status, env.SentAt, env.UpdatedAt, env.ExpiresAt = EnvelopeSent, now, now, now.AddDate(0, 0, days)
	if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET status = ?, sent_at = ?, expires_at = ?, updated_at = ? WHERE id = ?",
		env.Status, store.Millis(now), store.Millis(env.ExpiresAt), store.Millis(now), env.ID); err != nil {
		return err
	}
	if err := s.addEvent(ctx, tx, env, "", "sent", sub.Name, fmt.Sprintf("%d recipient(s); expires %s", len(env.Recipients), env.ExpiresAt.Format(time.DateOnly)), env.OriginalSHA256); err != nil {
		return err
	}
	if err := s.schedule(ctx, tx, env); err != nil {
		return err
	}
	if err := s.startStep(ctx, tx, env, 1); err != nil {
		return err
	}
	env.CurrentStep = 1
	e := audit.For(sub, "signing.envelope_send", ResourceType, env.ID, audit.Success)
	e.Detail = env.Title
	return s.audit.Record(tx, e)
}

// ReadyToSend says what a draft (with its recipients and fields) still lacks.
func ReadyToSend(env Envelope) error {
	acting := 0
	var errs []platform.FieldError
	for _, r := range env.Recipients {
		if r.Role == RoleCopy {
			continue
		}
		acting++
		if r.Role != RoleSigner {
			continue
		}
		has := false
		for _, f := range env.Fields {
			if f.RecipientID == r.ID && f.Kind == FieldSignature {
				has = true
			}
		}
		if !has {
			errs = append(errs, platform.FieldError{Field: "fields", Message: fmt.Sprintf("Place a signature field for %s", r.Name)})
		}
	}
	if acting == 0 {
		errs = append([]platform.FieldError{{Field: "recipients", Message: "Add someone who signs or approves"}}, errs...)
	}
	if errs != nil {
		return platform.Invalid("The envelope is not ready to send", errs...)
	}
	return nil
}

// Void stops a sent envelope: the sender (or a manager of its unit) gives
// a reason, which recipients and the evidence keep. Workflows hear of it
// through EventEnvelope.
func (s *Store) Void(ctx context.Context, sub *platform.Subject, id, reason string) (Envelope, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 1000 {
		return Envelope{}, platform.Invalid("Check the reason", platform.FieldError{Field: "reason", Message: "Say why the envelope is voided, in 1,000 characters or fewer"})
	}
	err := s.change(ctx, sub, id, func(tx *store.Tx) error {
		env, err := s.changeable(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		if env.Status != EnvelopeSent {
			return platform.Errorf(platform.CodeConflict, "Only an envelope out for signing can be voided; this one is %s", env.Status)
		}
		return s.finish(ctx, tx, env, EnvelopeVoided, reason, sub, "voided", "signing.envelope_void")
	})
	if err != nil {
		return Envelope{}, err
	}
	return s.Get(ctx, sub, id)
}

// finish ends an envelope as voided or expired inside tx: its status and
// reason, recipients still waiting no longer can act (their links die
// with the tokens), the evidence, the audit entry (by sub; nil: the
// system) and EventEnvelope.
func (s *Store) finish(ctx context.Context, tx *store.Tx, env Envelope, status, reason string, sub *platform.Subject, action, auditAction string) error {
	now := store.Millis(s.now())
	res, err := tx.Exec(ctx, "UPDATE signing_envelopes SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?", status, reason, now, env.ID, env.Status)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return platform.Errorf(platform.CodeConflict, "The envelope changed meanwhile: look again")
	}
	if _, err := tx.Exec(ctx, "UPDATE signing_recipients SET token_hash = '', code_hash = '', updated_at = ? WHERE envelope_id = ?", now, env.ID); err != nil {
		return err
	}
	actor := "dbtp"
	if sub != nil {
		actor = sub.Name
	}
	if err := s.addEvent(ctx, tx, env, "", action, actor, reason, ""); err != nil {
		return err
	}
	if sub == nil {
		sub = platform.System(env.OrgID)
	}
	e := audit.For(sub, auditAction, ResourceType, env.ID, audit.Success)
	e.Detail = reason
	if err := s.audit.Record(tx, e); err != nil {
		return err
	}
	if s.opts.Events == nil {
		return nil
	}
	_, err = s.opts.Events.Publish(ctx, tx, env.OrgID, EventEnvelope, env.ID, EnvelopeEvent{EnvelopeID: env.ID, CaseID: env.CaseID, Status: status})
	return err
}

// Discard deletes a draft that was never sent, with its recipients,
// fields and events; the audit log keeps that it existed.
func (s *Store) Discard(ctx context.Context, sub *platform.Subject, id string) error {
	return s.change(ctx, sub, id, func(tx *store.Tx) error {
		env, err := s.draftFor(ctx, tx, sub, id)
		if err != nil {
			return err
		}
		for _, q := range []string{"DELETE FROM signing_fields WHERE envelope_id = ?", "DELETE FROM signing_recipients WHERE envelope_id = ?",
			"DELETE FROM signing_events WHERE envelope_id = ?", "DELETE FROM signing_envelopes WHERE id = ?"} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		e := audit.For(sub, "signing.envelope_discard", ResourceType, id, audit.Success)
		e.Detail = env.Title
		return s.audit.Record(tx, e)
	})
}
