package services

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/store"
)

// MailJob is the job kind that emails one outbox message. Only nodes with
// a relay configured run it; the job's claim means one node sends each
// message, however many are up.
const MailJob = "services.mail"

// MailAttempts is how often a message is tried before it is left unsent,
// with the reason, for an operator (who can retry it on the jobs page).
const MailAttempts = 10

type mailArgs struct {
	Message string `json:"message"`
}

// MailSender sends one email; *mail.Sender implements it.
type MailSender interface {
	Send(ctx context.Context, m mail.Message) error
}

// UserEmail returns a user's address; ok is false when the user is gone,
// disabled or has none, which no retry will change.
type UserEmail func(ctx context.Context, orgID, userID string) (addr string, ok bool, err error)

func emailable(kind string) bool { return kind == ToEmail || kind == ToUser }

// MailHandler is the job handler that sends one message through sender and
// marks it sent once the relay has accepted it. A failure is recorded on
// the message (attempts, last error) and retried by the job with backoff;
// an address that can never work fails the job at once. A crash between
// sending and marking repeats that one message: email is at least once.
func (o *Outbox) MailHandler(sender MailSender, email UserEmail, now func() time.Time) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var a mailArgs
		if err := j.Decode(&a); err != nil {
			return err
		}
		ms, err := o.query(ctx, "SELECT "+messageColumns+" FROM service_outbox WHERE id = ?", a.Message)
		if err != nil {
			return err
		}
		if len(ms) == 0 || !ms[0].SentAt.IsZero() {
			return nil // gone, or sent already
		}
		m := ms[0]
		to, giveUp, err := o.address(ctx, m, email)
		if err == nil {
			err = sender.Send(ctx, mail.Message{To: to, Subject: subjectOf(m), Text: m.Body})
			giveUp = errors.Is(err, mail.ErrInvalidMessage)
		}
		if err != nil {
			if ferr := o.MarkFailed(context.WithoutCancel(ctx), m.ID, err.Error(), giveUp); ferr != nil {
				return ferr
			}
			if giveUp {
				return jobs.Permanent(err)
			}
			return err
		}
		return o.Sent(context.WithoutCancel(ctx), m.ID, now())
	}
}

// address is where m goes; giveUp says no retry can help.
func (o *Outbox) address(ctx context.Context, m Message, email UserEmail) (to string, giveUp bool, err error) {
	switch m.To.Kind {
	case ToEmail:
		return m.To.Value, false, nil
	case ToUser:
		addr, ok, err := email(ctx, m.OrgID, m.To.Value)
		if err != nil {
			return "", false, err
		}
		if !ok {
			return "", true, fmt.Errorf("user %s has no usable email address", m.To.Value)
		}
		return addr, false, nil
	}
	return "", true, fmt.Errorf("recipient kind %q is not delivered by email", m.To.Kind)
}

// EnqueueUnsent gives every unsent message email can reach a delivery job,
// if it has none: messages recorded before delivery moved onto jobs, or
// while no queue was wired. It is idempotent (the job's key is the message).
func (o *Outbox) EnqueueUnsent(ctx context.Context) (int, error) {
	if o.jobs == nil {
		return 0, nil
	}
	added := 0
	after := ""
	for {
		rows, err := o.db.Query(ctx, "SELECT id, org_id FROM service_outbox WHERE sent_at = 0 AND to_kind IN (?, ?) AND attempts < ? AND id > ? ORDER BY id LIMIT 500",
			ToEmail, ToUser, MailAttempts, after)
		if err != nil {
			return added, err
		}
		type msg struct{ id, org string }
		var batch []msg
		for rows.Next() {
			var m msg
			if err := rows.Scan(&m.id, &m.org); err != nil {
				rows.Close()
				return added, err
			}
			batch = append(batch, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(batch) == 0 {
			return added, err
		}
		err = o.db.Write(ctx, func(tx *store.Tx) error {
			for _, m := range batch {
				ok, err := o.jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: MailJob, OrgID: m.org, Args: mailArgs{Message: m.id}, Key: m.id})
				if err != nil {
					return err
				}
				if ok {
					added++
				}
			}
			return nil
		})
		if err != nil {
			return added, err
		}
		after = batch[len(batch)-1].id
	}
}

// subjectOf is the message's subject, or one made from its case reference.
func subjectOf(m Message) string {
	switch {
	case m.Subject != "":
		return m.Subject
	case m.Reference != "":
		return "Update on " + m.Reference
	}
	return "A message from the council"
}
