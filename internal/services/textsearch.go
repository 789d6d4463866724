package services

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode"

	"dbtp/internal/store"
)

// Search by text (CaseFilter.Text) goes through a full-text index of each
// case's reference and summary (migrations 0007): FTS5 on SQLite, a
// generated tsvector with a GIN index on PostgreSQL. Every word typed must be
// the start of a word of the case, in any case and any order ("jan smi"
// finds "Janet Smith"); punctuation only separates words, and nothing typed
// is ever read as query syntax.

// pgSearchText is the expression PostgreSQL indexes (the migration's
// generated column) and applies to what was typed: punctuation, ASCII and
// the common typographic marks, becomes spaces, so the parser sees words
// only. Otherwise an email address or a file name is one token, and with
// the C locale "O’Brien" and "“quoted”" are single words. The migration must
// use exactly this expression; a test compares them.
const pgSearchPunctuation = `'!"#$%&''()*+,-./:;<=>?@[\]^_` + "`" + `{|}~‘’‚“”„·•–—…'`

func pgSearchText(expr string) string {
	return "to_tsvector('simple'::regconfig, translate(" + expr + ", " + pgSearchPunctuation + ", repeat(' ', " +
		"length(" + pgSearchPunctuation + "))))"
}

// maxDrivingHits is how many matches a search reads case by case (found
// through the full-text index, then sorted). With more, the case index is
// walked in the page's order instead, testing each case, so a word that
// most cases have stops at the end of the page rather than reading and
// sorting them all. Neither planner can choose between the two here
// (SQLite has no statistics in dbtp; PostgreSQL does not see the query), so
// Search counts the matches first.
const maxDrivingHits = 500

// textMatch is how Search keeps to the cases matching text: from replaces
// "cases" in the FROM clause (with its arguments first), or cond is added to
// the WHERE clause; none means nothing can match.
type textMatch struct {
	from     string
	fromArgs []any
	cond     string
	arg      any
	none     bool
}

func (s *Service) textMatch(ctx context.Context, orgID, text string) (textMatch, error) {
	// PostgreSQL refuses text with NUL or that is not UTF-8 (an error, not
	// a search); neither is part of a word.
	text = strings.ReplaceAll(strings.ToValidUTF8(text, " "), "\x00", " ")
	words := searchWords(text)
	if len(words) == 0 {
		return textMatch{none: true}, nil
	}
	// A reference typed whole finds that case through its unique index.
	// Matched word by word it would read every case of its service and year
	// ("COMP" and "2026" are in all of them) to find one.
	if ref := strings.ToUpper(text); len(words) > 1 && !strings.ContainsFunc(ref, unicode.IsSpace) {
		var one int
		err := s.db.QueryRow(ctx, "SELECT 1 FROM cases WHERE org_id = ? AND reference = ?", orgID, ref).Scan(&one)
		if err == nil {
			return textMatch{cond: "reference = ?", arg: ref}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return textMatch{}, err
		}
	}
	if s.db.Dialect() == store.Postgres {
		return s.pgTextMatch(ctx, orgID, text)
	}
	// Each word is an FTS5 string (a word holds no double quote, so AND,
	// NEAR, * or - typed are words like any other) and * makes it a
	// prefix; strings side by side must all match.
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + w + `"*`)
	}
	match := b.String()
	rows, err := s.db.Query(ctx, "SELECT rowid FROM cases_search WHERE cases_search MATCH ? LIMIT ?", match, maxDrivingHits+1)
	if err != nil {
		return textMatch{}, err
	}
	defer rows.Close()
	hits := make([]int64, 0, 16)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return textMatch{}, err
		}
		hits = append(hits, id)
	}
	if err := rows.Err(); err != nil {
		return textMatch{}, err
	}
	switch {
	case len(hits) == 0:
		return textMatch{none: true}, nil
	case len(hits) > maxDrivingHits:
		return textMatch{cond: "rowid IN (SELECT rowid FROM cases_search WHERE cases_search MATCH ?)", arg: match}, nil
	}
	// The matches come from every organisation: the WHERE clause still
	// keeps to the subject's. CROSS JOIN makes SQLite read the matches first
	// and look each case up by its rowid, whatever indexes the filters
	// could use.
	list, err := json.Marshal(hits)
	if err != nil {
		return textMatch{}, err
	}
	return textMatch{from: "(SELECT value AS hit FROM json_each(?)) AS hits CROSS JOIN cases ON cases.rowid = hits.hit",
		fromArgs: []any{string(list)}}, nil
}

// pgTextMatch matches text on PostgreSQL. What was typed is split with the
// same expression as the index, so both are cut into words alike whatever
// the cluster's locale; each lexeme is quoted (quote_literal; after
// translate none holds a quote or a backslash) and made a prefix. The text
// is a parameter, never part of a statement, and so is the query built from
// it. No lexeme gives NULL, which matches nothing.
//
// A first statement builds the query and counts its matches up to
// maxDrivingHits. The search then passes the query as a value, so the
// planner weighs it with the column's statistics: a word most cases have is
// served by walking the page's index in order, testing each case, rather
// than by reading every match through the GIN index and sorting them all
// (40 ms at 22,000 cases). The two kinds of search are written as two
// statements so that a plan cached for one kind (pgx prepares statements,
// and PostgreSQL may settle on one plan for a prepared statement) never
// serves the other.
func (s *Service) pgTextMatch(ctx context.Context, orgID, text string) (textMatch, error) {
	var query sql.NullString
	var n int
	err := s.db.QueryRow(ctx, `SELECT q::text, (SELECT count(*) FROM (SELECT 1 FROM cases WHERE org_id = ? AND search @@ q LIMIT ?) AS hits)
		FROM (SELECT string_agg(quote_literal(w) || ':*', ' & ')::tsquery AS q FROM unnest(tsvector_to_array(`+pgSearchText("?")+`)) AS w) AS t`,
		orgID, maxDrivingHits+1, text).Scan(&query, &n)
	switch {
	case err != nil:
		return textMatch{}, err
	case n == 0:
		return textMatch{none: true}, nil
	case n > maxDrivingHits:
		return textMatch{cond: "search @@ ?::tsquery AND search IS NOT NULL", arg: query.String}, nil
	}
	return textMatch{cond: "search @@ ?::tsquery", arg: query.String}, nil
}

// searchWords splits text into lowercase words: runs of letters, digits and
// the marks that go with them (what SQLite's unicode61 tokenizer keeps).
func searchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	})
}
