package records

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Kinds of thing a legal hold covers.
const (
	HoldDocument = "document"
	HoldClass    = "class" // the class and every class under it
	HoldCase     = "case"
)

// Hold is a legal hold: while it is active, nothing it covers is queued,
// approved, disposed of or deleted.
type Hold struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"org_id"`
	Title         string    `json:"title"`
	Reason        string    `json:"reason"`
	CreatedBy     string    `json:"created_by"`
	CreatedByName string    `json:"created_by_name"`
	CreatedAt     time.Time `json:"created_at"`
	LiftedAt      time.Time `json:"lifted_at,omitzero"`
	LiftedByName  string    `json:"lifted_by_name,omitempty"`
	LiftReason    string    `json:"lift_reason,omitempty"`
	DocumentIDs   []string  `json:"document_ids"`
	ClassIDs      []string  `json:"class_ids"`
	CaseIDs       []string  `json:"case_ids"`
	// Covered is how many active documents the hold covers now (Hold only).
	Covered int `json:"covered,omitempty"`
}

// Active reports whether the hold still stops disposal.
func (h *Hold) Active() bool { return h.LiftedAt.IsZero() }

// The hold rule as SQL over records_documents aliased d. Coverage is
// worked out when asked rather than listed when the hold is made, so a
// document filed later into a held class or case is held too. The file
// plan is three levels deep, so a class hold reaches a document through
// its class, its class's parent or its grandparent.
const (
	coverFrom  = `records_holds h JOIN records_hold_items i ON i.hold_id = h.id`
	coverWhere = `h.org_id = d.org_id AND h.lifted_at = 0 AND (
		(i.kind = 'document' AND i.ref = d.id)
		OR (i.kind = 'case' AND d.case_id <> '' AND i.ref = d.case_id)
		OR (i.kind = 'class' AND (i.ref = d.class_id
			OR i.ref IN (SELECT c.parent_id FROM records_classes c WHERE c.id = d.class_id)
			OR i.ref IN (SELECT p.parent_id FROM records_classes c JOIN records_classes p ON p.id = c.parent_id WHERE c.id = d.class_id))))`
	heldSQL   = `EXISTS (SELECT 1 FROM ` + coverFrom + ` WHERE ` + coverWhere + `)`
	holdIDSQL = `(SELECT MIN(h.id) FROM ` + coverFrom + ` WHERE ` + coverWhere + `)`
)

// holdOn returns an active hold covering document id, or "" for none.
func holdOn(ctx context.Context, q func(ctx context.Context, query string, args ...any) *sql.Row, id string) (holdID, title string, err error) {
	var hid sql.NullString
	if err := q(ctx, `SELECT `+holdIDSQL+` FROM records_documents d WHERE d.id = ?`, id).Scan(&hid); err != nil && !store.IsNoRows(err) {
		return "", "", err
	}
	if !hid.Valid {
		return "", "", nil
	}
	err = q(ctx, `SELECT title FROM records_holds WHERE id = ?`, hid.String).Scan(&title)
	return hid.String, title, err
}

// refuseHeld refuses to let d be done (deleted, moved, disposed of) while
// a legal hold covers it.
func (s *Store) refuseHeld(ctx context.Context, tx *store.Tx, d *Document, done string) error {
	_, title, err := holdOn(ctx, tx.QueryRow, d.ID)
	if err != nil || title == "" {
		return err
	}
	return platform.Errorf(platform.CodeConflict, "This record is under the legal hold %q: it cannot be %s until the hold is lifted", title, done)
}

// HoldInput is a new legal hold.
type HoldInput struct {
	Title       string
	Reason      string // e.g. "Litigation: Smith v Kent County Council"
	DocumentIDs []string
	ClassIDs    []string
	CaseIDs     []string
}

func (in *HoldInput) check() []platform.FieldError {
	var bad []platform.FieldError
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 || strings.ContainsFunc(in.Title, unicode.IsControl) {
		bad = append(bad, platform.FieldError{Field: "title", Message: "Enter a title of up to 200 characters"})
	}
	var fe *platform.FieldError
	if in.Reason, fe = cleanReason("reason", in.Reason); fe != nil {
		bad = append(bad, *fe)
	}
	in.DocumentIDs, in.ClassIDs, in.CaseIDs = tidyIDs(in.DocumentIDs), tidyIDs(in.ClassIDs), tidyIDs(in.CaseIDs)
	n := len(in.DocumentIDs) + len(in.ClassIDs) + len(in.CaseIDs)
	if n == 0 {
		bad = append(bad, platform.FieldError{Field: "document_ids", Message: "Name at least one record, class or case the hold covers"})
	}
	if n > 500 {
		bad = append(bad, platform.FieldError{Field: "document_ids", Message: "Name at most 500 records, classes and cases: hold a whole class or case instead"})
	}
	for _, c := range in.CaseIDs {
		if len(c) > 100 || strings.ContainsFunc(c, unicode.IsControl) {
			bad = append(bad, platform.FieldError{Field: "case_ids", Message: "Enter case IDs as the case pages show them"})
			break
		}
	}
	return bad
}

// tidyIDs trims, drops empties and duplicates, and sorts.
func tidyIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// CreateHold places a legal hold. Items of the disposal queue it covers
// become held at once; an item already being carried out cannot be
// stopped, and the hold's audit entry says so.
func (s *Store) CreateHold(ctx context.Context, sub *platform.Subject, in HoldInput) (*Hold, error) {
	if bad := in.check(); len(bad) > 0 {
		return nil, platform.Invalid("Check the hold", bad...)
	}
	h := &Hold{ID: platform.NewID("rhd"), OrgID: sub.OrgID, Title: in.Title, Reason: in.Reason, CreatedBy: sub.UserID, CreatedByName: declarer(sub),
		DocumentIDs: in.DocumentIDs, ClassIDs: in.ClassIDs, CaseIDs: in.CaseIDs}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayManage(ctx, tx, sub, access.Create, "holds"); err != nil {
			return err
		}
		if err := s.checkHoldTargets(ctx, tx, sub.OrgID, in); err != nil {
			return err
		}
		h.CreatedAt = s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO records_holds (id, org_id, title, reason, created_by, created_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			h.ID, h.OrgID, h.Title, h.Reason, h.CreatedBy, h.CreatedByName, store.Millis(h.CreatedAt)); err != nil {
			return err
		}
		for kind, refs := range map[string][]string{HoldDocument: in.DocumentIDs, HoldClass: in.ClassIDs, HoldCase: in.CaseIDs} {
			for _, ref := range refs {
				if _, err := tx.Exec(ctx, `INSERT INTO records_hold_items (hold_id, org_id, kind, ref) VALUES (?, ?, ?, ?)`, h.ID, h.OrgID, kind, ref); err != nil {
					return err
				}
			}
		}
		held, err := s.holdQueued(ctx, tx, sub, h.OrgID, h.ID)
		if err != nil {
			return err
		}
		var disposing int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM records_disposals x JOIN records_documents d ON d.id = x.document_id
			WHERE x.org_id = ? AND x.state = ? AND EXISTS (SELECT 1 FROM `+coverFrom+` WHERE `+coverWhere+` AND h.id = ?)`,
			h.OrgID, DisposalDisposing, h.ID).Scan(&disposing); err != nil {
			return err
		}
		e := audit.For(sub, "records.hold_create", holdResource, h.ID, audit.Success)
		e.Detail = fmt.Sprintf("%q (%s): %d records, %d classes, %d cases named; %d queued disposals held", h.Title, h.Reason,
			len(in.DocumentIDs), len(in.ClassIDs), len(in.CaseIDs), held)
		if disposing > 0 {
			e.Detail += fmt.Sprintf("; %d already being disposed of could not be stopped", disposing)
		}
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Hold(ctx, sub, h.ID)
}

// checkHoldTargets refuses documents and classes that are not the
// organisation's. Case IDs are taken as given: a case may be held before
// any of its documents is filed.
func (s *Store) checkHoldTargets(ctx context.Context, tx *store.Tx, orgID string, in HoldInput) error {
	for _, t := range []struct {
		table, field, what string
		ids                []string
	}{
		{"records_documents", "document_ids", "record", in.DocumentIDs},
		{"records_classes", "class_ids", "class", in.ClassIDs},
	} {
		for _, id := range t.ids {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+t.table+` WHERE id = ? AND org_id = ?`, id, orgID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return platform.Invalid("Check the hold", platform.FieldError{Field: t.field, Message: fmt.Sprintf("There is no %s %s in this organisation", t.what, id)})
			}
		}
	}
	return nil
}

// holdQueued marks open, not yet carried out items of the queue that hold
// holdID covers as held, and returns how many.
func (s *Store) holdQueued(ctx context.Context, tx *store.Tx, sub *platform.Subject, orgID, holdID string) (int, error) {
	rows, err := tx.Query(ctx, `SELECT x.id, `+docColumns+` FROM records_disposals x JOIN records_documents d ON d.id = x.document_id
		WHERE x.org_id = ? AND x.state IN (?, ?) AND EXISTS (SELECT 1 FROM `+coverFrom+` WHERE `+coverWhere+` AND h.id = ?)`,
		orgID, DisposalPending, DisposalApproved, holdID)
	if err != nil {
		return 0, err
	}
	type item struct {
		id  string
		doc *Document
	}
	var items []item
	for rows.Next() {
		var it item
		var xid string
		d, err := scanDocument(prefixScan{rows, []any{&xid}})
		if err != nil {
			rows.Close()
			return 0, err
		}
		it.id, it.doc = xid, d
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, it := range items {
		if err := s.markHeld(ctx, tx, sub, it.id, it.doc, holdID); err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

// markHeld stops a queued item under a hold.
func (s *Store) markHeld(ctx context.Context, tx *store.Tx, sub *platform.Subject, xid string, d *Document, holdID string) error {
	if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, hold_id = ?, updated_at = ? WHERE id = ?`,
		DisposalHeld, holdID, store.Millis(s.now()), xid); err != nil {
		return err
	}
	return s.recordDocEntry(tx, sub, "records.disposal_held", d, xid+": stopped by legal hold "+holdID)
}

// prefixScan scans a few columns and then a document's.
type prefixScan struct {
	sc    interface{ Scan(...any) error }
	first []any
}

func (p prefixScan) Scan(dest ...any) error {
	return p.sc.Scan(append(append([]any{}, p.first...), dest...)...)
}

// LiftHold ends a hold, for the reason given. Queue items it held that no
// other hold covers return to pending and need their approvals afresh:
// what was approved before a hold may look different after it.
func (s *Store) LiftHold(ctx context.Context, sub *platform.Subject, id, reason string) (*Hold, error) {
	reason, bad := cleanReason("reason", reason)
	if bad != nil {
		return nil, platform.Invalid("Check the reason", *bad)
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayManage(ctx, tx, sub, access.Update, "holds"); err != nil {
			return err
		}
		h, err := s.loadHold(ctx, tx.QueryRow, sub.OrgID, id)
		if err != nil {
			return err
		}
		if !h.Active() {
			return platform.Errorf(platform.CodeConflict, "This hold was lifted on %s", day(h.LiftedAt))
		}
		now := store.Millis(s.now())
		if _, err := tx.Exec(ctx, `UPDATE records_holds SET lifted_at = ?, lifted_by = ?, lifted_by_name = ?, lift_reason = ? WHERE id = ?`,
			now, sub.UserID, declarer(sub), reason, id); err != nil {
			return err
		}
		released, err := s.releaseHeld(ctx, tx, sub, sub.OrgID)
		if err != nil {
			return err
		}
		e := audit.For(sub, "records.hold_lift", holdResource, id, audit.Success)
		e.Detail = fmt.Sprintf("%q lifted: %s; %d queued disposals released", h.Title, reason, released)
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Hold(ctx, sub, id)
}

// releaseHeld returns held items that no active hold covers any more to
// pending, with their approvals cleared, and points items still held at a
// hold that is active. It returns how many were released.
func (s *Store) releaseHeld(ctx context.Context, tx *store.Tx, sub *platform.Subject, orgID string) (int, error) {
	rows, err := tx.Query(ctx, `SELECT x.id, x.hold_id, `+holdIDSQL+`, `+docColumns+` FROM records_disposals x JOIN records_documents d ON d.id = x.document_id
		WHERE x.org_id = ? AND x.state = ?`, orgID, DisposalHeld)
	if err != nil {
		return 0, err
	}
	type item struct {
		id, was string
		now     sql.NullString
		doc     *Document
	}
	var items []item
	for rows.Next() {
		var it item
		d, err := scanDocument(prefixScan{rows, []any{&it.id, &it.was, &it.now}})
		if err != nil {
			rows.Close()
			return 0, err
		}
		it.doc = d
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	released := 0
	now := store.Millis(s.now())
	for _, it := range items {
		if it.now.Valid {
			if it.now.String != it.was {
				if _, err := tx.Exec(ctx, `UPDATE records_disposals SET hold_id = ?, updated_at = ? WHERE id = ?`, it.now.String, now, it.id); err != nil {
					return 0, err
				}
			}
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, hold_id = '', stage = 0, approvals = '[]', updated_at = ? WHERE id = ?`,
			DisposalPending, now, it.id); err != nil {
			return 0, err
		}
		if err := s.recordDocEntry(tx, sub, "records.disposal_released", it.doc, it.id+": no legal hold covers it any more; approvals start again"); err != nil {
			return 0, err
		}
		released++
	}
	return released, nil
}

const holdColumns = `id, org_id, title, reason, created_by, created_by_name, created_at, lifted_at, lifted_by_name, lift_reason`

func scanHold(sc interface{ Scan(...any) error }) (*Hold, error) {
	var h Hold
	var created, lifted int64
	err := sc.Scan(&h.ID, &h.OrgID, &h.Title, &h.Reason, &h.CreatedBy, &h.CreatedByName, &created, &lifted, &h.LiftedByName, &h.LiftReason)
	h.CreatedAt, h.LiftedAt = store.Time(created), optTime(lifted)
	h.DocumentIDs, h.ClassIDs, h.CaseIDs = []string{}, []string{}, []string{}
	return &h, err
}

func (s *Store) loadHold(ctx context.Context, q func(ctx context.Context, query string, args ...any) *sql.Row, orgID, id string) (*Hold, error) {
	if !platform.ValidID("rhd", id) {
		return nil, platform.NotFound("hold")
	}
	h, err := scanHold(q(ctx, `SELECT `+holdColumns+` FROM records_holds WHERE id = ? AND org_id = ?`, id, orgID))
	if store.IsNoRows(err) {
		return nil, platform.NotFound("hold")
	}
	return h, err
}

// Hold returns one hold with what it names and how many documents it covers.
func (s *Store) Hold(ctx context.Context, sub *platform.Subject, id string) (*Hold, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "holds"); err != nil {
		return nil, err
	}
	h, err := s.loadHold(ctx, s.db.QueryRow, sub.OrgID, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT kind, ref FROM records_hold_items WHERE hold_id = ? ORDER BY kind, ref`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, ref string
		if err := rows.Scan(&kind, &ref); err != nil {
			return nil, err
		}
		switch kind {
		case HoldDocument:
			h.DocumentIDs = append(h.DocumentIDs, ref)
		case HoldClass:
			h.ClassIDs = append(h.ClassIDs, ref)
		case HoldCase:
			h.CaseIDs = append(h.CaseIDs, ref)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM records_documents d WHERE d.org_id = ? AND d.state = ? AND EXISTS (SELECT 1 FROM `+coverFrom+
		` WHERE `+coverWhere+` AND h.id = ?)`, sub.OrgID, StateActive, id).Scan(&h.Covered)
	return h, err
}

// HoldPage is one page of holds, newest first.
type HoldPage struct {
	Holds []*Hold `json:"items"`
	Next  string  `json:"next_cursor,omitempty"`
}

// Holds lists the organisation's holds: active ones ("yes"), lifted ones
// ("no") or all (""), newest first.
func (s *Store) Holds(ctx context.Context, sub *platform.Subject, active, after string) (HoldPage, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "holds"); err != nil {
		return HoldPage{}, err
	}
	conds, args := []string{"org_id = ?"}, []any{sub.OrgID}
	switch active {
	case "yes":
		conds = append(conds, "lifted_at = 0")
	case "no":
		conds = append(conds, "lifted_at > 0")
	case "":
	default:
		return HoldPage{}, platform.Invalid("Check the filters", platform.FieldError{Field: "active", Message: "Choose active holds (yes), lifted ones (no), or both"})
	}
	if after != "" {
		at, id, ok := decodeKeyCursor(after, "rhd")
		if !ok {
			return HoldPage{}, platform.Invalid("The page cursor is not valid: start from the first page", platform.FieldError{Field: "cursor", Message: "not a cursor this list gave"})
		}
		conds, args = append(conds, "(created_at < ? OR (created_at = ? AND id < ?))"), append(args, at, at, id)
	}
	const limit = 50
	rows, err := s.db.Query(ctx, `SELECT `+holdColumns+` FROM records_holds WHERE `+strings.Join(conds, " AND ")+` ORDER BY created_at DESC, id DESC LIMIT ?`,
		append(args, limit+1)...)
	if err != nil {
		return HoldPage{}, err
	}
	defer rows.Close()
	var p HoldPage
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return HoldPage{}, err
		}
		p.Holds = append(p.Holds, h)
	}
	if err := rows.Err(); err != nil {
		return HoldPage{}, err
	}
	if len(p.Holds) > limit {
		last := p.Holds[limit-1]
		p.Holds = p.Holds[:limit]
		p.Next = encodeCursor(store.Millis(last.CreatedAt), last.ID)
	}
	return p, nil
}

// HoldsOn lists the active holds covering a document, for its page.
func (s *Store) HoldsOn(ctx context.Context, sub *platform.Subject, documentID string) ([]*Hold, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "holds"); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+holdColumns+` FROM records_holds WHERE org_id = ? AND id IN (SELECT h.id FROM records_documents d, `+coverFrom+
		` WHERE d.id = ? AND `+coverWhere+`) ORDER BY created_at DESC, id DESC`, sub.OrgID, documentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
