package identity

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/platform"
)

//go:generate go run ./commonpw/generate.go

// commonPasswords is over 400,000 passwords attackers try first, in lower
// case, sorted, one a line; commonpw/NOTICE.md says where they come from
// and under which licence.
//
//go:embed commonpw/passwords.txt.gz
var commonPasswords []byte

var (
	commonOnce sync.Once
	commonSet  map[string]struct{}
)

// loadCommon unpacks the list the first time a password is checked. Only
// entries of at least minPasswordLen characters are kept: shorter ones are
// refused by the length rule before the list is asked, and keeping about
// 12,000 entries instead of 400,000 saves the server tens of megabytes.
func loadCommon() {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswords))
	if err != nil {
		panic("identity: the embedded common password list is corrupt: " + err.Error())
	}
	set := map[string]struct{}{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		// Bytes, not Text: most lines are short and are dropped without
		// becoming a string.
		if w := sc.Bytes(); len(w) >= minPasswordLen && utf8.RuneCount(w) >= minPasswordLen {
			set[string(w)] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		panic("identity: the embedded common password list is corrupt: " + err.Error())
	}
	commonSet = set
}

// isCommon reports whether folded (a password trimmed and in lower case) is
// on the list.
func isCommon(folded string) bool {
	commonOnce.Do(loadCommon)
	_, ok := commonSet[folded]
	return ok
}

// checkPasswordPolicy applies NIST SP 800-63B style rules: a length, and not
// a password an attacker would try early: a common one, one made of the
// person's own name or email address, or a repeated or consecutive run of
// characters. Composition rules are deliberately absent; length is what
// resists guessing, and throttling handles the rest. Each refusal says why.
func checkPasswordPolicy(password, email, name string) error {
	bad := func(msg string) error {
		return platform.Invalid("Check the password", platform.FieldError{Field: "password", Message: msg})
	}
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return bad("Password contains characters that cannot be used")
	case n < minPasswordLen:
		return bad("Password must be at least 12 characters")
	case n > maxPasswordLen:
		return bad("Password must be 256 characters or fewer")
	}
	folded := strings.ToLower(strings.TrimSpace(password))
	switch {
	case email != "" && folded == strings.ToLower(email):
		return bad("Password must not be your email address")
	case personal(folded, email, name):
		return bad("Password must not contain your name or the first part of your email address")
	case repetitive(folded):
		return bad("Password must not repeat a character or a short pattern, like aaaaaaaaaaaa or abcabcabcabc")
	case sequential(folded):
		return bad("Password must not be a run of consecutive characters, like 123456789012, abcdefghijkl or qwertyuiopas")
	case isCommon(folded):
		return bad("This is one of the most common passwords, which attackers try first. Choose another: three or four unrelated words make a strong one")
	}
	return nil
}

// personal reports whether folded contains the local part of the email
// address or any word of four or more letters from the name or the local
// part (so "ada.lovelace@..." rules out "lovelace1815!!").
func personal(folded, email, name string) bool {
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if utf8.RuneCountInString(local) >= 4 && strings.Contains(folded, local) {
		return true
	}
	for _, part := range strings.FieldsFunc(strings.ToLower(name)+" "+local, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(part) >= 4 && strings.Contains(folded, part) {
			return true
		}
	}
	return false
}

// repetitive reports whether p uses fewer than four different characters
// or is its first k characters over and over (k at most half its length):
// aaaaaaaaaaaa, abababababab, abcabcabcabc, passwordpassword.
func repetitive(p string) bool {
	r := []rune(p)
	distinct := map[rune]bool{}
	for _, c := range r {
		distinct[c] = true
	}
	if len(distinct) < 4 {
		return true
	}
outer:
	for k := 1; k <= len(r)/2; k++ {
		for i := k; i < len(r); i++ {
			if r[i] != r[i-k] {
				continue outer
			}
		}
		return true
	}
	return false
}

// walks are the runs people type without thinking: digits, the alphabet
// and the letter rows of a QWERTY keyboard, each read round and round.
var walks = []string{"0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm"}

// sequential reports whether p follows one of the walks, forwards or
// backwards, from any starting point and wrapping round: 123456789012,
// 987654321098, abcdefghijkl, qwertyuiopas.
func sequential(p string) bool {
	for _, w := range walks {
		rev := []byte(w)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		if follows(p, w) || follows(p, string(rev)) {
			return true
		}
	}
	return false
}

// follows reports whether p is a stretch of the cyclic walk w (whose
// characters are all different, so p's first one fixes the start).
func follows(p, w string) bool {
	if p == "" {
		return false
	}
	at := strings.IndexByte(w, p[0])
	if at < 0 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != w[(at+i)%len(w)] {
			return false
		}
	}
	return true
}

// GeneratePasswordFor is GeneratePassword for a particular person: it draws
// again in the (very rare) case that the random characters happen to spell
// a word of their name, so the policy never refuses what dbtp itself made.
func GeneratePasswordFor(email, name string) string {
	for {
		if p := GeneratePassword(); checkPasswordPolicy(p, email, name) == nil {
			return p
		}
	}
}
