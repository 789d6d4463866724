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
	match matcher // the words, for snippets, titles and relevance
	none  bool    // words were typed, and none can match
	tsq   string  // PostgreSQL's query
	whole string  // the same with no word a prefix, or "" when that is tsq
}

func (s *Store) matchFor(terms []term) *textMatch {
	return &textMatch{s: s, terms: terms, match: newMatcher(terms), none: len(terms) == 0}
}

func (m *textMatch) active() bool { return len(m.terms) > 0 }

func (m *textMatch) pg() bool { return m.s.db.Dialect() == store.Postgres }

// prepare builds PostgreSQL's query, through the database.
func (m *textMatch) prepare(ctx context.Context) error {
	if !m.active() || !m.pg() {
		return nil
	}
	q, whole, err := pgTSQuery(ctx, m.s.db, m.terms)
	m.tsq, m.whole, m.none = q, whole, q == ""
	return err
}

// source is the FROM clause of a search with words on SQLite, with its
// argument: FTS5 yields the matches, and each is joined to its document
// by rowid.
func (m *textMatch) source() (from string, args []any) {
	return `(SELECT rowid AS hit FROM records_search WHERE records_search MATCH ?) AS h
		CROSS JOIN records_documents AS d ON d.rowid = h.hit`, []any{ftsMatch(m.terms)}
}

// query runs a search statement, planned for its values on PostgreSQL.
func (m *textMatch) query(ctx context.Context, q string, args []any) (*sql.Rows, error) {
	if m.pg() && m.active() {
		args = append([]any{pgExecMode}, args...)
	}
	return m.s.db.Query(ctx, q, args...)
}

// countFacets counts up to searchCap documents matching a search by
// filters alone, by class, unit, classification, declaration and year, in
// one statement.
func (s *Store) countFacets(ctx context.Context, m *textMatch, conds []string, args []any, classes []Class, res *Results) error {
	// No order: past the cap, which documents are counted does not
	// matter, and the planner may use the index that suits the filters (a
	// class, a unit) instead of walking the filing dates.
	inner := `SELECT d.class_id, d.unit_id, d.classification, d.declared_at, d.created_at FROM records_documents AS d WHERE ` + strings.Join(conds, " AND ")
	year := `CAST(strftime('%Y', x.created_at / 1000, 'unixepoch') AS INTEGER)`
	if s.db.Dialect() == store.Postgres {
		year = `CAST(EXTRACT(YEAR FROM to_timestamp(x.created_at / 1000.0) AT TIME ZONE 'UTC') AS INTEGER)`
	}
	q := `SELECT x.class_id, x.unit_id, x.classification, CASE WHEN x.declared_at > 0 THEN 1 ELSE 0 END, ` + year + `, COUNT(*)
		FROM (` + inner + ` LIMIT ?) AS x GROUP BY 1, 2, 3, 4, 5`
	rows, err := m.query(ctx, q, append(slices.Clone(args), searchCap+1))
	if err != nil {
		return err
	}
	defer rows.Close()
	var counts []count
	total := 0
	for rows.Next() {
		var c count
		if err := rows.Scan(&c.class, &c.unit, &c.mark, &c.declared, &c.year, &c.n); err != nil {
			return err
		}
		total += c.n
		counts = append(counts, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if total > searchCap {
		// One more than the cap was read to know there are more; it is
		// left out of the facets too, so they count what the total says.
		counts[0].n--
		res.More = true
	}
	t := newFacetTally()
	for _, c := range counts {
		t.add(c)
	}
	res.Total, res.Facets = t.total, t.facets(classes)
	return nil
}

// count is how many matches share a class, unit, classification,
// declaration (1 or 0) and year of filing.
type count struct {
	class, unit, mark string
	declared, year    int
	n                 int
}

// facetTally adds up counts into facets.
type facetTally struct {
	total                   int
	byClass, byUnit, byMark map[string]int
	byDeclared, byYear      map[int]int
}

func newFacetTally() *facetTally {
	return &facetTally{byClass: map[string]int{}, byUnit: map[string]int{}, byMark: map[string]int{}, byDeclared: map[int]int{}, byYear: map[int]int{}}
}

func (t *facetTally) add(c count) {
	if c.n <= 0 {
		return
	}
	t.total += c.n
	t.byClass[c.class] += c.n
	t.byUnit[c.unit] += c.n
	t.byMark[c.mark] += c.n
	t.byDeclared[c.declared] += c.n
	t.byYear[c.year] += c.n
}

func (t *facetTally) facets(classes []Class) Facets {
	f := Facets{Classes: []FacetValue{}, Units: []FacetValue{}, Classifications: []FacetValue{}, Records: []FacetValue{}, Years: []FacetValue{}}
	// A class counts its own documents and those of the classes below it,
	// so choosing it (a filter takes the class and below) finds them all.
	parent := map[string]string{}
	for _, c := range classes {
		parent[c.ID] = c.ParentID
	}
	rolled := map[string]int{}
	for id, n := range t.byClass {
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
	for u, n := range t.byUnit {
		f.Units = append(f.Units, FacetValue{Value: u, Count: n})
	}
	sort.Slice(f.Units, func(i, j int) bool {
		if f.Units[i].Count != f.Units[j].Count {
			return f.Units[i].Count > f.Units[j].Count
		}
		return f.Units[i].Value < f.Units[j].Value
	})
	for _, c := range []platform.Classification{platform.Official, platform.OfficialSensitive} {
		if n := t.byMark[string(c)]; n > 0 {
			f.Classifications = append(f.Classifications, FacetValue{Value: string(c), Count: n})
		}
	}
	if n := t.byDeclared[1]; n > 0 {
		f.Records = append(f.Records, FacetValue{Value: "yes", Label: "Declared records", Count: n})
	}
	if n := t.byDeclared[0]; n > 0 {
		f.Records = append(f.Records, FacetValue{Value: "no", Label: "Not yet declared", Count: n})
	}
	years := make([]int, 0, len(t.byYear))
	for y := range t.byYear {
		years = append(years, y)
	}
	slices.Sort(years)
	slices.Reverse(years)
	for _, y := range years {
		f.Years = append(f.Years, FacetValue{Value: strconv.Itoa(y), Count: t.byYear[y]})
	}
	return f
}

// page reads one page of a search by filters alone, newest first, one
// more than the limit to know whether there is a next.
func (s *Store) page(ctx context.Context, m *textMatch, conds []string, args []any, q Query, cur searchCursor) ([]*Document, error) {
	where := slices.Clone(conds)
	args = slices.Clone(args)
	if cur.id != "" {
		where = append(where, "(d.created_at < ? OR (d.created_at = ? AND d.id < ?))")
		args = append(args, cur.at, cur.at, cur.id)
	}
	rows, err := m.query(ctx, `SELECT `+docColumns+` FROM records_documents AS d WHERE `+strings.Join(where, " AND ")+
		` ORDER BY d.created_at DESC, d.id DESC LIMIT ?`, append(args, q.Limit+1))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// hits marks the titles of docs and cuts a snippet of each one's text.
func (s *Store) hits(ctx context.Context, m *textMatch, docs []*Document, res *Results) error {
	match := m.match
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
