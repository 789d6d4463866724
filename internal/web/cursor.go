package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"dbtp/internal/platform"
)

// Cursor pagination: a cursor is an opaque string that encodes the sort key
// of the last item served (for example its creation time and ID). Clients
// pass it back unchanged; the server validates it like any other input.

const (
	DefaultLimit = 50
	MaxLimit     = 200

	maxCursorLen   = 512
	maxCursorParts = 8
	cursorVersion  = "c1"
)

// List is the JSON envelope of every paginated API response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// EncodeCursor packs the sort key of the last item into an opaque cursor.
func EncodeCursor(parts ...string) string {
	b, _ := json.Marshal(append([]string{cursorVersion}, parts...))
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor unpacks a cursor made by EncodeCursor. An empty cursor means
// the first page and decodes to nil. Anything else that is not a well-formed
// cursor is an invalid-input error naming the "cursor" field.
func DecodeCursor(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	bad := platform.Invalid("The cursor is not valid; start again from the first page.",
		platform.FieldError{Field: "cursor", Message: "is not a cursor returned by this API"})
	if len(s) > maxCursorLen {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) < 2 || len(parts) > maxCursorParts+1 || parts[0] != cursorVersion {
		return nil, bad
	}
	for _, p := range parts[1:] {
		if !validText(p) {
			return nil, bad
		}
	}
	return parts[1:], nil
}

// PageRequest is a parsed "cursor" and "limit" pair.
type PageRequest struct {
	Cursor []string // nil on the first page
	Limit  int
}

// ParsePage reads the cursor and limit query parameters: limit defaults to
// 50 and must be between 1 and 200.
func ParsePage(r *http.Request) (PageRequest, error) {
	q := r.URL.Query()
	limit, err := ParseLimit(q.Get("limit"))
	if err != nil {
		return PageRequest{}, err
	}
	cur, err := DecodeCursor(q.Get("cursor"))
	if err != nil {
		return PageRequest{}, err
	}
	return PageRequest{Cursor: cur, Limit: limit}, nil
}

// ParseLimit parses a page size: "" is the default, otherwise 1..MaxLimit.
func ParseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, platform.Invalid("The page size is not valid.",
			platform.FieldError{Field: "limit", Message: "must be a whole number from 1 to " + strconv.Itoa(MaxLimit)})
	}
	return n, nil
}

// CursorURL returns the current page's address with the cursor replaced,
// for "Next page" links in HTML; an empty cursor links to the first page.
func CursorURL(r *http.Request, cursor string) string {
	q := r.URL.Query()
	if cursor == "" {
		q.Del("cursor")
	} else {
		q.Set("cursor", cursor)
	}
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
