package services

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/store"
)

// Delivery is what a sender needs to know about an unsent message beyond
// the message itself.
type Delivery struct {
	Message
	Attempts  int
	LastError string
}

// Deliverable returns up to limit unsent messages addressed with one of
// kinds that have failed fewer than maxAttempts times, oldest first. A
// sender that can only reach some kinds (email, not roles or queues) asks
// for those, so messages it cannot send never hold up the ones it can.
func (o *Outbox) Deliverable(ctx context.Context, kinds []string, maxAttempts, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, maxAttempts, limit)
	rows, err := o.db.Query(ctx, "SELECT "+messageColumns+", attempts, last_error FROM service_outbox WHERE sent_at = 0 AND to_kind IN ("+
		placeholders(len(kinds))+") AND attempts < ? ORDER BY created_at, id LIMIT ?", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var created, sent int64
		if err := rows.Scan(&d.ID, &d.OrgID, &d.CaseID, &d.Reference, &d.To.Kind, &d.To.Value, &d.To.UnitID,
			&d.Template, &d.Subject, &d.Body, &created, &sent, &d.Attempts, &d.LastError); err != nil {
			return nil, err
		}
		d.CreatedAt, d.SentAt = store.Time(created), store.Time(sent)
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkFailed records a failed delivery of message id. With giveUp (an
// address that can never work) the message is not offered again; otherwise
// it is retried until its attempts reach the sender's cap. Either way it
// stays in the outbox, unsent, with the reason.
func (o *Outbox) MarkFailed(ctx context.Context, id, reason string, giveUp bool) error {
	if len(reason) > 500 {
		reason = strings.ToValidUTF8(reason[:500], "")
	}
	q := "UPDATE service_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? AND sent_at = 0"
	if giveUp {
		// A large count puts the message past any sender's cap.
		q = "UPDATE service_outbox SET attempts = 1000000, last_error = ? WHERE id = ? AND sent_at = 0"
	}
	return o.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, q, reason, id)
		return err
	})
}

// Sent is MarkSent for one message.
func (o *Outbox) Sent(ctx context.Context, id string, at time.Time) error {
	return o.MarkSent(ctx, []string{id}, at)
}
