package records

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/store"
)

// What a person types is cut into terms here, in Go, and never reaches
// either engine as query syntax: each word becomes a quoted FTS5 string
// or a quoted tsquery lexeme. A word (a run of letters, digits and the
// marks that go with them) is matched as the start of a word, in any
// order and case. A run of words joined by punctuation ("O'Brien",
// "ADM-2025-000123", "j.smith@example.org") and words in double quotes
// are phrases: the words next to each other, in order (the last one, when
// not in quotes, as the start of a word). Everything else — quotes that
// do not pair, *, -, NEAR, AND, OR, colons, SQL — only separates words.

// term is one word or phrase typed.
type term struct {
	words  []string // lowercase
	prefix bool     // the last word may be the start of a longer one
}

const (
	maxQueryBytes = 1000
	maxTerms      = 12
	maxTermWords  = 12
	// prefixIndexMax is the longest prefix records_search indexes
	// (migration 0007_search_pool: prefix = '2 3 ... 16'). A word typed
	// longer than that, as the start of a word, is cut to it.
	prefixIndexMax = 16
)

// parseTerms cuts typed text into terms. A word of one character is
// matched whole ("j smith" is the initial J): as a prefix it would be the
// start of a large part of every word stored.
func parseTerms(text string) []term {
	text = strings.ReplaceAll(strings.ToValidUTF8(text, " "), "\x00", " ")
	if len(text) > maxQueryBytes {
		text = text[:maxQueryBytes]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	var out []term
	add := func(chunk string, quoted bool) {
		words := searchWords(chunk)
		if len(words) == 0 || len(out) == maxTerms {
			return
		}
		if quoted {
			for len(words) > 0 {
				n := min(len(words), maxTermWords)
				out = append(out, term{words: words[:n]})
				words = words[n:]
			}
			return
		}
		if len(words) > maxTermWords {
			words = words[:maxTermWords]
		}
		t := term{words: words, prefix: true}
		if len(words) == 1 && utf8.RuneCountInString(words[0]) == 1 {
			t.prefix = false
		}
		if last := []rune(words[len(words)-1]); t.prefix && len(last) > prefixIndexMax {
			// Beyond the prefix indexes FTS5 would read and merge, in
			// full, the list of every word this one starts. Its first 16
			// characters are one list read lazily; they find every word
			// it starts and the rare other sharing those 16. Cut here,
			// both engines, the relevance and the marks see one word.
			words = slices.Clone(words)
			words[len(words)-1] = string(last[:prefixIndexMax])
			t.words = words
		}
		out = append(out, t)
	}
	// Quotes pair from the left; one left over is punctuation.
	parts := strings.Split(text, `"`)
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			add(p, true)
			continue
		}
		for _, chunk := range strings.FieldsFunc(p, unicode.IsSpace) {
			add(chunk, false)
		}
	}
	if len(out) > maxTerms {
		out = out[:maxTerms]
	}
	return out
}

// searchWords splits text into lowercase words: runs of letters, digits
// and marks (what SQLite's unicode61 tokenizer keeps).
func searchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	})
}

// ftsMatch is the FTS5 query for terms: each a quoted string (a phrase
// when it has several words), * after it for a prefix, side by side so all
// must match. The words hold no double quote, so nothing in them is syntax.
func ftsMatch(terms []term) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + strings.Join(t.words, " ") + `"`)
		if t.prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// pgTSQuery is the tsquery for terms on PostgreSQL. Each term is cut into
// lexemes by the same function as the index (records_search_words), so
// both agree whatever the cluster's locale, and the lexemes come back in
// order with their positions, from which a phrase is rebuilt (<N> keeps
// the gaps the parser left). Each lexeme is quoted for the tsquery
// parser. "" means nothing typed can match. wholeWords is the same
// query with every word whole (no prefix), or "" when that is the query.
func pgTSQuery(ctx context.Context, db *store.DB, terms []term) (q, wholeWords string, err error) {
	texts := make([]string, len(terms))
	for i, t := range terms {
		texts[i] = strings.Join(t.words, " ")
	}
	rows, err := db.Query(ctx, `SELECT u.n, x.lexeme, p.p FROM unnest(?::text[]) WITH ORDINALITY AS u(t, n)
		CROSS JOIN LATERAL unnest(records_search_words(u.t)) AS x
		CROSS JOIN LATERAL unnest(x.positions) AS p(p) ORDER BY u.n, p.p`, texts)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	type lex struct {
		word string
		pos  int
	}
	per := make([][]lex, len(terms))
	for rows.Next() {
		var n, pos int
		var w string
		if err := rows.Scan(&n, &w, &pos); err != nil {
			return "", "", err
		}
		if n >= 1 && n <= len(terms) {
			per[n-1] = append(per[n-1], lex{w, pos})
		}
	}
	if err := rows.Err(); err != nil {
		return "", "", err
	}
	var parts, whole []string
	for i, ls := range per {
		if len(ls) == 0 {
			continue
		}
		var b strings.Builder
		for j, l := range ls {
			if j > 0 {
				if gap := l.pos - ls[j-1].pos; gap == 1 {
					b.WriteString(" <-> ")
				} else {
					b.WriteString(" <" + strconv.Itoa(gap) + "> ")
				}
			}
			b.WriteString("'" + strings.ReplaceAll(strings.ReplaceAll(l.word, `\`, `\\`), `'`, `''`) + "'")
		}
		whole = append(whole, b.String())
		if terms[i].prefix {
			b.WriteString(":*")
		}
		parts = append(parts, b.String())
	}
	if len(parts) == 0 {
		return "", "", nil
	}
	q = strings.Join(parts, " & ")
	if w := strings.Join(whole, " & "); w != q {
		wholeWords = w
	}
	return q, wholeWords, nil
}
