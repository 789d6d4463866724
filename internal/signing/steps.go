package signing

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Job kinds of the ceremony: a recipient's link by email, and the seal
// (retried while the time-stamping authority is down).
const (
	JobNotify = "signing.notify"
	JobSeal   = "signing.seal"
)

// RegisterJobs registers the ceremony's job kinds on Options.Jobs. The
// module calls it once; without it (store-only tests) links are not
// emailed and an envelope whose signers have all acted waits in "sealing"
// until Seal is called.
func (s *Store) RegisterJobs() error {
	if s.opts.Jobs == nil {
		return nil
	}
	return errors.Join(
		s.opts.Jobs.Handle(JobNotify, jobs.Kind{Label: "Email a signer their link", MaxAttempts: 8, Handler: func(ctx context.Context, j jobs.Job) error {
			var a recipientArgs
			if err := j.Decode(&a); err != nil {
				return err
			}
			return s.notify(ctx, a.Recipient)
		}}),
		s.opts.Jobs.Handle(JobSeal, jobs.Kind{Label: "Seal a completed envelope", MaxAttempts: 40, Handler: func(ctx context.Context, j jobs.Job) error {
			var a envelopeArgs
			if err := j.Decode(&a); err != nil {
				return err
			}
			err := s.Seal(ctx, a.Envelope)
			if platform.CodeOf(err) == platform.CodeNotFound {
				return jobs.Permanent(err)
			}
			return err
		}}),
	)
}

type recipientArgs struct {
	Recipient string `json:"recipient"`
}

type envelopeArgs struct {
	Envelope string `json:"envelope"`
}

// enqueue adds a job when this store runs that kind; see RegisterJobs.
func (s *Store) enqueue(ctx context.Context, tx *store.Tx, e jobs.Enqueued) error {
	if s.opts.Jobs == nil || !s.opts.Jobs.Runs(e.Kind) {
		return nil
	}
	_, err := s.opts.Jobs.Enqueue(ctx, tx, e)
	return err
}

// startStep makes step of env the current one, inside the write that
// sends the envelope or finishes the step before: its recipients become
// "notified", each outside party gets a link of their own (only its hash
// kept) by email, staff get a task (ToSign lists it). A step with only
// copy recipients passes at once; after the last step the envelope waits
// for its seal.
func (s *Store) startStep(ctx context.Context, tx *store.Tx, env Envelope, step int) error {
	now := s.now()
	for {
		rs, err := cerRecipients(ctx, tx, env.ID)
		if err != nil {
			return err
		}
		var at []Recipient
		later := false
		for _, r := range rs {
			if r.Status == RecipientReassigned {
				continue
			}
			if r.Step == step {
				at = append(at, r)
			} else if r.Step > step {
				later = true
			}
		}
		if len(at) == 0 && !later {
			return s.finishSigning(ctx, tx, env)
		}
		if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET current_step = ?, updated_at = ? WHERE id = ?", step, store.Millis(now), env.ID); err != nil {
			return err
		}
		acting := 0
		for _, r := range at {
			if r.Status != RecipientWaiting {
				continue
			}
			if _, err := tx.Exec(ctx, "UPDATE signing_recipients SET status = ?, token_hash = '', session_hash = '', updated_at = ? WHERE id = ?", RecipientNotified, store.Millis(now), r.ID); err != nil {
				return err
			}
			if r.Role == RoleCopy {
				continue // they receive the sealed document at the end
			}
			acting++
			how := "a task on their envelopes page and an email"
			if r.UserID == "" {
				how = "a link by email"
			}
			// Staff are emailed too (notify): a task they are not told of
			// waits unseen.
			if err := s.enqueue(ctx, tx, jobs.Enqueued{Kind: JobNotify, OrgID: env.OrgID, Args: recipientArgs{r.ID}, Key: r.ID}); err != nil {
				return err
			}
			if err := s.event(ctx, tx, env, r, "notified", r.Name, "", "step "+cerItoa(step)+": "+how, ""); err != nil {
				return err
			}
		}
		if acting > 0 {
			return nil
		}
		step++
	}
}

// finishSigning puts an envelope everyone has acted on in "sealing" and
// asks for its seal.
func (s *Store) finishSigning(ctx context.Context, tx *store.Tx, env Envelope) error {
	if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
		EnvelopeSealing, store.Millis(s.now()), env.ID, EnvelopeSent); err != nil {
		return err
	}
	return s.enqueue(ctx, tx, jobs.Enqueued{Kind: JobSeal, OrgID: env.OrgID, Args: envelopeArgs{env.ID}, Key: env.ID})
}

// SendLink gives an outside recipient whose turn it is a fresh link and
// emails it. Each call replaces the link before (only the newest works):
// the job that calls it retries after a failed send, and a sender may
// resend. A recipient who is no longer at their turn gets nothing.
func (s *Store) SendLink(ctx context.Context, recipientID string) error {
	token := newSecret()
	var env Envelope
	var r Recipient
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		r, err = cerRecipient(ctx, tx, recipientID)
		if err != nil {
			return err
		}
		env, err = cerEnvelope(ctx, tx, r.EnvelopeID)
		if err != nil {
			return err
		}
		if !atTurn(env, r) || r.UserID != "" || r.Email == "" {
			r = Recipient{}
			return nil
		}
		_, err = tx.Exec(ctx, "UPDATE signing_recipients SET token_hash = ?, session_hash = '', updated_at = ? WHERE id = ?",
			hashSecret(token), store.Millis(s.now()), r.ID)
		return err
	})
	if err != nil || r.ID == "" || s.opts.Mail == nil {
		return err
	}
	codeBy := "email you a 6-digit code"
	if r.Phone != "" {
		codeBy = "send a 6-digit code by text message to " + maskPhone(r.Phone)
	}
	text := "Hello " + r.Name + ",\n\n" + env.SenderName + " of the council asks you to " + cerVerb(r.Role) + " \"" + env.Title + "\".\n\n" +
		"Open this link (it works only for you, and only once it is your turn):\n" + strings.TrimRight(s.opts.BaseURL, "/") + "/signing/" + token + "\n\n" +
		"Before you see the document we will " + codeBy + ". Do not forward this email.\n"
	return s.opts.Mail.Send(ctx, mail.Message{To: r.Email, Subject: "Please " + cerVerb(r.Role) + ": " + env.Title, Text: text})
}

func cerVerb(role string) string {
	if role == RoleApprover {
		return "approve"
	}
	return "sign"
}

// atTurn says whether r may act on env now.
func atTurn(env Envelope, r Recipient) bool {
	return env.Status == EnvelopeSent && r.Step == env.CurrentStep && r.Role != RoleCopy &&
		(r.Status == RecipientNotified || r.Status == RecipientViewed)
}

// event records one piece of evidence, and the same in the audit log:
// the actor is the recipient (a staff member by their user ID, an outside
// party as "recipient:<id>"), or the system for the seal.
func (s *Store) event(ctx context.Context, tx *store.Tx, env Envelope, r Recipient, action, actor, addr, detail, sha string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO signing_events (id, envelope_id, org_id, recipient_id, action, actor_name, address, detail, doc_sha256, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, platform.NewID("sev"), env.ID, env.OrgID, r.ID, action, actor, addr, detail, sha, store.Millis(s.now())); err != nil {
		return err
	}
	e := audit.For(platform.System(env.OrgID), "signing."+action, ResourceType, env.ID, audit.Success)
	e.ActorName, e.Addr, e.Detail = actor, addr, detail
	if sha != "" {
		e.Detail = strings.TrimPrefix(e.Detail+"; document SHA-256 "+sha, "; ")
	}
	if r.ID != "" {
		// The recipient as the write read it (not read again: a
		// recipient's user never changes; passing it on makes a new one).
		e.ActorID = r.UserID
		if r.UserID == "" {
			e.ActorID = "recipient:" + r.ID
		}
	}
	return s.audit.Record(tx, e)
}

// querier is a database or a write's transaction.
type cerQuerier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
