package records

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Filter narrows a list of documents.
type Filter struct {
	ClassID string // the class and every class under it
	CaseID  string
	Records string // "yes": declared records only; "no": documents not yet declared
	State   string // default active
	After   string // the cursor of the page before
	Limit   int    // default 50, at most 200
}

// Page is one page of documents, newest change first.
type Page struct {
	Documents []*Document `json:"items"`
	Next      string      `json:"next_cursor,omitempty"`
}

// List returns the documents sub may read that match f. The access rule
// is part of the query, so a page is never short because of hidden rows
// and nothing hidden is counted.
func (s *Store) List(ctx context.Context, sub *platform.Subject, f Filter) (Page, error) {
	where, args := visibleSQL(sub)
	conds := []string{where}
	if f.State == "" {
		f.State = StateActive
	}
	if f.State != "all" {
		conds = append(conds, "d.state = ?")
		args = append(args, f.State)
	}
	if f.ClassID != "" {
		ids, err := s.classAndBelow(ctx, sub.OrgID, f.ClassID)
		if err != nil {
			return Page{}, err
		}
		conds = append(conds, "d.class_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")")
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if f.CaseID != "" {
		conds = append(conds, "d.case_id = ?")
		args = append(args, f.CaseID)
	}
	switch f.Records {
	case "yes":
		conds = append(conds, "d.declared_at > 0")
	case "no":
		conds = append(conds, "d.declared_at = 0")
	case "":
	default:
		return Page{}, platform.Invalid("Check the filters", platform.FieldError{Field: "records", Message: "Choose records (yes), documents not yet declared (no), or both"})
	}
	if f.After != "" {
		at, id, ok := decodeCursor(f.After)
		if !ok {
			return Page{}, platform.Invalid("The page cursor is not valid: start from the first page", platform.FieldError{Field: "cursor", Message: "not a cursor this list gave"})
		}
		conds = append(conds, "(d.updated_at < ? OR (d.updated_at = ? AND d.id < ?))")
		args = append(args, at, at, id)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	args = append(args, f.Limit+1)
	rows, err := s.db.Query(ctx, `SELECT `+docColumns+` FROM records_documents d WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY d.updated_at DESC, d.id DESC LIMIT ?`, args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	var p Page
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return Page{}, err
		}
		p.Documents = append(p.Documents, d)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(p.Documents) > f.Limit {
		last := p.Documents[f.Limit-1]
		p.Documents = p.Documents[:f.Limit]
		p.Next = encodeCursor(store.Millis(last.UpdatedAt), last.ID)
	}
	return p, nil
}

// classAndBelow is a class's ID and its descendants'.
func (s *Store) classAndBelow(ctx context.Context, orgID, id string) ([]string, error) {
	all, err := s.classes(ctx, s.db.Query, orgID)
	if err != nil {
		return nil, err
	}
	out := []string{id}
	found := false
	for range 4 { // three levels, and one pass to settle
		for _, c := range all {
			if c.ID == id {
				found = true
			}
			if c.ParentID != "" && slices.Contains(out, c.ParentID) && !slices.Contains(out, c.ID) {
				out = append(out, c.ID)
			}
		}
	}
	if !found {
		return nil, platform.NotFound("class")
	}
	return out, nil
}

func encodeCursor(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%s", at, id)))
}

func decodeCursor(c string) (int64, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", false
	}
	at, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || !platform.ValidID("rec", id) {
		return 0, "", false
	}
	return n, id, true
}

// KeptFromCase gives, by case file ID, the active records filed from case
// caseID's files that sub may read: one statement over the case's
// documents (records_documents_case), however many other documents the
// case has, for the case page's "kept as a record" links.
func (s *Store) KeptFromCase(ctx context.Context, sub *platform.Subject, caseID string) (map[string]string, error) {
	where, args := visibleSQL(sub)
	args = append(args, caseID, SourceCase, StateActive)
	rows, err := s.db.Query(ctx, `SELECT d.source_ref, d.id FROM records_documents d WHERE `+where+`
		AND d.case_id = ? AND d.source = ? AND d.source_ref <> '' AND d.state = ? LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ref, id string
		if err := rows.Scan(&ref, &id); err != nil {
			return nil, err
		}
		out[ref] = id
	}
	return out, rows.Err()
}
