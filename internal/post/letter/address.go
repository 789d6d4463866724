package letter

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The one check of a letter's address: the send path refuses an address
// with it (Notify's API words, after the field's name), the pages show
// its words beside the address field, and printing checks again with it,
// so a letter is refused, whenever it is, for the same reason in the same
// words.

// MaxAddressLines and MinAddressLines are Notify's limits on an address.
const (
	MinAddressLines = 3
	MaxAddressLines = 7
	// MaxAddressLineChars is the longest line an address block prints.
	MaxAddressLineChars = 100
)

// AddressError says what is wrong with a letter's address, in GOV.UK
// Notify's words: the letter cannot be sent, or printed, as it is (at
// print time a permanent failure, Notify's validation-failed).
type AddressError struct{ Reason string }

func (e *AddressError) Error() string { return e.Reason }

// CheckAddress returns the address as it will be printed (spaces
// collapsed, blank lines dropped, a UK postcode on the last line
// upper-cased and spaced), or an *AddressError: 3 to 7 lines of at most
// 100 characters, the last a real UK postcode or a country.
func CheckAddress(lines []string) ([]string, error) {
	var out []string
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	switch {
	case len(out) < MinAddressLines:
		return nil, &AddressError{fmt.Sprintf("Address must be at least %d lines", MinAddressLines)}
	case len(out) > MaxAddressLines:
		return nil, &AddressError{fmt.Sprintf("Address must be no more than %d lines", MaxAddressLines)}
	}
	for _, l := range out {
		if utf8.RuneCountInString(l) > MaxAddressLineChars {
			return nil, &AddressError{fmt.Sprintf("Address lines must be %d characters or fewer", MaxAddressLineChars)}
		}
	}
	last := out[len(out)-1]
	if pc, ok := Postcode(last); ok {
		out[len(out)-1] = pc
	} else if !countryLine(last) {
		return nil, &AddressError{"Last line of address must be a real UK postcode or another country"}
	}
	return out, nil
}

// Postcode returns s as a UK postcode written the Royal Mail's way
// ("NS1 1AA"), and whether it is one.
func Postcode(s string) (string, bool) {
	c := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if !postcodeRE.MatchString(c) {
		return "", false
	}
	return c[:len(c)-3] + " " + c[len(c)-3:], true
}

// postcodeRE is the shape of a UK postcode without its space: an outward
// code (A9, A99, AA9, AA99, A9A, AA9A) and an inward code (9AA).
var postcodeRE = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$`)

// countryLine accepts a last line that can be a country's name (letters,
// spaces, hyphens, apostrophes and full stops; four letters or more, as
// "Peru"), as Notify sends letters abroad; printing decides the postage.
// A last line with digits that is not a postcode is most often a
// mistyped postcode.
func countryLine(s string) bool {
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '’' || r == '.':
		default:
			return false
		}
	}
	return letters >= 4
}
