package records

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"dbtp/internal/platform"
	"dbtp/internal/store"

	"github.com/jackc/pgx/v5"
)

// Search finds the active documents a person may read by the words of
// their text, title, people, case reference, tags and file names
// (searchtext.go), narrowed by metadata, with counts by class, unit,
// classification, declaration and year. The access rule (visibleSQL) is a
// condition of every statement, so nothing a person may not read is
// returned, counted, faceted or quoted in a snippet.
//
// Totals and facets are exact up to SearchCap matches; beyond it the
// total says "more than" and the facets count SearchCap of them. Ordered
// by relevance, the RankPool most recently filed matches are ranked (bm25
// on SQLite, ts_rank on PostgreSQL, title weighing most and the text
// least) and paged through; ordered by newest, every match can be paged
// through. Both bounds keep a search's cost to a few thousand rows however
// many documents a common word is in (docs/performance.md, "Records
// search").

// Query is a search: words, filters, order and page.
type Query struct {
	Text           string
	ClassID        string // the class and every class under it
	UnitID         string
	Classification platform.Classification
	Records        string    // "yes": declared records only; "no": documents not yet declared
	From, To       time.Time // filed on or after From, and before To
	AuthorID       string
	Tag            string
	Source         string
	Order          string // OrderRelevance (the default with words) or OrderNewest
	After          string // the cursor of the page before
	Limit          int    // default 20, at most 100
}

// Orders of results.
const (
	OrderRelevance = "relevance"
	OrderNewest    = "newest"
)

const (
	// SearchCap is how many matches totals and facets count exactly.
	SearchCap = 1_000
	// RankPool is how many of the most recent matches are ranked by
	// relevance.
	RankPool = 1_000
	// snippetChars is how much of a document's text is read for its
	// snippet: what the indexes hold.
	snippetChars = 200_000
)

// searchCap and rankPool are SearchCap and RankPool; tests lower them.
var searchCap, rankPool = SearchCap, RankPool

// Results are one page of a search.
type Results struct {
	Hits   []Hit  `json:"items"`
	Total  int    `json:"total"`
	More   bool   `json:"total_is_lower_bound,omitempty"` // more than Total match
	Facets Facets `json:"facets"`
	Order  string `json:"order"`
	Next   string `json:"next_cursor,omitempty"`
}

// Hit is a document found, with its title and a snippet of its text
// marked where they match.
type Hit struct {
	*Document
	TitleMarks []Fragment `json:"title_fragments,omitempty"`
	Snippet    []Fragment `json:"snippet,omitempty"`
}

// Facets count the matches by what they can be narrowed by.
type Facets struct {
	Classes         []FacetValue `json:"classes"` // every level, each counting the classes below it
	Units           []FacetValue `json:"business_units"`
	Classifications []FacetValue `json:"classifications"`
	Records         []FacetValue `json:"records"` // "yes" and "no", as Query.Records
	Years           []FacetValue `json:"years"`   // of filing, UTC
}

// FacetValue is one value of a facet and how many matches have it.
type FacetValue struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
	Level string `json:"level,omitempty"` // of a class
	Count int    `json:"count"`
}

// Search runs q for sub.
func (s *Store) Search(ctx context.Context, sub *platform.Subject, q Query) (Results, error) {
	classes, err := s.classes(ctx, s.db.Query, sub.OrgID)
	if err != nil {
		return Results{}, err
	}
	conds, args, err := s.searchConds(ctx, sub, &q)
	if err != nil {
		return Results{}, err
	}
	terms := parseTerms(q.Text)
	if strings.TrimSpace(q.Text) == "" {
		q.Order = OrderNewest
	} else if q.Order == "" {
		q.Order = OrderRelevance
	}
	res := Results{Order: q.Order, Hits: []Hit{}, Facets: Facets{Classes: []FacetValue{}, Units: []FacetValue{}, Classifications: []FacetValue{},
		Records: []FacetValue{}, Years: []FacetValue{}}}
	cur, err := decodeSearchCursor(q.After, q.Order)
	if err != nil {
		return Results{}, err
	}
	m := s.matchFor(ctx, terms)
	if strings.TrimSpace(q.Text) != "" {
		if err := m.prepare(ctx); err != nil {
			return Results{}, err
		}
		if m.none {
			// Only punctuation was typed, or nothing PostgreSQL keeps.
			return res, nil
		}
	}
	if err := s.countFacets(ctx, m, conds, args, classes, &res); err != nil {
		return Results{}, err
	}
	if res.Total == 0 {
		return res, nil
	}
	docs, err := s.page(ctx, m, conds, args, q, cur)
	if err != nil {
		return Results{}, err
	}
	if len(docs) > q.Limit {
		docs = docs[:q.Limit]
		last := docs[len(docs)-1]
		if q.Order == OrderNewest {
			res.Next = encodeSearchCursor("n", store.Millis(last.CreatedAt), last.ID)
		} else if cur.offset+q.Limit < rankPool {
			res.Next = encodeSearchCursor("r", int64(cur.offset+q.Limit), "")
		}
	}
	return res, s.hits(ctx, m, docs, &res)
}

// searchConds checks q's filters and turns them, with the access rule,
// into conditions on records_documents d.
func (s *Store) searchConds(ctx context.Context, sub *platform.Subject, q *Query) ([]string, []any, error) {
	where, args := visibleSQL(sub)
	conds := []string{where, "d.state = ?"}
	args = append(args, StateActive)
	var bad []platform.FieldError
	if q.ClassID != "" {
		ids, err := s.classAndBelow(ctx, sub.OrgID, q.ClassID)
		if platform.CodeOf(err) == platform.CodeNotFound {
			bad = append(bad, platform.FieldError{Field: "class", Message: "Choose a class from the file plan"})
		} else if err != nil {
			return nil, nil, err
		}
		if len(ids) > 0 {
			conds = append(conds, "d.class_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")")
			for _, id := range ids {
				args = append(args, id)
			}
		}
	}
	for _, f := range []struct{ col, val, field string }{{"unit_id", q.UnitID, "business_unit"}, {"author_id", q.AuthorID, "author"}} {
		if f.val == "" {
			continue
		}
		if len(f.val) > 100 || strings.ContainsFunc(f.val, unicode.IsControl) {
			bad = append(bad, platform.FieldError{Field: f.field, Message: "Choose from the list"})
			continue
		}
		conds = append(conds, "d."+f.col+" = ?")
		args = append(args, f.val)
	}
	if q.Classification != "" {
		if _, ok := platform.ParseClassification(string(q.Classification)); !ok {
			bad = append(bad, platform.FieldError{Field: "classification", Message: "Choose OFFICIAL or OFFICIAL-SENSITIVE"})
		}
		conds = append(conds, "d.classification = ?")
		args = append(args, string(q.Classification))
	}
	switch q.Records {
	case "yes":
		conds = append(conds, "d.declared_at > 0")
	case "no":
		conds = append(conds, "d.declared_at = 0")
	case "":
	default:
		bad = append(bad, platform.FieldError{Field: "records", Message: "Choose records (yes), documents not yet declared (no), or both"})
	}
	if !q.From.IsZero() {
		conds = append(conds, "d.created_at >= ?")
		args = append(args, store.Millis(q.From))
	}
	if !q.To.IsZero() {
		if !q.From.IsZero() && !q.To.After(q.From) {
			bad = append(bad, platform.FieldError{Field: "to", Message: "Enter an end date after the start date"})
		}
		conds = append(conds, "d.created_at < ?")
		args = append(args, store.Millis(q.To))
	}
	if tag := strings.ToLower(strings.TrimSpace(q.Tag)); tag != "" {
		list, _ := json.Marshal([]string{tag})
		if s.db.Dialect() == store.Postgres {
			conds = append(conds, "d.tags::jsonb @> ?::jsonb")
			args = append(args, string(list))
		} else {
			conds = append(conds, "EXISTS (SELECT 1 FROM json_each(d.tags) WHERE json_each.value = ?)")
			args = append(args, tag)
		}
	}
	if q.Source != "" {
		switch q.Source {
		case SourceUpload, SourceAPI, SourceCase, SourceM365, SourceEmail, SourceImport:
			conds = append(conds, "d.source = ?")
			args = append(args, q.Source)
		default:
			bad = append(bad, platform.FieldError{Field: "source", Message: "Choose how the document arrived from the list"})
		}
	}
	switch q.Order {
	case "", OrderRelevance, OrderNewest:
	default:
		bad = append(bad, platform.FieldError{Field: "order", Message: "Order by relevance or newest"})
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	if len(bad) > 0 {
		return nil, nil, platform.Invalid("Check the search", bad...)
	}
	return conds, args, nil
}

// searchCursor is where a page starts: after a document (newest first)
// or after a number of ranked matches.
type searchCursor struct {
	at     int64
	id     string
	offset int
}

func encodeSearchCursor(kind string, n int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s|%d|%s", kind, n, id)))
}

func decodeSearchCursor(c, order string) (searchCursor, error) {
	if c == "" {
		return searchCursor{}, nil
	}
	bad := platform.Invalid("The page cursor is not valid: start from the first page", platform.FieldError{Field: "cursor", Message: "not a cursor this search gave"})
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return searchCursor{}, bad
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 {
		return searchCursor{}, bad
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	switch {
	case err != nil:
		return searchCursor{}, bad
	case parts[0] == "n" && order == OrderNewest && platform.ValidID("rec", parts[2]):
		return searchCursor{at: n, id: parts[2]}, nil
	case parts[0] == "r" && order == OrderRelevance && n > 0 && n < int64(rankPool) && parts[2] == "":
		return searchCursor{offset: int(n)}, nil
	}
	return searchCursor{}, bad
}

// pgExecMode makes pgx plan a statement for its own values each time
// (an unnamed statement), so the planner sees the tsquery and the column's
// statistics: a word most documents have is served by walking the filing
// date index, a rare one by the GIN index (see the services' textsearch.go).
var pgExecMode any = pgx.QueryExecModeExec
