package records

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// States of an item of the disposal queue. Pending, held, approved and
// disposing are open: a document has at most one open item.
const (
	DisposalPending   = "pending"   // awaiting an approval (Stage says which)
	DisposalHeld      = "held"      // a legal hold covers the document: nothing happens until it is lifted
	DisposalApproved  = "approved"  // every approval given; the action is about to be carried out
	DisposalDisposing = "disposing" // being carried out: content is leaving the blob store
	DisposalDone      = "done"      // carried out; CertificateID names the proof
	DisposalRejected  = "rejected"  // a records manager kept the document (ExtendedTo)
	DisposalWithdrawn = "withdrawn" // no longer due (retention extended, schedule or trigger changed, document deleted)
)

var openStates = []string{DisposalPending, DisposalHeld, DisposalApproved, DisposalDisposing}

// Approval is one person's approval of one stage.
type Approval struct {
	Stage  int       `json:"stage"` // 1, or 2 for the second approval of a two-stage schedule
	UserID string    `json:"user_id"`
	Name   string    `json:"name"`
	Role   string    `json:"role"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// Disposal is an item of the disposal queue: a document whose schedule
// fell due, with the decisions taken on it.
type Disposal struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"org_id"`
	DocumentID string     `json:"document_id"`
	Title      string     `json:"title"`
	ClassID    string     `json:"class_id"`
	ClassCode  string     `json:"class_code"`
	ClassTitle string     `json:"class_title"`
	CaseRef    string     `json:"case_reference,omitempty"`
	Declared   bool       `json:"declared"`
	DueAt      time.Time  `json:"due_at"`
	Action     string     `json:"action"`
	Schedule   string     `json:"schedule"`
	TwoStage   bool       `json:"two_stage"`
	Stage      int        `json:"stage"` // 0: awaiting the first approval; 1: awaiting the second
	Approvals  []Approval `json:"approvals"`
	State      string     `json:"state"`
	HoldID     string     `json:"hold_id,omitempty"`
	HoldTitle  string     `json:"hold_title,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	ExtendedTo time.Time  `json:"extended_to,omitzero"`
	DecidedAt  time.Time  `json:"decided_at,omitzero"`
	DecidedBy  string     `json:"decided_by,omitempty"`
	// CertificateID is the destruction or transfer certificate, once done.
	CertificateID string    `json:"certificate_id,omitempty"`
	QueuedAt      time.Time `json:"queued_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

const disposalSelect = `SELECT x.id, x.org_id, x.document_id, x.due_at, x.action, x.schedule, x.two_stage, x.stage, x.approvals, x.state,
	x.hold_id, x.reason, x.extended_to, x.decided_at, x.decided_by_name, x.certificate_id, x.queued_at, x.updated_at,
	COALESCE(d.title, ''), COALESCE(d.class_id, ''), COALESCE(c.code, ''), COALESCE(c.title, ''), COALESCE(d.case_ref, ''),
	COALESCE(d.declared_at, 0), COALESCE(h.title, '')
	FROM records_disposals x LEFT JOIN records_documents d ON d.id = x.document_id LEFT JOIN records_classes c ON c.id = d.class_id
	LEFT JOIN records_holds h ON h.id = x.hold_id`

func scanDisposal(sc interface{ Scan(...any) error }) (*Disposal, error) {
	var x Disposal
	var two int
	var approvals string
	var due, ext, decided, queued, updated, declared int64
	err := sc.Scan(&x.ID, &x.OrgID, &x.DocumentID, &due, &x.Action, &x.Schedule, &two, &x.Stage, &approvals, &x.State,
		&x.HoldID, &x.Reason, &ext, &decided, &x.DecidedBy, &x.CertificateID, &queued, &updated,
		&x.Title, &x.ClassID, &x.ClassCode, &x.ClassTitle, &x.CaseRef, &declared, &x.HoldTitle)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(approvals), &x.Approvals); err != nil {
		return nil, fmt.Errorf("disposal %s approvals: %w", x.ID, err)
	}
	x.TwoStage, x.Declared = two == 1, declared > 0
	x.DueAt, x.ExtendedTo, x.DecidedAt = store.Time(due), optTime(ext), optTime(decided)
	x.QueuedAt, x.UpdatedAt = store.Time(queued), store.Time(updated)
	return &x, nil
}

// QueueFilter narrows the disposal queue.
type QueueFilter struct {
	State   string // "" the open items (pending, held, approved, disposing); "all"; or one state
	Action  string // destroy, review or transfer
	ClassID string // the class and every class under it
	After   string // the cursor of the page before
	Limit   int    // default 50, at most 200
}

// QueuePage is one page of the queue, soonest due first.
type QueuePage struct {
	Items []*Disposal `json:"items"`
	Next  string      `json:"next_cursor,omitempty"`
}

// DisposalQueue lists the queue of sub's organisation for a records
// manager or an administrator.
func (s *Store) DisposalQueue(ctx context.Context, sub *platform.Subject, f QueueFilter) (QueuePage, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "disposal"); err != nil {
		return QueuePage{}, err
	}
	conds, args := []string{"x.org_id = ?"}, []any{sub.OrgID}
	switch f.State {
	case "":
		conds = append(conds, "x.state IN ("+quoted(openStates)+")")
	case "all":
	case DisposalPending, DisposalHeld, DisposalApproved, DisposalDisposing, DisposalDone, DisposalRejected, DisposalWithdrawn:
		conds, args = append(conds, "x.state = ?"), append(args, f.State)
	default:
		return QueuePage{}, platform.Invalid("Check the filters", platform.FieldError{Field: "state", Message: "Choose a state of the queue"})
	}
	switch f.Action {
	case "":
	case ActionDestroy, ActionReview, ActionTransfer:
		conds, args = append(conds, "x.action = ?"), append(args, f.Action)
	default:
		return QueuePage{}, platform.Invalid("Check the filters", platform.FieldError{Field: "action", Message: "Choose destroy, review or transfer"})
	}
	if f.ClassID != "" {
		ids, err := s.classAndBelow(ctx, sub.OrgID, f.ClassID)
		if err != nil {
			return QueuePage{}, err
		}
		conds = append(conds, "d.class_id IN ("+placeholders(len(ids))+")")
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if f.After != "" {
		at, id, ok := decodeKeyCursor(f.After, "rdp")
		if !ok {
			return QueuePage{}, platform.Invalid("The page cursor is not valid: start from the first page", platform.FieldError{Field: "cursor", Message: "not a cursor this list gave"})
		}
		conds = append(conds, "(x.due_at > ? OR (x.due_at = ? AND x.id > ?))")
		args = append(args, at, at, id)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	rows, err := s.db.Query(ctx, disposalSelect+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY x.due_at, x.id LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return QueuePage{}, err
	}
	defer rows.Close()
	var p QueuePage
	for rows.Next() {
		x, err := scanDisposal(rows)
		if err != nil {
			return QueuePage{}, err
		}
		p.Items = append(p.Items, x)
	}
	if err := rows.Err(); err != nil {
		return QueuePage{}, err
	}
	if len(p.Items) > f.Limit {
		last := p.Items[f.Limit-1]
		p.Items = p.Items[:f.Limit]
		p.Next = encodeCursor(store.Millis(last.DueAt), last.ID)
	}
	return p, nil
}

// Disposal returns one item of the queue, with its history.
func (s *Store) Disposal(ctx context.Context, sub *platform.Subject, id string) (*Disposal, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "disposal"); err != nil {
		return nil, err
	}
	return loadDisposal(ctx, s.db.QueryRow, sub.OrgID, id)
}

// DocumentDisposals lists every queue item a document has had, newest first.
func (s *Store) DocumentDisposals(ctx context.Context, sub *platform.Subject, documentID string) ([]*Disposal, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "disposal"); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, disposalSelect+` WHERE x.org_id = ? AND x.document_id = ? ORDER BY x.queued_at DESC, x.id DESC`, sub.OrgID, documentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Disposal
	for rows.Next() {
		x, err := scanDisposal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func loadDisposal(ctx context.Context, q func(ctx context.Context, query string, args ...any) *sql.Row, orgID, id string) (*Disposal, error) {
	if !platform.ValidID("rdp", id) {
		return nil, platform.NotFound("disposal")
	}
	x, err := scanDisposal(q(ctx, disposalSelect+` WHERE x.id = ? AND x.org_id = ?`, id, orgID))
	if store.IsNoRows(err) {
		return nil, platform.NotFound("disposal")
	}
	return x, err
}

func quoted(states []string) string {
	return "'" + strings.Join(states, "', '") + "'"
}

func decodeKeyCursor(c, prefix string) (int64, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", false
	}
	at, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || !platform.ValidID(prefix, id) {
		return 0, "", false
	}
	return n, id, true
}

// closeOpen moves d's open item in one of from to state to, with reason,
// and audits it; it returns the item's ID, or "" when there was none. An
// item being carried out cannot be stopped: that is refused.
func (s *Store) closeOpen(ctx context.Context, tx *store.Tx, sub *platform.Subject, d *Document, from []string, to, reason string, extendedTo time.Time) (string, error) {
	var id, state string
	err := tx.QueryRow(ctx, `SELECT id, state FROM records_disposals WHERE document_id = ? AND state IN (`+quoted(openStates)+`)`, d.ID).Scan(&id, &state)
	if store.IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if state == DisposalDisposing {
		return "", platform.Errorf(platform.CodeConflict, "This record is being disposed of now: it can no longer be kept")
	}
	if !slices.Contains(from, state) {
		return "", nil
	}
	now := store.Millis(s.now())
	if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, reason = ?, extended_to = ?, hold_id = '', decided_at = ?, decided_by = ?, decided_by_name = ?,
		updated_at = ? WHERE id = ?`, to, reason, optMillis(extendedTo), now, sub.UserID, declarer(sub), now, id); err != nil {
		return "", err
	}
	return id, s.recordDocEntry(tx, sub, "records.disposal_"+to, d, id+": "+reason)
}

// withdrawNotDue withdraws the open item of document id when the document
// is no longer due at now (a later date, an unknown one, or it is gone).
func (s *Store) withdrawNotDue(ctx context.Context, tx *store.Tx, id, why string, now time.Time) error {
	var xid, orgID string
	err := tx.QueryRow(ctx, `SELECT x.id, x.org_id FROM records_disposals x WHERE x.document_id = ? AND x.state IN ('`+DisposalPending+`', '`+DisposalHeld+`', '`+DisposalApproved+`')
		AND NOT EXISTS (SELECT 1 FROM records_documents d WHERE d.id = x.document_id AND d.state = '`+StateActive+`' AND d.due_at > 0 AND d.due_at <= ?)`,
		id, store.Millis(now)).Scan(&xid, &orgID)
	if store.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, reason = ?, hold_id = '', updated_at = ? WHERE id = ?`,
		DisposalWithdrawn, "no longer due: "+why, store.Millis(now), xid); err != nil {
		return err
	}
	e := audit.For(platform.System(orgID), "records.disposal_withdrawn", ResourceType, id, audit.Success)
	e.Detail = xid + ": no longer due: " + why
	return s.audit.Record(tx, e)
}
