package records

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"dbtp/internal/store"
)

// A search with words reads its pool, the searchPool most recently filed
// matches, with what its facets count and what its order weighs. Total,
// facets, order and pages are worked out from the pool in Go, then the
// page's documents are read by ID. One read serves all of them.
//
// Relevance is also worked out here, the same on both engines, from where
// each word typed is found: the title weighs 10, the people's names and
// the case reference 5, the tags 3, anywhere else (the text, a file name)
// 1; newest first among equals. bm25 and ts_rank were measured first and
// cost too much at a million documents: FTS5's bm25 reads every match of
// every word to weigh it (70 ms of the 100 ms "care plan" took on SQLite),
// and ts_rank reads each candidate's whole tsvector on PostgreSQL.

// candidate is a match in the pool.
type candidate struct {
	count
	id      string
	created int64
	score   int
}

// poolFields are what the pool reads of each match.
var poolFields = []string{"id", "class_id", "unit_id", "classification", "declared_at", "created_at", "title", "subjects", "case_ref", "tags"}

// poolColumns lists poolFields of the table aliased as.
func poolColumns(as string) string {
	return as + "." + strings.Join(poolFields, ", "+as+".")
}

// poolSearch fills res from the pool of a search with words and returns
// the page's documents, in order.
func (s *Store) poolSearch(ctx context.Context, m *textMatch, conds []string, args []any, classes []Class, q Query, cur searchCursor, res *Results) ([]*Document, error) {
	ranked := q.Order == OrderRelevance
	var pool []candidate
	var err error
	if m.pg() {
		pool, err = s.pgPool(ctx, m, conds, args, ranked)
	} else {
		pool, err = s.sqlitePool(ctx, m, conds, args, ranked)
	}
	if err != nil {
		return nil, err
	}
	if len(pool) > searchPool {
		pool, res.More = pool[:searchPool], true
	}
	t := newFacetTally()
	for _, c := range pool {
		t.add(c.count)
	}
	res.Total, res.Facets = t.total, t.facets(classes)

	slices.SortFunc(pool, func(a, b candidate) int {
		if ranked && a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		if a.created != b.created {
			return cmp.Compare(b.created, a.created)
		}
		return strings.Compare(b.id, a.id)
	})
	if cur.offset >= len(pool) {
		return nil, nil
	}
	page := pool[cur.offset:min(cur.offset+q.Limit, len(pool))]
	if next := cur.offset + q.Limit; next < len(pool) {
		res.Next = encodeSearchCursor("o", int64(next), "")
	}
	return s.docsByID(ctx, page, conds, args)
}

// sqlitePool reads the pool in one statement: FTS5 yields the matches most
// recently filed first (its rowids are the documents', and it reads its
// lists backwards for ORDER BY rowid DESC, with no sort), each is looked
// up by rowid and checked against the access rule and the filters, and
// the LIMIT stops the walk. The order must be the statement's own: SQLite
// drops an ORDER BY inside a subquery it flattens into a join.
func (s *Store) sqlitePool(ctx context.Context, m *textMatch, conds []string, args []any, ranked bool) ([]candidate, error) {
	from, fromArgs := m.source()
	rows, err := m.query(ctx, `SELECT `+poolColumns("d")+` FROM `+from+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY h.hit DESC LIMIT ?`,
		append(append(slices.Clone(fromArgs), args...), searchPool+1))
	if err != nil {
		return nil, err
	}
	return scanPool(rows, m.match, ranked, nil)
}

// On PostgreSQL the pool is read in two steps, because the planner cannot
// tell well enough how many documents hold all the words: it multiplies
// each word's share, and words typed together (fire risk assessment) go
// together far more often, so it read every match through the GIN index
// and sorted them (up to a second at a million documents) where walking
// the newest documents and testing each would have stopped after a few
// thousand. First the pgSample newest documents under the access rule and
// filters are tested (ts_match_vq, which no index serves, so they are
// walked); their matches begin the pool, and only they and the last
// document come back. If the words are common there
// (pgDense or more), the walk goes on until the pool is full; if rare,
// the rest is read through the GIN index. The two cost the same, about
// 30,000 documents tested or matches read, where the share is
// sqrt(searchPool / a million), 3%.
var (
	pgSample = 1_000
	pgDense  = 0.03
)

func (s *Store) pgPool(ctx context.Context, m *textMatch, conds []string, args []any, ranked bool) ([]candidate, error) {
	where := strings.Join(conds, " AND ")
	const order = ` ORDER BY d.created_at DESC, d.id DESC`
	// The sample's matches, and its last document (n = pgSample), where
	// the next step starts; no last one means every document was seen.
	rows, err := m.query(ctx, `SELECT `+poolColumns("s")+`, s.m, s.n FROM (SELECT `+poolColumns("d")+`, ts_match_vq(d.search, ?::tsquery) AS m,
		row_number() OVER (`+order+`) AS n FROM records_documents AS d WHERE `+where+order+` LIMIT ?) AS s WHERE s.m OR s.n = ?`,
		append(append([]any{m.tsq}, args...), pgSample, pgSample))
	if err != nil {
		return nil, err
	}
	var last *candidate
	pool, err := scanPool(rows, m.match, ranked, func(c candidate, matched bool, n int) bool {
		if n == pgSample {
			last = &c
		}
		return matched
	})
	if err != nil || len(pool) > searchPool || last == nil {
		return pool, err
	}
	bound := `(d.created_at < ? OR (d.created_at = ? AND d.id < ?))`
	boundArgs := []any{last.created, last.created, last.id}
	need := searchPool + 1 - len(pool)
	var stmt string
	var all []any
	if float64(len(pool))/float64(pgSample) >= pgDense {
		stmt = `SELECT ` + poolColumns("d") + ` FROM records_documents AS d WHERE ` + where + ` AND ` + bound + ` AND ts_match_vq(d.search, ?::tsquery)` + order + ` LIMIT ?`
		all = append(append(append(slices.Clone(args), boundArgs...), m.tsq), need)
	} else {
		stmt = `SELECT ` + poolColumns("d") + ` FROM records_documents AS d WHERE d.search @@ ?::tsquery AND ` + where + ` AND ` + bound + order + ` LIMIT ?`
		all = append(append(append([]any{m.tsq}, args...), boundArgs...), need)
		if m.whole != "" {
			// Whole words first. A prefix makes the GIN index gather every
			// match of the word and its longer forms before it can
			// intersect them: "john smith" (smith in 15% of a million
			// documents) took 130 ms, where whole words let the index skip
			// through the common word's list guided by the rare one's
			// (27 ms). When whole words fill the pool, the older
			// documents that only a longer form matches (Johnson) are
			// left out; when they do not, the prefix query runs.
			whole := slices.Clone(all)
			whole[0] = m.whole
			rows, err = m.query(ctx, stmt, whole)
			if err != nil {
				return nil, err
			}
			more, err := scanPool(rows, m.match, ranked, nil)
			if err != nil || len(more) == need {
				return append(pool, more...), err
			}
		}
	}
	rows, err = m.query(ctx, stmt, all)
	if err != nil {
		return nil, err
	}
	more, err := scanPool(rows, m.match, ranked, nil)
	return append(pool, more...), err
}

// scanPool reads pool rows, scoring each when ranked. With keep, each row has two
// more columns, whether it matched and its place in the sample, and keep
// decides which rows join the pool.
func scanPool(rows *sql.Rows, match matcher, ranked bool, keep func(c candidate, matched bool, n int) bool) ([]candidate, error) {
	defer rows.Close()
	var pool []candidate
	for rows.Next() {
		var c candidate
		var declared int64
		var title, subjects, caseRef, tags string
		dest := []any{&c.id, &c.class, &c.unit, &c.mark, &declared, &c.created, &title, &subjects, &caseRef, &tags}
		var matched sql.NullBool
		var n int
		if keep != nil {
			dest = append(dest, &matched, &n)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		c.n = 1
		if declared > 0 {
			c.declared = 1
		}
		c.year = time.UnixMilli(c.created).UTC().Year()
		if keep != nil && !keep(c, matched.Bool, n) {
			continue
		}
		if ranked {
			c.score = match.relevance(title, subjects, caseRef, tags)
		}
		pool = append(pool, c)
	}
	return pool, rows.Err()
}

// relevance weighs where each word or phrase typed is found. It runs on
// every match of the pool, so it reads the people's names and the tags
// straight from their JSON text rather than decoding it: the names are
// the "name" strings; in the tags the JSON's quotes and commas only
// separate words.
func (m matcher) relevance(title, subjects, caseRef, tags string) int {
	fields := [...]struct {
		words  []string
		weight int
	}{{foldWords(title), 10}, {foldWords(jsonNames(subjects)), 5}, {foldWords(caseRef), 5}, {foldWords(tags), 3}}
	score := 0
	for _, t := range m.terms {
		best := 1
		for _, f := range fields {
			if f.weight > best && holds(f.words, t) {
				best = f.weight
			}
		}
		score += best
	}
	return score
}

// jsonNames picks the "name" strings out of a JSON list of people, one
// line each.
func jsonNames(people string) string {
	const key = `"name":"`
	var b strings.Builder
	for {
		i := strings.Index(people, key)
		if i < 0 {
			return b.String()
		}
		people = people[i+len(key):]
		end := 0
		for end < len(people) && (people[end] != '"' || (end > 0 && people[end-1] == '\\')) {
			end++
		}
		b.WriteString(people[:end])
		b.WriteByte('\n')
		people = people[min(end+1, len(people)):]
	}
}

// docsByID reads the page's documents, in the pool's order. The access
// rule and the filters apply again, so one changed since the pool was
// read is left out rather than shown. The list of IDs drives the
// statement (CROSS JOIN): SQLite, without statistics, would otherwise
// take the organisation's index for the access rule and read every
// document of the organisation (a second at a million).
func (s *Store) docsByID(ctx context.Context, page []candidate, conds []string, args []any) ([]*Document, error) {
	if len(page) == 0 {
		return nil, nil
	}
	ids := make([]string, len(page))
	for i, c := range page {
		ids[i] = c.id
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	from := `json_each(?) AS ids CROSS JOIN records_documents AS d ON d.id = ids.value`
	if s.db.Dialect() == store.Postgres {
		from = `json_array_elements_text(?::json) AS ids(value) JOIN records_documents AS d ON d.id = ids.value`
	}
	rows, err := s.db.Query(ctx, `SELECT `+docColumns+` FROM `+from+` WHERE `+strings.Join(conds, " AND "),
		append([]any{string(list)}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]*Document{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		byID[d.ID] = d
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*Document, 0, len(page))
	for _, c := range page {
		if d := byID[c.id]; d != nil {
			out = append(out, d)
		}
	}
	return out, nil
}
