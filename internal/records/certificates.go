package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Certificate is the proof of a disposal: what went, when, under which
// schedule, approved by whom, and for destruction that the content was
// checked gone. Numbers run per organisation and year: DC-2026-0007 for
// destruction, TC-2026-0002 for transfer to the archive. The fields are
// those the PDF rendering (records/pdfs) needs, bar the council's name,
// which the web layer adds.
type Certificate struct {
	ID     string `json:"id"`
	OrgID  string `json:"org_id"`
	Number string `json:"number"`
	Action string `json:"action"` // destroy | transfer
	// DestroyedAt is when the disposal was carried out (for a transfer,
	// when the records were marked transferred).
	DestroyedAt time.Time         `json:"destroyed_at"`
	Schedule    string            `json:"schedule"`
	Note        string            `json:"note,omitempty"`
	ExecutedBy  string            `json:"executed_by"`
	Items       []CertificateItem `json:"items"`
	Approvals   []Approval        `json:"approvals"`
}

// CertificateItem is one record a certificate covers.
type CertificateItem struct {
	Reference string    `json:"reference"` // the record's ID
	Title     string    `json:"title"`
	Class     string    `json:"class"` // code and title
	CaseRef   string    `json:"case_reference,omitempty"`
	Declared  bool      `json:"declared"`
	Schedule  string    `json:"schedule"`
	DueAt     time.Time `json:"due_at"`
	Versions  int       `json:"versions"`
	SHA256    []string  `json:"sha256"` // each version's content, oldest first
	Bytes     int64     `json:"bytes"`
	// Verified: the blob store was asked for every SHA-256 above after the
	// deletion and has none of them.
	Verified bool `json:"verified"`
	// Kept lists content not deleted because another live record holds
	// the same bytes; it goes when the last of them does.
	Kept []string `json:"kept,omitempty"`
	Note string   `json:"note,omitempty"`
}

func certificateItem(p *planned) CertificateItem {
	it := CertificateItem{Reference: p.doc.ID, Title: p.doc.Title, Class: p.x.ClassCode + " " + p.x.ClassTitle, CaseRef: p.doc.CaseRef,
		Declared: p.doc.Declared(), Schedule: p.x.Schedule, DueAt: p.x.DueAt, Versions: len(p.versions), SHA256: []string{}, Kept: p.kept}
	for _, v := range p.versions {
		it.SHA256 = append(it.SHA256, v.BlobID)
		it.Bytes += v.Size
	}
	switch {
	case p.x.Action == ActionTransfer:
		it.Note = "Content kept for the transfer package to the archive"
	case p.elsewhere > 0:
		it.Note = fmt.Sprintf("%d of its contents are still part of a case or another record, and stay until the last of those goes", len(p.kept))
	case len(p.kept) > 0:
		it.Note = fmt.Sprintf("%d of its contents are the same bytes as records still kept, and stay until the last of those goes", len(p.kept))
	default:
		it.Verified = true
	}
	return it
}

// mergeApprovals adds approvals not yet listed (by stage and person).
func mergeApprovals(all, more []Approval) []Approval {
	for _, a := range more {
		if !slices.ContainsFunc(all, func(b Approval) bool { return b.Stage == a.Stage && b.UserID == a.UserID }) {
			all = append(all, a)
		}
	}
	slices.SortStableFunc(all, func(a, b Approval) int {
		if a.Stage != b.Stage {
			return a.Stage - b.Stage
		}
		return a.At.Compare(b.At)
	})
	return all
}

// nextNumber issues the next certificate number for prefix in org and
// at's year, in the issuing write: a rolled-back disposal gives its number
// back, so numbers have no gaps.
func nextNumber(ctx context.Context, tx *store.Tx, orgID, prefix string, at time.Time) (string, error) {
	year := at.UTC().Year()
	var n int64
	err := tx.QueryRow(ctx, `INSERT INTO records_sequences (org_id, prefix, year, last) VALUES (?, ?, ?, 1)
		ON CONFLICT (org_id, prefix, year) DO UPDATE SET last = records_sequences.last + 1 RETURNING last`, orgID, prefix, year).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("records: next certificate number: %w", err)
	}
	return fmt.Sprintf("%s-%04d-%04d", prefix, year, n), nil
}

func insertCertificate(ctx context.Context, tx *store.Tx, c *Certificate) error {
	items, err := json.Marshal(c.Items)
	if err != nil {
		return err
	}
	approvals, err := json.Marshal(c.Approvals)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO records_certificates (id, org_id, number, action, created_at, schedule, note, executed_by, items, approvals)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.OrgID, c.Number, c.Action, store.Millis(c.DestroyedAt), c.Schedule, c.Note, c.ExecutedBy,
		string(items), string(approvals))
	return err
}

const certificateColumns = `id, org_id, number, action, created_at, schedule, note, executed_by, items, approvals`

func scanCertificate(sc interface{ Scan(...any) error }) (*Certificate, error) {
	var c Certificate
	var at int64
	var items, approvals string
	if err := sc.Scan(&c.ID, &c.OrgID, &c.Number, &c.Action, &at, &c.Schedule, &c.Note, &c.ExecutedBy, &items, &approvals); err != nil {
		return nil, err
	}
	c.DestroyedAt = store.Time(at)
	if err := json.Unmarshal([]byte(items), &c.Items); err != nil {
		return nil, fmt.Errorf("certificate %s items: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(approvals), &c.Approvals); err != nil {
		return nil, fmt.Errorf("certificate %s approvals: %w", c.ID, err)
	}
	return &c, nil
}

// CertificatePage is one page of certificates, newest first.
type CertificatePage struct {
	Certificates []*Certificate `json:"items"`
	Next         string         `json:"next_cursor,omitempty"`
}

// Certificates lists the organisation's certificates, newest first, for
// records managers and administrators.
func (s *Store) Certificates(ctx context.Context, sub *platform.Subject, after string) (CertificatePage, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "certificates"); err != nil {
		return CertificatePage{}, err
	}
	q, args := `SELECT `+certificateColumns+` FROM records_certificates WHERE org_id = ?`, []any{sub.OrgID}
	if after != "" {
		at, id, ok := decodeKeyCursor(after, "rct")
		if !ok {
			return CertificatePage{}, platform.Invalid("The page cursor is not valid: start from the first page", platform.FieldError{Field: "cursor", Message: "not a cursor this list gave"})
		}
		q, args = q+` AND (created_at < ? OR (created_at = ? AND id < ?))`, append(args, at, at, id)
	}
	const limit = 50
	rows, err := s.db.Query(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return CertificatePage{}, err
	}
	defer rows.Close()
	var p CertificatePage
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return CertificatePage{}, err
		}
		p.Certificates = append(p.Certificates, c)
	}
	if err := rows.Err(); err != nil {
		return CertificatePage{}, err
	}
	if len(p.Certificates) > limit {
		last := p.Certificates[limit-1]
		p.Certificates = p.Certificates[:limit]
		p.Next = encodeCursor(store.Millis(last.DestroyedAt), last.ID)
	}
	return p, nil
}

// Certificate returns one certificate of sub's organisation.
func (s *Store) Certificate(ctx context.Context, sub *platform.Subject, id string) (*Certificate, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "certificates"); err != nil {
		return nil, err
	}
	if !platform.ValidID("rct", id) {
		return nil, platform.NotFound("certificate")
	}
	c, err := scanCertificate(s.db.QueryRow(ctx, `SELECT `+certificateColumns+` FROM records_certificates WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return nil, platform.NotFound("certificate")
	}
	return c, err
}
