package signing

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

const envelopeColumns = `id, org_id, unit_id, title, message, status, sender_id, sender_name, case_id, original_blob, current_blob, sealed_blob,
	original_sha256, pages, current_step, expires_at, remind_every_days, reason, created_at, sent_at, completed_at, updated_at, template_id, template_version`

type scanner interface{ Scan(...any) error }

func scanEnvelope(r scanner) (Envelope, error) {
	var e Envelope
	var exp, created, sent, completed, updated int64
	err := r.Scan(&e.ID, &e.OrgID, &e.UnitID, &e.Title, &e.Message, &e.Status, &e.SenderID, &e.SenderName, &e.CaseID, &e.OriginalBlob,
		&e.CurrentBlob, &e.SealedBlob, &e.OriginalSHA256, &e.Pages, &e.CurrentStep, &exp, &e.RemindEveryDays, &e.Reason, &created, &sent, &completed, &updated,
		&e.TemplateID, &e.TemplateVersion)
	e.ExpiresAt, e.CreatedAt, e.SentAt, e.CompletedAt, e.UpdatedAt = msTime(exp), store.Time(created), msTime(sent), msTime(completed), store.Time(updated)
	return e, err
}

// msTime is a unix ms time where 0 means never.
func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return store.Time(ms)
}

// querier is a transaction or the database, for reads on either.
type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Store) recipients(ctx context.Context, q querier, envelopeID string) ([]Recipient, error) {
	rows, err := q.Query(ctx, `SELECT id, envelope_id, org_id, step, role, user_id, name, email, phone, status, consented_at, acted_at, acted_from,
		identified_by, signature_kind, signature_text, reason, may_reassign FROM signing_recipients WHERE envelope_id = ? ORDER BY step, created_at, id`, envelopeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		var consented, acted int64
		var may int
		if err := rows.Scan(&r.ID, &r.EnvelopeID, &r.OrgID, &r.Step, &r.Role, &r.UserID, &r.Name, &r.Email, &r.Phone, &r.Status, &consented, &acted,
			&r.ActedFrom, &r.IdentifiedBy, &r.SignatureKind, &r.SignatureText, &r.Reason, &may); err != nil {
			return nil, err
		}
		r.ConsentedAt, r.ActedAt, r.MayReassign = msTime(consented), msTime(acted), may != 0
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) fields(ctx context.Context, q querier, envelopeID string) ([]Field, error) {
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

// Get returns an envelope with its recipients and fields, if sub may read it.
func (s *Store) Get(ctx context.Context, sub *platform.Subject, id string) (Envelope, error) {
	env, err := scanEnvelope(s.db.QueryRow(ctx, "SELECT "+envelopeColumns+" FROM signing_envelopes WHERE id = ? AND org_id = ?", id, sub.OrgID))
	if store.IsNoRows(err) {
		return Envelope{}, s.missing(ctx, sub, access.Read, id)
	}
	if err != nil {
		return Envelope{}, err
	}
	if err := s.access.Check(ctx, sub, access.Read, envelopeResource(env)); err != nil {
		return Envelope{}, err
	}
	if env.Recipients, err = s.recipients(ctx, s.db, id); err != nil {
		return Envelope{}, err
	}
	if env.Fields, err = s.fields(ctx, s.db, id); err != nil {
		return Envelope{}, err
	}
	return env, nil
}

// MayChange reports whether sub may change (send, void) env: for pages
// deciding which buttons to show; the store checks again on the change.
func (s *Store) MayChange(sub *platform.Subject, env Envelope) bool {
	return s.access.Allowed(sub, access.Update, envelopeResource(env))
}

// Events is an envelope's evidence, oldest first.
func (s *Store) Events(ctx context.Context, sub *platform.Subject, id string) ([]Event, error) {
	if _, err := s.Get(ctx, sub, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, envelope_id, recipient_id, action, actor_name, address, detail, doc_sha256, at FROM signing_events
		WHERE envelope_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &e.EnvelopeID, &e.RecipientID, &e.Action, &e.ActorName, &e.Address, &e.Detail, &e.DocSHA256, &at); err != nil {
			return nil, err
		}
		e.At = store.Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Document kinds an envelope keeps.
const (
	DocOriginal = "original"
	DocCurrent  = "current" // with every signature so far
	DocSealed   = "sealed"
)

// EnvelopeDocument opens one of an envelope's PDFs for a reader of the envelope.
func (s *Store) EnvelopeDocument(ctx context.Context, sub *platform.Subject, id, which string) (io.ReadCloser, Envelope, error) {
	env, err := s.Get(ctx, sub, id)
	if platform.CodeOf(err) == platform.CodeForbidden && which == DocSealed {
		// Staff who signed another unit's envelope may download the
		// sealed copy their completion email links to.
		if e, lerr := cerEnvelope(ctx, s.db, id); lerr == nil && s.recipientMayDownload(ctx, sub, e) {
			env, err = e, nil
		}
	}
	if err != nil {
		return nil, env, err
	}
	blob := map[string]string{DocOriginal: env.OriginalBlob, DocCurrent: env.CurrentBlob, DocSealed: env.SealedBlob}[which]
	if blob == "" {
		return nil, env, platform.Errorf(platform.CodeNotFound, "The envelope has no %s document yet", which)
	}
	rc, _, err := s.opts.Files.Open(ctx, blob)
	if err != nil {
		return nil, env, platform.Internal(err)
	}
	return rc, env, nil
}

// ListQuery filters the envelopes list.
type ListQuery struct {
	Status string // one status; "" all; "active": draft, sent or sealing
	Mine   bool   // only those sub sent
	Q      string // words in the title
	Cursor string
	Limit  int // default 25, at most 100
}

// ListPage is one page of envelopes, newest change first.
type ListPage struct {
	Envelopes []Envelope
	Next      string // cursor of the next page; "" at the end
}

// List returns the envelopes sub may read: those they sent and their
// units'; all of the organisation's for administrators and records
// managers. The filter is in the SQL, matching Policy's reads.
func (s *Store) List(ctx context.Context, sub *platform.Subject, q ListQuery) (ListPage, error) {
	if !sub.IsStaff() {
		return ListPage{}, platform.Errorf(platform.CodeForbidden, "Envelopes are sent by the council's staff")
	}
	if q.Limit <= 0 {
		q.Limit = 25
	}
	if q.Limit > 100 {
		q.Limit = 100
	}
	where := []string{"org_id = ?"}
	args := []any{sub.OrgID}
	if !sub.HasRole(platform.RoleAdmin) && !sub.HasRole(platform.RoleRecords) {
		or := []string{"sender_id = ?"}
		args = append(args, sub.UserID)
		for _, u := range sub.BusinessUnits {
			or = append(or, "unit_id = ?")
			args = append(args, u)
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if q.Mine {
		where, args = append(where, "sender_id = ?"), append(args, sub.UserID)
	}
	switch q.Status {
	case "":
	case "active":
		where = append(where, "status IN ('draft', 'sent', 'sealing')")
	case EnvelopeDraft, EnvelopeSent, EnvelopeSealing, EnvelopeCompleted, EnvelopeDeclined, EnvelopeVoided, EnvelopeExpired:
		where, args = append(where, "status = ?"), append(args, q.Status)
	default:
		return ListPage{}, platform.Invalid("Check the filter", platform.FieldError{Field: "status", Message: "Choose a status from the list"})
	}
	if w := strings.TrimSpace(q.Q); w != "" {
		if len(w) > 100 {
			return ListPage{}, platform.Invalid("Check the filter", platform.FieldError{Field: "q", Message: "Search for 100 characters or fewer"})
		}
		where, args = append(where, "LOWER(title) LIKE ?"), append(args, "%"+strings.ToLower(likeEscape(w))+"%")
	}
	if q.Cursor != "" {
		at, id, ok := parseCursor(q.Cursor)
		if !ok {
			return ListPage{}, platform.Invalid("Check the page", platform.FieldError{Field: "cursor", Message: "The cursor is not one this list gave"})
		}
		where, args = append(where, "(updated_at < ? OR (updated_at = ? AND id < ?))"), append(args, at, at, id)
	}
	rows, err := s.db.Query(ctx, "SELECT "+envelopeColumns+" FROM signing_envelopes WHERE "+strings.Join(where, " AND ")+
		" ORDER BY updated_at DESC, id DESC LIMIT "+strconv.Itoa(q.Limit+1), args...)
	if err != nil {
		return ListPage{}, err
	}
	defer rows.Close()
	var page ListPage
	for rows.Next() {
		env, err := scanEnvelope(rows)
		if err != nil {
			return ListPage{}, err
		}
		page.Envelopes = append(page.Envelopes, env)
	}
	if err := rows.Err(); err != nil {
		return ListPage{}, err
	}
	if len(page.Envelopes) > q.Limit {
		page.Envelopes = page.Envelopes[:q.Limit]
		last := page.Envelopes[q.Limit-1]
		page.Next = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d|%s", store.Millis(last.UpdatedAt), last.ID))
	}
	return page, nil
}

func parseCursor(c string) (int64, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", false
	}
	ms, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(ms, 10, 64)
	return n, id, ok && err == nil && id != ""
}

// likeEscape keeps % and _ in a search literal; both engines take
// backslash as LIKE's escape only when told, so they are dropped instead.
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// CaseEnvelopeOut reports whether a case already has an envelope not yet
// finished, or one made since since (when the case entered its current
// state): a case's request for signatures is made once each time it
// enters a state that asks for them, however often the event comes, even
// after that envelope has finished and before the case has moved on.
func (s *Store) CaseEnvelopeOut(ctx context.Context, orgID, caseID string, since time.Time) (bool, error) {
	after := int64(1) << 62 // no time given: only envelopes still out count
	if !since.IsZero() {
		after = store.Millis(since)
	}
	var n int
	err := s.db.QueryRow(ctx, caseEnvelopeOutQuery, orgID, caseID, EnvelopeDraft, EnvelopeSent, EnvelopeSealing, after).Scan(&n)
	return n > 0, err
}

// caseEnvelopeOutQuery repeats the partial index's condition (a case ID
// not empty): without it SQLite reads every envelope of the organisation through
// signing_envelopes_org instead (TestCaseEnvelopeOutUsesItsIndex).
const caseEnvelopeOutQuery = "SELECT COUNT(*) FROM signing_envelopes WHERE org_id = ? AND case_id = ? AND case_id <> '' AND (status IN (?, ?, ?) OR created_at >= ?)"
