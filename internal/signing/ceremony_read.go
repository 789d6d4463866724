package signing

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// The ceremony's own readers (the envelopes part has the listing and
// access-checked reads): they serve the recipient's side, whose right to
// see an envelope is their turn and their link, not the access policy.

const cerEnvelopeColumns = `id, org_id, unit_id, title, message, status, sender_id, sender_name, case_id, original_blob, current_blob, sealed_blob,
	original_sha256, pages, current_step, remind_every_days, reason, expires_at, created_at, sent_at, completed_at, updated_at`

func cerEnvelope(ctx context.Context, q cerQuerier, id string) (Envelope, error) {
	var e Envelope
	var exp, created, sent, completed, updated int64
	err := q.QueryRow(ctx, "SELECT "+cerEnvelopeColumns+" FROM signing_envelopes WHERE id = ?", id).Scan(
		&e.ID, &e.OrgID, &e.UnitID, &e.Title, &e.Message, &e.Status, &e.SenderID, &e.SenderName, &e.CaseID, &e.OriginalBlob, &e.CurrentBlob, &e.SealedBlob,
		&e.OriginalSHA256, &e.Pages, &e.CurrentStep, &e.RemindEveryDays, &e.Reason, &exp, &created, &sent, &completed, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Envelope{}, platform.NotFound("envelope")
	}
	if err != nil {
		return Envelope{}, err
	}
	e.ExpiresAt, e.CreatedAt, e.SentAt, e.CompletedAt, e.UpdatedAt = cerTime(exp), cerTime(created), cerTime(sent), cerTime(completed), cerTime(updated)
	return e, nil
}

const cerRecipientColumns = `id, envelope_id, org_id, step, role, user_id, name, email, phone, status, consented_at, acted_at, acted_from,
	identified_by, signature_kind, signature_text, reason, may_reassign`

func cerScanRecipient(row interface{ Scan(...any) error }) (Recipient, error) {
	var r Recipient
	var consented, acted int64
	var may int
	err := row.Scan(&r.ID, &r.EnvelopeID, &r.OrgID, &r.Step, &r.Role, &r.UserID, &r.Name, &r.Email, &r.Phone, &r.Status, &consented, &acted, &r.ActedFrom,
		&r.IdentifiedBy, &r.SignatureKind, &r.SignatureText, &r.Reason, &may)
	r.ConsentedAt, r.ActedAt, r.MayReassign = cerTime(consented), cerTime(acted), may != 0
	return r, err
}

func cerRecipient(ctx context.Context, q cerQuerier, id string) (Recipient, error) {
	r, err := cerScanRecipient(q.QueryRow(ctx, "SELECT "+cerRecipientColumns+" FROM signing_recipients WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Recipient{}, platform.NotFound("recipient")
	}
	return r, err
}

// cerRecipients are an envelope's recipients in step order.
func cerRecipients(ctx context.Context, q cerQuerier, envelopeID string) ([]Recipient, error) {
	rows, err := q.Query(ctx, "SELECT "+cerRecipientColumns+" FROM signing_recipients WHERE envelope_id = ? ORDER BY step, created_at, id", envelopeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		r, err := cerScanRecipient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func cerFields(ctx context.Context, q cerQuerier, envelopeID string) ([]Field, error) {
	rows, err := q.Query(ctx, `SELECT id, envelope_id, recipient_id, kind, page, x, y, width, height, required, label, value
		FROM signing_fields WHERE envelope_id = ? ORDER BY page, y DESC, x, id`, envelopeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Field
	for rows.Next() {
		var f Field
		var req int
		if err := rows.Scan(&f.ID, &f.EnvelopeID, &f.RecipientID, &f.Kind, &f.Page, &f.X, &f.Y, &f.Width, &f.Height, &req, &f.Label, &f.Value); err != nil {
			return nil, err
		}
		f.Required = req != 0
		out = append(out, f)
	}
	return out, rows.Err()
}

// Events are an envelope's evidence, in order.
func cerEvents(ctx context.Context, q cerQuerier, envelopeID string) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT id, envelope_id, recipient_id, action, actor_name, address, detail, doc_sha256, at
		FROM signing_events WHERE envelope_id = ? ORDER BY at, id`, envelopeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var at int64
		if err := rows.Scan(&ev.ID, &ev.EnvelopeID, &ev.RecipientID, &ev.Action, &ev.ActorName, &ev.Address, &ev.Detail, &ev.DocSHA256, &at); err != nil {
			return nil, err
		}
		ev.At = cerTime(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

func cerTime(ms int64) time.Time { return store.Time(ms) }

func cerItoa(i int) string { return strconv.Itoa(i) }
