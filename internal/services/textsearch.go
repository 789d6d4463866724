package services

import (
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

// textCondition is the WHERE condition and its argument matching text, or
// ok false when text holds no letter or digit (it can match nothing).
func textCondition(d store.Dialect, text string) (cond string, arg any, ok bool) {
	words := searchWords(text)
	if len(words) == 0 {
		return "", nil, false
	}
	if d == store.SQLite {
		// Each word is an FTS5 string (a word cannot hold a double quote, so
		// AND, NEAR, * or - typed are words like any other), and * makes it
		// a prefix; words side by side must all match.
		var b strings.Builder
		for i, w := range words {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(`"` + w + `"*`)
		}
		return "rowid IN (SELECT rowid FROM cases_search WHERE cases_search MATCH ?)", b.String(), true
	}
	// PostgreSQL splits what was typed with the same expression as the
	// index, so both are cut into words alike whatever the cluster's locale.
	// Each lexeme is then quoted (quote_literal; after translate none holds
	// a quote or a backslash) and made a prefix; the text is a parameter,
	// never part of the statement. No lexeme gives NULL, which matches
	// nothing.
	return "search @@ (SELECT string_agg(quote_literal(w) || ':*', ' & ')::tsquery FROM unnest(tsvector_to_array(" +
		pgSearchText("?") + ")) AS w)", text, true
}

// searchWords splits text into lowercase words: runs of letters, digits and
// the marks that go with them (what SQLite's unicode61 tokenizer keeps).
func searchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	})
}
