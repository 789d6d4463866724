package services

import (
	"context"
	"errors"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/platform"
)

// Post is digital post as the services engine uses it; cmd/dbtp wires the
// post module in. With it, the workflow's email is handed to digital post,
// which delivers it as a notification with GOV.UK Notify's statuses, and
// the case page lists every message sent about the case.
type Post interface {
	// SendEmail hands outbox email m, addressed to to, to digital post.
	// It is idempotent on m.ID: a second call makes no second message.
	SendEmail(ctx context.Context, m Message, to string) error
	// CaseMessages lists the messages sent about a case sub may see,
	// oldest first.
	CaseMessages(ctx context.Context, sub *platform.Subject, caseID string) ([]CaseMessage, error)
	// SendURL is the page where sub sends a message from the case.
	SendURL(caseID string) string
	// MessagesTo lists the messages sent to sub as a person about a case
	// of theirs, oldest first, for their request page: only messages
	// addressed to them, with what they said (Subject, Excerpt), never
	// another person's.
	MessagesTo(ctx context.Context, sub *platform.Subject, caseID string) ([]CaseMessage, error)
}

// CaseMessage is one message sent about a case, as its page lists it.
type CaseMessage struct {
	ID        string
	Kind      string // "email", "sms" or "letter"
	To        string
	Subject   string
	Status    string // Notify's: created, sending, delivered, permanent-failure...
	Sender    string // the sending service's name
	CreatedAt time.Time
	UpdatedAt time.Time
	URL       string // where staff read it (CaseMessages), or the person (MessagesTo), if anywhere
	Excerpt   string // its first lines (MessagesTo)
}

// PostHandler is MailHandler with digital post in place of the relay: the
// job hands the message to post and marks it sent in the outbox once post
// holds it; post's own delivery then retries, rate-limits and records the
// message's status. A crash between the two repeats only the hand-over,
// which post ignores (it is idempotent on the message's id).
func (o *Outbox) PostHandler(p Post, email UserEmail, now func() time.Time) jobs.Handler {
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
			return nil
		}
		m := ms[0]
		to, giveUp, err := o.address(ctx, m, email)
		if err == nil {
			m.Subject = subjectOf(m)
			err = p.SendEmail(ctx, m, to)
			giveUp = platform.CodeOf(err) == platform.CodeInvalid
		}
		if err != nil {
			if ferr := o.MarkFailed(context.WithoutCancel(ctx), m.ID, err.Error(), giveUp); ferr != nil {
				return errors.Join(err, ferr)
			}
			if giveUp {
				return jobs.Permanent(err)
			}
			return err
		}
		return o.Sent(context.WithoutCancel(ctx), m.ID, now())
	}
}
