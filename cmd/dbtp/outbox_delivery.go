package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/services"
)

// Outbox delivery: the services engine records every notification in its
// outbox inside the change that caused it; this loop sends those addressed
// to an email address or to a user (whose address identity knows) through
// the SMTP relay, and marks each sent only once the relay has accepted it.
// Role and queue recipients wait for digital post, which will know how a
// team wants to hear about work.

const (
	deliveryEvery       = 5 * time.Second // verification codes should arrive promptly
	deliveryMaxAttempts = 10              // then left unsent, with the reason, for an operator
	deliveryBatch       = 50
)

// mailSender is mail.Sender as the deliverer uses it.
type mailSender interface {
	Send(ctx context.Context, m mail.Message) error
}

type deliverer struct {
	outbox *services.Outbox
	sender mailSender
	// email returns a user's address; ok is false when the user is gone,
	// disabled or has none, which no retry will change.
	email func(ctx context.Context, orgID, userID string) (addr string, ok bool, err error)
	log   *slog.Logger
	now   func() time.Time
}

// newDeliverer wires the outbox of a to sender, looking users up in identity.
func newDeliverer(a *app, sender mailSender, log *slog.Logger) *deliverer {
	return &deliverer{outbox: services.NewOutbox(a.db), sender: sender, log: log, now: time.Now,
		email: func(ctx context.Context, orgID, userID string) (string, bool, error) {
			u, err := a.identity.GetUser(ctx, platform.System(orgID), userID)
			if platform.CodeOf(err) == platform.CodeNotFound {
				return "", false, nil
			}
			if err != nil {
				return "", false, err
			}
			return u.Email, !u.Disabled && u.Email != "", nil
		}}
}

// run delivers every deliveryEvery until ctx ends.
func (d *deliverer) run(ctx context.Context) {
	t := time.NewTicker(deliveryEvery)
	defer t.Stop()
	for {
		if _, err := d.round(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("outbox delivery failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round sends what is deliverable now, one message at a time, and reports
// how many were sent. A message that fails is counted and offered again
// next round; the error returned is only for the outbox itself failing.
func (d *deliverer) round(ctx context.Context) (int, error) {
	batch, err := d.outbox.Deliverable(ctx, []string{services.ToEmail, services.ToUser}, deliveryMaxAttempts, deliveryBatch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range batch {
		if ctx.Err() != nil {
			return sent, nil
		}
		to, giveUp, err := d.address(ctx, m.Message)
		if err == nil {
			err = d.sender.Send(ctx, mail.Message{To: to, Subject: subjectOf(m.Message), Text: m.Body})
			giveUp = errors.Is(err, mail.ErrInvalidMessage)
		}
		if err != nil {
			if ferr := d.outbox.MarkFailed(ctx, m.ID, err.Error(), giveUp); ferr != nil {
				return sent, ferr
			}
			level := slog.LevelWarn
			if !giveUp && m.Attempts+1 < deliveryMaxAttempts {
				level = slog.LevelInfo // will be retried
			}
			d.log.Log(ctx, level, "message not delivered", "message", m.ID, "attempt", m.Attempts+1, "gave_up", giveUp || m.Attempts+1 >= deliveryMaxAttempts, "err", err)
			continue
		}
		// Marked one by one: a crash after sending and before marking
		// repeats one message, rather than a batch.
		if err := d.outbox.Sent(ctx, m.ID, d.now()); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// address is where m goes; giveUp says no retry can help.
func (d *deliverer) address(ctx context.Context, m services.Message) (to string, giveUp bool, err error) {
	switch m.To.Kind {
	case services.ToEmail:
		return m.To.Value, false, nil
	case services.ToUser:
		addr, ok, err := d.email(ctx, m.OrgID, m.To.Value)
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

// subjectOf is the message's subject, or one made from its case reference.
func subjectOf(m services.Message) string {
	switch {
	case m.Subject != "":
		return m.Subject
	case m.Reference != "":
		return "Update on " + m.Reference
	}
	return "A message from the council"
}
