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

// List returns one page of the organisation's entries matching f, newest
// first. Every entry is checked against its columns (see scanEntry), and a
// listing without filters also checks that no position is missing between
// the newest entry (or the cursor) and the last one shown, so an entry
// cannot vanish from its organisation's view by having its org_id (or
// idx) column edited: the listing fails instead. A filtered listing finds
// entries through the column indexes and cannot see one whose filtered
// column was edited; `dbtp audit verify` checks every column of every row,
// and the unfiltered listing fails when it reaches such an entry.
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
	before := int64(-1)
	if f.Cursor != "" {
		if before, err = decodeCursor(f.Cursor); err != nil {
			return Page{}, err
		}
	}
	filtered := f.ActorID != "" || f.Action != "" || f.ResourceType != "" || f.ResourceID != "" || !f.From.IsZero() || !f.To.IsZero()
	var size int64
	if !filtered {
		// Read before the entries: every entry below this size must be
		// there, whatever is appended meanwhile.
		if size, err = l.orgSize(ctx, org); err != nil {
			return Page{}, err
		}
		if before > size {
			return Page{}, badCursor()
		}
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
	if before >= 0 {
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
	// next is the index the next row must have in an unfiltered listing.
	next := before - 1
	if before < 0 {
		next = size - 1
	}
	for rows.Next() {
		e, err := scanEntry(rows.Scan)
		if err != nil {
			return Page{}, err
		}
		if !filtered {
			if len(page.Entries) == 0 && before < 0 && e.Index > next {
				// Appended since size was read, or planted beyond the log.
				if next, err = l.orgSize(ctx, org); err != nil {
					return Page{}, err
				}
				next--
				if e.Index > next {
					return Page{}, integrityError(org, e.Index, "lies beyond the end of the log (inserted)")
				}
				next = e.Index
			}
			switch {
			case next < 0:
				return Page{}, integrityError(org, e.Index, "precedes the start of the log (inserted)")
			case e.Index != next:
				return Page{}, integrityError(org, next, "is missing (deleted, or its org_id or idx column edited)")
			}
			next--
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
	if !filtered && page.Next == "" && next >= 0 {
		return Page{}, integrityError(org, next, "is missing (deleted, or its org_id or idx column edited)")
	}
	return page, nil
}

// Get returns entry index of the organisation's log. Another organisation's
// entries are in another log, so they cannot be asked for. An index beyond
// the log is not found; a missing one below its size is an integrity error.
func (l *Log) Get(ctx context.Context, orgID string, index int64) (Entry, error) {
	org, err := storedOrg(orgID)
	if err != nil {
		return Entry{}, err
	}
	row := l.db.QueryRow(ctx, "SELECT "+entryColumns+" FROM audit_entries WHERE org_id = ? AND idx = ?", org, index)
	e, err := scanEntry(row.Scan)
	if store.IsNoRows(err) {
		size, err := l.orgSize(ctx, org)
		if err != nil {
			return Entry{}, err
		}
		if index >= 0 && index < size {
			return Entry{}, integrityError(org, index, "is missing (deleted, or its org_id or idx column edited)")
		}
		return Entry{}, platform.NotFound("audit entry")
	}
	return e, err
}

// scanEntry decodes an entry from its canonical bytes, the only source of
// truth, and refuses it if any column disagrees: an edited org_id column
// must not move an entry into another organisation's view, nor an edited
// actor or action column put it under someone else's name.
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
		return Entry{}, platform.Internal(fmt.Errorf("audit: entry %d of %s failed an integrity check (%v); run dbtp audit verify", idx, Origin(org), err))
	}
	return e, nil
}

// integrityError is how a read fails closed: the client gets a generic
// error, the log names the entry, and nothing is shown that might be
// incomplete.
func integrityError(org string, index int64, what string) error {
	return platform.Internal(fmt.Errorf("audit: entry %d of %s %s; run dbtp audit verify", index, Origin(org), what))
}

// Cursors are opaque to clients: a version byte and the index to continue
// below, base64url. The organisation is not in the cursor; every query is
// scoped by the Filter's OrgID, so a cursor from another organisation's
// listing only moves the starting point (or is refused as beyond the end).
const cursorV1 = 1

func encodeCursor(before int64) string {
	var b [9]byte
	b[0] = cursorV1
	binary.BigEndian.PutUint64(b[1:], uint64(before))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func badCursor() error {
	return platform.Invalid("the page cursor is not valid; start again from the first page",
		platform.FieldError{Field: "cursor", Message: "is not valid"})
}

func decodeCursor(s string) (int64, error) {
	bad := badCursor()
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
