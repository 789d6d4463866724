package post

import (
	"fmt"
	"strings"

	"dbtp/internal/platform"
)

// Filing a letter by hand on a case whose person does not match what the
// letter says (the name signed or addressed, the postcode) is most often
// the wrong case: staff are warned and file it only once they confirm.

// MismatchError says how a letter and a case's person differ. It is the
// Err of a conflict *platform.Error: confirm to file the letter anyway.
type MismatchError struct {
	Reference   string   // the case's
	Differences []string // sentences, "The letter names ..., but the case is for ..."
}

func (e *MismatchError) Error() string {
	return "the letter may not be about " + e.Reference + ": " + strings.Join(e.Differences, " ")
}

// checkPerson is a conflict carrying a *MismatchError when the names or
// the postcodes read from it differ from c's person; nil when they agree,
// or when either side has none to compare.
func checkPerson(it InboundItem, c CaseRef) error {
	var diff []string
	if len(it.Findings.Names) > 0 && len(c.Names) > 0 && !sameName(it.Findings.Names, c.Names) {
		diff = append(diff, fmt.Sprintf("The letter names %s, but the case is for %s.", orList(distinctNames(it.Findings.Names)), orList(distinctNames(c.Names))))
	}
	if len(it.Findings.Postcodes) > 0 && len(c.Postcodes) > 0 && !samePostcode(it.Findings.Postcodes, c.Postcodes) {
		diff = append(diff, fmt.Sprintf("The letter's postcode is %s, but the case's is %s.", orList(it.Findings.Postcodes), orList(c.Postcodes)))
	}
	if len(diff) == 0 {
		return nil
	}
	me := &MismatchError{Reference: c.Reference, Differences: diff}
	return &platform.Error{Code: platform.CodeConflict, Err: me,
		Message: "This letter may not be about case " + c.Reference + ". " + strings.Join(diff, " ") + " File it on " + c.Reference + " only if you are sure it belongs there.",
		Fields:  []platform.FieldError{{Field: "confirm", Message: "Check the letter is about case " + c.Reference + ": " + strings.Join(diff, " ")}}}
}

// titles are left out when names are compared.
var titles = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true}

// plainWords are a name's words, lower-cased, without its title.
func plainWords(name string) []string {
	var words []string
	for _, w := range strings.Fields(strings.ToLower(strings.ReplaceAll(name, ".", " "))) {
		if !titles[w] {
			words = append(words, w)
		}
	}
	return words
}

// surname is the last of a name's plain words.
func surname(name string) string {
	if w := plainWords(name); len(w) > 0 {
		return w[len(w)-1]
	}
	return ""
}

// distinctNames drops a name that another before it writes with or
// without a title ("Mrs Jane Smith" after "Jane Smith").
func distinctNames(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if k := strings.Join(plainWords(n), " "); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}

// sameName reports whether any name of the letter shares its surname with
// any of the case's: OCR reads first names and titles in many forms.
func sameName(letter, person []string) bool {
	for _, a := range letter {
		for _, b := range person {
			if sa := surname(a); sa != "" && sa == surname(b) {
				return true
			}
		}
	}
	return false
}

func samePostcode(letter, person []string) bool {
	norm := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }
	for _, a := range letter {
		for _, b := range person {
			if norm(a) == norm(b) {
				return true
			}
		}
	}
	return false
}

// orList is "a", "a or b", "a, b or c".
func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
