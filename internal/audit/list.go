package audit

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// PlatformOrg is the OrgID a Filter or Get uses to reach platform-level
// entries (those recorded with an empty OrgID). Only platform
// administrators should ever be allowed to pass it; that is the access
// module's decision, not this one's.
const PlatformOrg = "platform"

// Listing limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Filter selects entries of one organisation for the audit viewer.
type Filter struct {
	OrgID        string // required: entries of other organisations are never returned
	ActorID      string
	Action       string
	ResourceType string
	ResourceID   string
	From, To     time.Time // From inclusive, To exclusive; zero means unbounded
	Cursor       string    // Page.Next from the previous page
	Limit        int       // 0 means DefaultLimit; capped at MaxLimit
}

// Page is one page of entries, newest first. Next is empty on the last page.
type Page struct {
	Entries []Entry `json:"entries"`
	Next    string  `json:"next,omitempty"`
}

// storedOrg maps the PlatformOrg name to the empty org_id platform-level
// entries are stored with, and refuses an empty OrgID so that forgetting to
// scope a query can never list everybody's entries.
func storedOrg(orgID string) (string, error) {
	switch orgID {
	case "":
		return "", platform.Invalid("an organisation is required to read the audit log",
			platform.FieldError{Field: "org_id", Message: "is required"})
	case PlatformOrg:
		return "", nil
	}
	return orgID, nil
}

const entryColumns = "idx, org_id, actor_id, action, resource_type, resource_id, at, data"

// List returns one page of the organisation's entries matching f, newest first.
func (l *Log) List(ctx context.Context, f Filter) (Page, error) {
	org, err := storedOrg(f.OrgID)
	if err != nil {
		return Page{}, err
	}
	limit := f.Limit
	switch {
	case limit < 0:
		return Page{}, platform.Invalid("limit must not be negative", platform.FieldError{Field: "limit", Message: "must be between 1 and 200"})
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return Page{}, platform.Invalid("the end of the time range must be after its start", platform.FieldError{Field: "to", Message: "must be after from"})
	}
	var q strings.Builder
	q.WriteString("SELECT " + entryColumns + " FROM audit_entries WHERE org_id = ?")
	args := []any{org}
	for _, c := range []struct{ col, v string }{
		{"actor_id", f.ActorID}, {"action", f.Action}, {"resource_type", f.ResourceType}, {"resource_id", f.ResourceID},
	} {
		if c.v != "" {
			q.WriteString(" AND " + c.col + " = ?")
			args = append(args, c.v)
		}
	}
	if !f.From.IsZero() {
		q.WriteString(" AND at >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		q.WriteString(" AND at < ?")
		args = append(args, f.To.UnixMilli())
	}
	if f.Cursor != "" {
		before, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		q.WriteString(" AND idx < ?")
		args = append(args, before)
	}
	// One extra row tells whether there is a next page.
	q.WriteString(" ORDER BY idx DESC LIMIT ?")
	args = append(args, limit+1)

	rows, err := l.db.Query(ctx, q.String(), args...)
	if err != nil {
		return Page{}, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	page := Page{Entries: make([]Entry, 0, min(limit, 64))}
	for rows.Next() {
		e, err := scanEntry(rows.Scan)
		if err != nil {
			return Page{}, err
		}
		if len(page.Entries) == limit {
			page.Next = encodeCursor(page.Entries[limit-1].Index)
			break
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("audit: list: %w", err)
	}
	return page, nil
}

// Get returns entry index if it belongs to the organisation; another
// organisation's entry is reported as not found, not as forbidden, so its
// existence is not revealed.
func (l *Log) Get(ctx context.Context, orgID string, index int64) (Entry, error) {
	org, err := storedOrg(orgID)
	if err != nil {
		return Entry{}, err
	}
	row := l.db.QueryRow(ctx, "SELECT "+entryColumns+" FROM audit_entries WHERE idx = ? AND org_id = ?", index, org)
	e, err := scanEntry(row.Scan)
	if store.IsNoRows(err) {
		return Entry{}, platform.NotFound("audit entry")
	}
	return e, err
}

// OrgOf says which organisation entry index belongs to (PlatformOrg for
// platform-level entries); found is false when the log has no such entry.
// It lets the viewer record a probe for another organisation's entry as a
// denial, which Get alone cannot tell from a missing entry.
func (l *Log) OrgOf(ctx context.Context, index int64) (org string, found bool, err error) {
	err = l.db.QueryRow(ctx, "SELECT org_id FROM audit_entries WHERE idx = ?", index).Scan(&org)
	switch {
	case store.IsNoRows(err):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("audit: org of entry: %w", err)
	case org == "":
		return PlatformOrg, true, nil
	}
	return org, true, nil
}

// scanEntry decodes an entry from its canonical bytes, the only source of
// truth, and refuses it if the filter columns disagree: an edited org_id
// column must not move an entry into another organisation's view.
func scanEntry(scan func(...any) error) (Entry, error) {
	var idx, at int64
	var org, actor, action, rtype, rid string
	var data []byte
	if err := scan(&idx, &org, &actor, &action, &rtype, &rid, &at, &data); err != nil {
		return Entry{}, err
	}
	e, err := decodeEntry(data)
	if err == nil && (e.Index != idx || e.OrgID != org || e.ActorID != actor || e.Action != action ||
		e.ResourceType != rtype || e.ResourceID != rid || store.Millis(e.At) != at) {
		err = fmt.Errorf("its columns do not match its content")
	}
	if err != nil {
		return Entry{}, platform.Internal(fmt.Errorf("audit: entry %d failed an integrity check (%v); run audit verify", idx, err))
	}
	return e, nil
}

// Cursors are opaque to clients: a version byte and the index to continue
// below, base64url. The organisation is not in the cursor; every query is
// scoped by the Filter's OrgID, so a cursor from another organisation's
// listing only moves the starting point.
const cursorV1 = 1

func encodeCursor(before int64) string {
	var b [9]byte
	b[0] = cursorV1
	binary.BigEndian.PutUint64(b[1:], uint64(before))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(s string) (int64, error) {
	bad := platform.Invalid("the page cursor is not valid; start again from the first page",
		platform.FieldError{Field: "cursor", Message: "is not valid"})
	if len(s) != base64.RawURLEncoding.EncodedLen(9) {
		return 0, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 9 || b[0] != cursorV1 {
		return 0, bad
	}
	v := int64(binary.BigEndian.Uint64(b[1:]))
	if v < 0 {
		return 0, bad
	}
	return v, nil
}
