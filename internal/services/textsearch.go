package services

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode"

	"dbtp/internal/store"

	"github.com/jackc/pgx/v5"
)

// Search by text (CaseFilter.Text) goes through a full-text index of each
// case's reference and summary (migration 0009): FTS5 on SQLite, a
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

// maxDrivingHits is how many matches a search on SQLite reads case by case
// (found through the FTS5 index, then sorted). With more, the case index is
// walked in the page's order instead, testing each case against the
// matches, so a word that most cases have stops at the end of the page
// rather than reading and sorting them all. SQLite has no statistics in
// dbtp to choose between the two, so Search counts the matches first.
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
	mode     any // a pgx.QueryExecMode to run the search with, or nil
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
		return s.pgTextMatch(ctx, text)
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
// it. No lexeme gives NULL: nothing can match.
//
// The query is built by a statement of its own and passed to the search as
// a value, so that the planner weighs it with the column's statistics: a
// word most cases have is served by walking the page's index in order,
// testing each case and stopping at the end of the page, rather than by
// reading every match through the GIN index and sorting them all (40 ms at
// 22,000 cases); a rare one goes through the GIN index. Built inside the
// search, the query is unknown when planning and the planner always guesses
// few matches. For the same reason the search runs as an unnamed statement
// (pgx.QueryExecModeExec), planned for its own values each time: pgx
// prepares statements, and after five runs PostgreSQL may settle on a
// generic plan, which cannot see the query (it did, in BenchmarkTextSearch).
func (s *Service) pgTextMatch(ctx context.Context, text string) (textMatch, error) {
	var query sql.NullString
	err := s.db.QueryRow(ctx, "SELECT string_agg(quote_literal(w) || ':*', ' & ') FROM unnest(tsvector_to_array("+
		pgSearchText("?")+")) AS w", text).Scan(&query)
	switch {
	case err != nil:
		return textMatch{}, err
	case !query.Valid:
		return textMatch{none: true}, nil
	}
	return textMatch{cond: "search @@ ?::tsquery", arg: query.String, mode: pgx.QueryExecModeExec}, nil
}

// searchWords splits text into lowercase words: runs of letters, digits and
// the marks that go with them (what SQLite's unicode61 tokenizer keeps).
func searchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	})
}
