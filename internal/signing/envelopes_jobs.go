package signing

import (
	"context"
	"fmt"
	"strings"

	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/store"
)

// Expiry and reminders run as jobs on the queue: one job per envelope
// for its expiry (at expires_at), and one per reminder round (the next
// is enqueued by the one before), each keyed so a retry or a second
// send adds nothing twice.
const (
	JobExpire = "signing.expire"
	JobRemind = "signing.remind"
)

type envelopeJobArgs struct {
	EnvelopeID string `json:"envelope_id"`
	Round      int    `json:"round,omitempty"`
}

// registerEnvelopeJobs puts the envelopes' jobs on the queue (New calls it).
func (s *Store) registerEnvelopeJobs() error {
	if s.opts.Jobs == nil {
		return nil
	}
	if err := s.opts.Jobs.Handle(JobExpire, jobs.Kind{Label: "Expire an envelope nobody finished", Handler: s.expireJob}); err != nil {
		return err
	}
	return s.opts.Jobs.Handle(JobRemind, jobs.Kind{Label: "Remind an envelope's recipients", Handler: s.remindJob})
}

// schedule enqueues a sent envelope's expiry and first reminder.
func (s *Store) schedule(ctx context.Context, tx *store.Tx, env Envelope) error {
	if s.opts.Jobs == nil {
		return nil
	}
	if _, err := s.opts.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: JobExpire, OrgID: env.OrgID, Args: envelopeJobArgs{EnvelopeID: env.ID},
		Key: env.ID, RunAt: env.ExpiresAt}); err != nil {
		return err
	}
	return s.scheduleReminder(ctx, tx, env, 1)
}

func (s *Store) scheduleReminder(ctx context.Context, tx *store.Tx, env Envelope, round int) error {
	if env.RemindEveryDays <= 0 {
		return nil
	}
	at := env.SentAt.AddDate(0, 0, env.RemindEveryDays*round)
	if !at.Before(env.ExpiresAt) {
		return nil
	}
	_, err := s.opts.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: JobRemind, OrgID: env.OrgID, Args: envelopeJobArgs{EnvelopeID: env.ID, Round: round},
		Key: fmt.Sprintf("%s/%d", env.ID, round), RunAt: at})
	return err
}

// loadEnvelope reads an envelope inside a job (no subject: the system).
func (s *Store) loadEnvelope(ctx context.Context, tx *store.Tx, id string) (Envelope, error) {
	return scanEnvelope(tx.QueryRow(ctx, "SELECT "+envelopeColumns+" FROM signing_envelopes WHERE id = ?", id))
}

// expireJob ends an envelope still out for signing at its expiry. One
// finished, voided or already expired meanwhile is left alone.
func (s *Store) expireJob(ctx context.Context, j jobs.Job) error {
	var a envelopeJobArgs
	if err := j.Decode(&a); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		env, err := s.loadEnvelope(ctx, tx, a.EnvelopeID)
		if store.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if env.Status != EnvelopeSent || s.now().Before(env.ExpiresAt) {
			return nil
		}
		return s.finish(ctx, tx, env, EnvelopeExpired, "Nobody finished it by "+env.ExpiresAt.Format("2 January 2006"), nil, "expired", "signing.envelope_expire")
	})
}

// remindJob emails the recipients whose turn it is and who have not yet
// acted, and schedules the next round. The reminder points to the link
// they were sent (only its hash is kept, so it cannot be sent again);
// staff are pointed to their envelopes page.
func (s *Store) remindJob(ctx context.Context, j jobs.Job) error {
	var a envelopeJobArgs
	if err := j.Decode(&a); err != nil {
		return err
	}
	var msgs []mail.Message
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		msgs = nil
		env, err := s.loadEnvelope(ctx, tx, a.EnvelopeID)
		if store.IsNoRows(err) {
			return nil
		}
		if err != nil || env.Status != EnvelopeSent {
			return err
		}
		rs, err := s.recipients(ctx, tx, env.ID)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Step != env.CurrentStep || (r.Status != RecipientNotified && r.Status != RecipientViewed) || r.Email == "" {
				continue
			}
			msgs = append(msgs, reminderMail(s.opts.BaseURL, env, r))
			if err := s.addEvent(ctx, tx, env, r.ID, "reminded", "dbtp", "reminder "+fmt.Sprint(a.Round)+" to "+r.Email, ""); err != nil {
				return err
			}
		}
		return s.scheduleReminder(ctx, tx, env, a.Round+1)
	})
	if err != nil || s.opts.Mail == nil {
		return err
	}
	// After the commit: a failed send is logged in the job, and the next
	// round tries again; the evidence says a reminder was due.
	var errs []string
	for _, m := range msgs {
		if err := s.opts.Mail.Send(ctx, m); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if errs != nil {
		return jobs.Permanent(fmt.Errorf("reminders: %s", strings.Join(errs, "; ")))
	}
	return nil
}

func reminderMail(base string, env Envelope, r Recipient) mail.Message {
	verb := "sign"
	if r.Role == RoleApprover {
		verb = "approve"
	}
	where := "Use the link in the email we sent you when it became your turn. If you cannot find it, ask " + env.SenderName + " to send it again."
	if r.UserID != "" {
		where = "Sign in and open it from your envelopes: " + strings.TrimRight(base, "/") + "/envelopes/" + env.ID
	}
	return mail.Message{To: r.Email, Subject: "Reminder: please " + verb + " " + env.Title,
		Text: fmt.Sprintf("Dear %s,\n\n%s asked you to %s %q. It is still waiting for you and expires on %s.\n\n%s\n",
			r.Name, env.SenderName, verb, env.Title, env.ExpiresAt.Format("2 January 2006"), where)}
}
