package records

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fragment is a piece of a snippet or a title: plain text, to be escaped
// by whoever shows it, and whether it matched what was typed. Search
// never returns markup, so text from a document cannot inject any.
type Fragment struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// snippetWords is how many words of context a snippet holds.
const snippetWords = 32

// token is a word of a text, by byte offsets.
type token struct{ start, end int }

func tokens(text string) []token {
	var out []token
	start := -1
	for i, r := range text {
		word := unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, token{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, token{start, len(text)})
	}
	return out
}

// matcher tells which words of a text match the words typed: a typed word
// matches a word it starts (whole for one letter), folding case and the
// common Latin diacritics, as the indexes do.
type matcher struct{ words []string }

func newMatcher(terms []term) matcher {
	var m matcher
	for _, t := range terms {
		for _, w := range t.words {
			m.words = append(m.words, fold(w))
		}
	}
	return m
}

// match returns the index of the typed word w starts, or -1.
func (m matcher) match(w string) int {
	f := fold(w)
	for i, q := range m.words {
		if f == q || (utf8.RuneCountInString(q) > 1 && strings.HasPrefix(f, q)) {
			return i
		}
	}
	return -1
}

// highlight marks the matching words of a short text (a title).
func (m matcher) highlight(text string) []Fragment {
	return m.fragments(text, tokens(text), 0, len(text))
}

// snippet is the part of body with the most different typed words in a
// window of snippetWords words, marked; its start when nothing matches.
// Line breaks and runs of spaces become one space.
func (m matcher) snippet(body string) []Fragment {
	toks := tokens(body)
	if len(toks) == 0 {
		return nil
	}
	best, bestScore := 0, 0
	hits := make([]int, len(toks))
	for i, t := range toks {
		hits[i] = m.match(body[t.start:t.end])
	}
	for i := range toks {
		if hits[i] < 0 {
			continue
		}
		seen := map[int]bool{}
		for j := i; j < len(toks) && j < i+snippetWords; j++ {
			if hits[j] >= 0 {
				seen[hits[j]] = true
			}
		}
		if len(seen) > bestScore {
			best, bestScore = max(0, i-4), len(seen)
		}
		if bestScore == len(m.words) {
			break
		}
	}
	last := min(len(toks), best+snippetWords) - 1
	start, end := toks[best].start, toks[last].end
	if best == 0 {
		start = 0
	}
	if last == len(toks)-1 {
		end = len(body)
	}
	frags := m.fragments(body, toks[best:last+1], start, end)
	if best > 0 {
		frags = append([]Fragment{{Text: "…"}}, frags...)
	}
	if end < len(body) {
		frags = append(frags, Fragment{Text: "…"})
	}
	return frags
}

// fragments cuts text[start:end] at the matching tokens of toks.
func (m matcher) fragments(text string, toks []token, start, end int) []Fragment {
	var out []Fragment
	plain := func(s string) {
		s = squeeze(s)
		if s == "" {
			return
		}
		if n := len(out); n > 0 && !out[n-1].Match {
			out[n-1].Text += s
			return
		}
		out = append(out, Fragment{Text: s})
	}
	at := start
	for _, t := range toks {
		if m.match(text[t.start:t.end]) < 0 {
			continue
		}
		plain(text[at:t.start])
		out = append(out, Fragment{Text: text[t.start:t.end], Match: true})
		at = t.end
	}
	plain(text[at:end])
	if len(out) > 0 && !out[0].Match {
		out[0].Text = strings.TrimLeft(out[0].Text, " ")
	}
	if n := len(out); n > 0 && !out[n-1].Match {
		out[n-1].Text = strings.TrimRight(out[n-1].Text, " ")
	}
	return out
}

// squeeze turns every run of white space and control characters into one
// space, so a snippet is one line.
func squeeze(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// foldFrom and foldTo pair the common Latin letters with diacritics with
// their base letters, as unicode61's remove_diacritics folds them.
const (
	foldFrom = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįĵķĺļľłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž"
	foldTo   = "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiijklllnnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz"
)

var foldMap = func() map[rune]rune {
	m := map[rune]rune{}
	to := []rune(foldTo)
	for i, r := range []rune(foldFrom) {
		m[r] = to[i]
	}
	return m
}()

// fold lowercases w and strips the common diacritics.
func fold(w string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if f, ok := foldMap[r]; ok {
			return f
		}
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, w)
}
