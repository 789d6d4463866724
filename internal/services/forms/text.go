package forms

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/services/definition"
)

// Each parser here takes the trimmed, non-empty text a person typed and
// returns the canonical answer, or a message saying what to fix. Emptiness
// and "required" are decided once, by the caller, so every type treats a
// blank answer the same way.

const (
	defaultMaxText     = 500
	defaultMaxLongText = 10000
	maxEmail           = 254
	maxNumberChars     = 40 // digits enough for any real quantity; refuses absurd input before big.Rat sees it
)

// cleanText normalises line endings and reports whether the text holds
// characters that have no business in an answer: control characters (they
// break CSV exports, terminals and letters), invalid UTF-8, and newlines in
// a one-line answer.
func cleanText(s string, multiline bool) (string, bool) {
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	if !utf8.ValidString(s) {
		return s, false
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) {
			return s, false
		}
	}
	return s, true
}

// parseText checks a text or long_text answer.
func parseText(f *definition.Field, s string) (string, string) {
	multiline := f.Type == definition.TypeLongText
	s, ok := cleanText(s, multiline)
	if !ok {
		return "", subject(f) + " must not include special characters"
	}
	s = strings.TrimSpace(s)
	max := f.MaxLength
	if max <= 0 {
		max = defaultMaxText
		if multiline {
			max = defaultMaxLongText
		}
	}
	n := utf8.RuneCountInString(s)
	if n > max {
		return "", fmt.Sprintf("%s must be %d characters or fewer", subject(f), max)
	}
	if f.MinLength > 0 && n < f.MinLength {
		return "", fmt.Sprintf("%s must be %d characters or more", subject(f), f.MinLength)
	}
	if f.Pattern != "" {
		re, err := compilePattern(f.Pattern)
		if err != nil || !re.MatchString(s) {
			// A pattern that does not compile is a definition bug the loader
			// reports; here it must still refuse rather than let anything in.
			if f.PatternMessage != "" {
				return "", f.PatternMessage
			}
			return "", "Enter " + noun(f) + " in the correct format"
		}
	}
	return s, ""
}

// patterns caches compiled field patterns: the same few are matched on
// every submission of a service.
var patterns sync.Map // string -> *regexp.Regexp or error

func compilePattern(p string) (*regexp.Regexp, error) {
	if v, ok := patterns.Load(p); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re, nil
		}
		return nil, v.(error)
	}
	// The whole answer must match, whatever anchors the author wrote.
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		patterns.Store(p, err)
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}

// parseEmail accepts one address with a sensible shape. It does not try to
// implement RFC 5322: quoted local parts and IP literals are legal but are
// far more often typos than real council correspondents.
func parseEmail(s string) (string, bool) {
	if len(s) > maxEmail {
		return "", false
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || at > 64 {
		return "", false
	}
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0) {
			return "", false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return "", false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
		return "", false
	}
	return local + "@" + domain, true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parseNumber accepts a decimal with optional sign and thousands commas and
// returns its shortest form ("1,200.50" -> "1200.5"), so answers compare
// equal in branching rules and searches whatever way they were typed.
func parseNumber(s string) (string, bool) {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) == 0 || len(s) > maxNumberChars {
		return "", false
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	intPart, ok := ungroup(intPart)
	if !ok || !allDigits(frac) || (intPart == "" && frac == "") || (hasPoint && frac == "") {
		return "", false
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, true
}

// ungroup removes thousands separators, refusing misplaced commas ("12,34")
// because they usually mean a decimal comma, and guessing would be wrong.
func ungroup(s string) (string, bool) {
	if !strings.Contains(s, ",") {
		return s, allDigits(s)
	}
	groups := strings.Split(s, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 || !allDigits(groups[0]) {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !allDigits(g) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkNumberRange applies min and max exactly: the bounds are read back as
// the decimals the author wrote, so "0.1" is not refused by min 0.1.
func checkNumberRange(f *definition.Field, canon string) string {
	v, ok := new(big.Rat).SetString(canon)
	if !ok {
		return subject(f) + " must be a number"
	}
	lo, hi := ratOf(f.Min), ratOf(f.Max)
	if (lo != nil && v.Cmp(lo) < 0) || (hi != nil && v.Cmp(hi) > 0) {
		switch {
		case lo != nil && hi != nil:
			return fmt.Sprintf("%s must be between %s and %s", subject(f), fmtFloat(*f.Min), fmtFloat(*f.Max))
		case lo != nil:
			return fmt.Sprintf("%s must be %s or more", subject(f), fmtFloat(*f.Min))
		default:
			return fmt.Sprintf("%s must be %s or less", subject(f), fmtFloat(*f.Max))
		}
	}
	return ""
}

func ratOf(p *float64) *big.Rat {
	if p == nil {
		return nil
	}
	r, ok := new(big.Rat).SetString(fmtFloat(*p))
	if !ok { // NaN or Inf from a hand-built definition: no bound
		return nil
	}
	return r
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
