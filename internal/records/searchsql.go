package records

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// textMatch is how a search keeps to the documents that match its words,
// on each engine; with no words, every document matches.
type textMatch struct {
	s     *Store
	terms []term
	none  bool   // words were typed, and none can match
	tsq   string // PostgreSQL's query
}

func (s *Store) matchFor(_ context.Context, terms []term) *textMatch {
	return &textMatch{s: s, terms: terms, none: len(terms) == 0}
}

func (m *textMatch) active() bool { return len(m.terms) > 0 }

func (m *textMatch) pg() bool { return m.s.db.Dialect() == store.Postgres }

// prepare builds PostgreSQL's query, through the database.
func (m *textMatch) prepare(ctx context.Context) error {
	if !m.active() || !m.pg() {
		return nil
	}
	q, err := pgTSQuery(ctx, m.s.db, m.terms)
	m.tsq, m.none = q, q == ""
	return err
}

// source is the FROM clause of a search and the condition that keeps to
// the matches, with their arguments, in the order they appear. On SQLite
// the matches drive the statement: FTS5 yields them most recently filed
// first (its rowids are the documents'), each is looked up by rowid and
// checked against the access rule and the filters, and a LIMIT stops the
// walk; with score, bm25 ranks them (title 10, people and case reference
// 5, tags 3, file names 2, text 1). On PostgreSQL the planner chooses.
func (m *textMatch) source(score bool) (from string, fromArgs []any, cond string, condArgs []any) {
	switch {
	case !m.active():
		return "records_documents AS d", nil, "", nil
	case m.pg():
		return "records_documents AS d", nil, "d.search @@ ?::tsquery", []any{m.tsq}
	case score:
		return `(SELECT rowid AS hit, bm25(records_search, 10, 5, 5, 3, 2, 1) AS score FROM records_search WHERE records_search MATCH ? ORDER BY rowid DESC) AS h
			CROSS JOIN records_documents AS d ON d.rowid = h.hit`, []any{ftsMatch(m.terms)}, "", nil
	}
	return `(SELECT rowid AS hit FROM records_search WHERE records_search MATCH ? ORDER BY rowid DESC) AS h
		CROSS JOIN records_documents AS d ON d.rowid = h.hit`, []any{ftsMatch(m.terms)}, "", nil
}

// query runs a search statement, planned for its values on PostgreSQL.
func (m *textMatch) query(ctx context.Context, q string, args []any) (*sql.Rows, error) {
	if m.pg() && m.active() {
		args = append([]any{pgExecMode}, args...)
	}
	return m.s.db.Query(ctx, q, args...)
}

// countFacets counts up to SearchCap matches by class, unit,
// classification, declaration and year, in one statement.
func (s *Store) countFacets(ctx context.Context, m *textMatch, conds []string, args []any, classes []Class, res *Results) error {
	from, fromArgs, cond, condArgs := m.source(false)
	where := conds
	if cond != "" {
		where = append([]string{cond}, conds...)
	}
	// No order: past the cap, which matches are counted does not matter
	// (on SQLite, with words, they are the most recently filed), and
	// without words the planner may then use the index that suits the
	// filters (a class, a unit) instead of walking the filing dates.
	inner := `SELECT d.class_id, d.unit_id, d.classification, d.declared_at, d.created_at FROM ` + from + ` WHERE ` + strings.Join(where, " AND ")
	year := `CAST(strftime('%Y', x.created_at / 1000, 'unixepoch') AS INTEGER)`
	if s.db.Dialect() == store.Postgres {
		year = `CAST(EXTRACT(YEAR FROM to_timestamp(x.created_at / 1000.0) AT TIME ZONE 'UTC') AS INTEGER)`
	}
	q := `SELECT x.class_id, x.unit_id, x.classification, CASE WHEN x.declared_at > 0 THEN 1 ELSE 0 END, ` + year + `, COUNT(*)
		FROM (` + inner + ` LIMIT ?) AS x GROUP BY 1, 2, 3, 4, 5`
	all := append(append(append(fromArgs, condArgs...), args...), searchCap+1)
	rows, err := m.query(ctx, q, all)
	if err != nil {
		return err
	}
	defer rows.Close()
	type combo struct {
		class, unit, mark string
		declared, year, n int
	}
	var combos []combo
	for rows.Next() {
		var c combo
		if err := rows.Scan(&c.class, &c.unit, &c.mark, &c.declared, &c.year, &c.n); err != nil {
			return err
		}
		res.Total += c.n
		combos = append(combos, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if res.Total > searchCap {
		// One more than the cap was read to know there are more; it is
		// left out of the facets too, so they count what the total says.
		res.Total, res.More = searchCap, true
		combos[0].n--
	}
	byClass, byUnit, byMark, byDeclared, byYear := map[string]int{}, map[string]int{}, map[string]int{}, map[int]int{}, map[int]int{}
	for _, c := range combos {
		if c.n == 0 {
			continue
		}
		byClass[c.class] += c.n
		byUnit[c.unit] += c.n
		byMark[c.mark] += c.n
		byDeclared[c.declared] += c.n
		byYear[c.year] += c.n
	}
	res.Facets = facets(classes, byClass, byUnit, byMark, byDeclared, byYear)
	return nil
}

func facets(classes []Class, byClass, byUnit, byMark map[string]int, byDeclared, byYear map[int]int) Facets {
	f := Facets{Classes: []FacetValue{}, Units: []FacetValue{}, Classifications: []FacetValue{}, Records: []FacetValue{}, Years: []FacetValue{}}
	// A class counts its own documents and those of the classes below it,
	// so choosing it (a filter takes the class and below) finds them all.
	parent := map[string]string{}
	for _, c := range classes {
		parent[c.ID] = c.ParentID
	}
	rolled := map[string]int{}
	for id, n := range byClass {
		for seen := 0; id != "" && seen < 4; seen++ {
			rolled[id] += n
			id = parent[id]
		}
	}
	for _, c := range classes {
		if n := rolled[c.ID]; n > 0 {
			f.Classes = append(f.Classes, FacetValue{Value: c.ID, Label: c.Code + " " + c.Title, Level: c.Level, Count: n})
		}
	}
	sort.SliceStable(f.Classes, func(i, j int) bool { return f.Classes[i].Label < f.Classes[j].Label })
	for u, n := range byUnit {
		f.Units = append(f.Units, FacetValue{Value: u, Count: n})
	}
	sort.Slice(f.Units, func(i, j int) bool {
		if f.Units[i].Count != f.Units[j].Count {
			return f.Units[i].Count > f.Units[j].Count
		}
		return f.Units[i].Value < f.Units[j].Value
	})
	for _, c := range []platform.Classification{platform.Official, platform.OfficialSensitive} {
		if n := byMark[string(c)]; n > 0 {
			f.Classifications = append(f.Classifications, FacetValue{Value: string(c), Count: n})
		}
	}
	if n := byDeclared[1]; n > 0 {
		f.Records = append(f.Records, FacetValue{Value: "yes", Label: "Declared records", Count: n})
	}
	if n := byDeclared[0]; n > 0 {
		f.Records = append(f.Records, FacetValue{Value: "no", Label: "Not yet declared", Count: n})
	}
	years := make([]int, 0, len(byYear))
	for y := range byYear {
		years = append(years, y)
	}
	slices.Sort(years)
	slices.Reverse(years)
	for _, y := range years {
		f.Years = append(f.Years, FacetValue{Value: strconv.Itoa(y), Count: byYear[y]})
	}
	return f
}

// page reads one page of documents, one more than the limit to know
// whether there is a next.
func (s *Store) page(ctx context.Context, m *textMatch, conds []string, args []any, q Query, cur searchCursor) ([]*Document, error) {
	where := slices.Clone(conds)
	if q.Order == OrderNewest && cur.id != "" {
		where = append(where, "(d.created_at < ? OR (d.created_at = ? AND d.id < ?))")
		args = append(slices.Clone(args), cur.at, cur.at, cur.id)
	}
	ranked := q.Order == OrderRelevance && m.active()
	from, fromArgs, cond, condArgs := m.source(ranked)
	if cond != "" {
		where = append([]string{cond}, where...)
	}
	var stmt string
	var all []any
	switch {
	case ranked && m.pg():
		// The RankPool newest matches, then by rank.
		stmt = `SELECT * FROM (SELECT ` + docColumns + `, ts_rank(d.search, ?::tsquery) AS score FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
			` ORDER BY d.created_at DESC LIMIT ?) AS x ORDER BY x.score DESC, x.id LIMIT ? OFFSET ?`
		all = append(append(append([]any{m.tsq}, condArgs...), args...), rankPool, q.Limit+1, cur.offset)
	case ranked:
		// bm25 is lower for a better match.
		stmt = `SELECT * FROM (SELECT ` + docColumns + `, h.score FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
			` LIMIT ?) AS x ORDER BY x.score, x.id LIMIT ? OFFSET ?`
		all = append(append(fromArgs, args...), rankPool, q.Limit+1, cur.offset)
	case m.active() && !m.pg():
		// Newest first among the SearchCap most recently filed matches
		// (after the cursor), so a common word never sorts them all.
		stmt = `SELECT * FROM (SELECT ` + docColumns + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
			` LIMIT ?) AS x ORDER BY x.created_at DESC, x.id DESC LIMIT ?`
		all = append(append(fromArgs, args...), searchCap, q.Limit+1)
	default:
		stmt = `SELECT ` + docColumns + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY d.created_at DESC, d.id DESC LIMIT ?`
		all = append(append(append(fromArgs, condArgs...), args...), q.Limit+1)
	}
	rows, err := m.query(ctx, stmt, all)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		var d *Document
		var err error
		if ranked {
			var score float64
			d, err = scanDocument(scoreScanner{rows, &score})
		} else {
			d, err = scanDocument(rows)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// scoreScanner reads a document followed by its score.
type scoreScanner struct {
	rows  *sql.Rows
	score *float64
}

func (s scoreScanner) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.score)...) }

// hits marks the titles of docs and cuts a snippet of each one's text.
func (s *Store) hits(ctx context.Context, m *textMatch, docs []*Document, res *Results) error {
	match := newMatcher(m.terms)
	bodies := map[string]string{}
	if m.active() && len(docs) > 0 {
		args := make([]any, 0, len(docs)+1)
		args = append(args, snippetChars)
		for _, d := range docs {
			args = append(args, d.ID)
		}
		rows, err := s.db.Query(ctx, `SELECT document_id, substr(body, 1, ?) FROM records_text WHERE document_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(docs)), ", ")+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, body string
			if err := rows.Scan(&id, &body); err != nil {
				return err
			}
			bodies[id] = body
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, d := range docs {
		h := Hit{Document: d}
		if m.active() {
			h.TitleMarks = match.highlight(d.Title)
			h.Snippet = match.snippet(bodies[d.ID])
		}
		res.Hits = append(res.Hits, h)
	}
	return nil
}
