package services

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Recipient kinds of a Message.
const (
	ToUser  = "user"  // Value is a user ID
	ToEmail = "email" // Value is an email address (anonymous applicants)
	ToRole  = "role"  // Value is a role name; UnitID narrows it to the case's unit
	ToQueue = "queue" // Value is a queue name; UnitID is the case's unit
)

// Recipient says who a message is for, as the workflow knows them; digital
// post turns it into addresses.
type Recipient struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	UnitID string `json:"unit_id,omitempty"`
}

// Message is a notification the workflow asks for when a case enters a state
// or breaches its SLA.
type Message struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	CaseID    string    `json:"case_id,omitempty"`
	Reference string    `json:"reference,omitempty"`
	To        Recipient `json:"to"`
	Template  string    `json:"template,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	Body      string    `json:"body,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// Notifier sends messages. Notify runs inside the transaction of the change
// that caused the message, so a message exists exactly when its change
// does; a Notifier must therefore only record the message in tx (an
// outbox), never deliver it there and then.
type Notifier interface {
	Notify(ctx context.Context, tx *store.Tx, m Message) error
}

// Outbox is the default Notifier: it records messages in the service_outbox
// table and, for those email can reach, a delivery job in the same
// transaction (see MailHandler). Role and queue recipients wait for
// digital post, which will know how a team wants to hear about work.
type Outbox struct {
	db   *store.DB
	jobs *jobs.Queue
}

// NewOutbox returns the outbox stored in db; with q, each message an email
// can reach gets a delivery job of kind MailJob.
func NewOutbox(db *store.DB, q *jobs.Queue) *Outbox { return &Outbox{db: db, jobs: q} }

// Notify records m in tx.
func (o *Outbox) Notify(ctx context.Context, tx *store.Tx, m Message) error {
	if m.ID == "" {
		m.ID = platform.NewID("msg")
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	_, err := tx.Exec(ctx, `INSERT INTO service_outbox (id, org_id, case_id, reference, to_kind, to_value, unit_id, template, subject, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.OrgID, m.CaseID, m.Reference, m.To.Kind, m.To.Value, m.To.UnitID, m.Template, m.Subject, m.Body, store.Millis(m.CreatedAt))
	if err != nil || o.jobs == nil || !emailable(m.To.Kind) {
		return err
	}
	_, err = o.jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: MailJob, OrgID: m.OrgID, Args: mailArgs{Message: m.ID}, Key: m.ID})
	return err
}

const messageColumns = "id, org_id, case_id, reference, to_kind, to_value, unit_id, template, subject, body, created_at, sent_at"

// Pending returns up to limit unsent messages of every organisation, oldest
// first, for the sender.
func (o *Outbox) Pending(ctx context.Context, limit int) ([]Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return o.query(ctx, "SELECT "+messageColumns+" FROM service_outbox WHERE sent_at = 0 ORDER BY created_at, id LIMIT ?", limit)
}

// ForCase lists the messages raised by one case of orgID, oldest first.
func (o *Outbox) ForCase(ctx context.Context, orgID, caseID string) ([]Message, error) {
	return o.query(ctx, "SELECT "+messageColumns+" FROM service_outbox WHERE org_id = ? AND case_id = ? ORDER BY created_at, id", orgID, caseID)
}

// MarkSent records that the sender delivered the messages with these IDs.
func (o *Outbox) MarkSent(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return o.db.Write(ctx, func(tx *store.Tx) error {
		args := []any{store.Millis(at)}
		for _, id := range ids {
			args = append(args, id)
		}
		_, err := tx.Exec(ctx, "UPDATE service_outbox SET sent_at = ? WHERE sent_at = 0 AND id IN ("+placeholders(len(ids))+")", args...)
		return err
	})
}

func (o *Outbox) query(ctx context.Context, q string, args ...any) ([]Message, error) {
	rows, err := o.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var created, sent int64
		if err := rows.Scan(&m.ID, &m.OrgID, &m.CaseID, &m.Reference, &m.To.Kind, &m.To.Value, &m.To.UnitID,
			&m.Template, &m.Subject, &m.Body, &created, &sent); err != nil {
			return nil, err
		}
		m.CreatedAt, m.SentAt = store.Time(created), store.Time(sent)
		out = append(out, m)
	}
	return out, rows.Err()
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
