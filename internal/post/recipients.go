package post

import (
	"regexp"
	"strings"
)

// The letter address check of the send path, in Notify's words (its API
// puts the field's name before them). Email addresses and phone numbers
// are checked by the notify package (notify.ValidateEmail,
// notify.PhoneE164), the one place for them.

// checkAddress takes a letter's address lines as Notify's API gives them
// (address_line_1 to address_line_7, the last one given being the postcode
// or the country) and returns them without empty lines, or why not.
func checkAddress(lines []string) ([]string, string) {
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	switch {
	case len(out) < 3:
		return nil, "Address must be at least 3 lines"
	case len(out) > 7:
		return nil, "Address must be no more than 7 lines"
	}
	for _, l := range out {
		if len([]rune(l)) > 100 || strings.ContainsAny(l, "\n\r") {
			return nil, "Address lines must be 100 characters or fewer"
		}
	}
	last := strings.ToUpper(out[len(out)-1])
	if isUKPostcode(last) {
		out[len(out)-1] = formatUKPostcode(last)
	} else if !looksLikeCountryLine(last) {
		return nil, "Last line of address must be a real UK postcode or another country"
	}
	return out, ""
}

var postcodeRE = regexp.MustCompile(`^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$`)

func isUKPostcode(s string) bool {
	return postcodeRE.MatchString(strings.ReplaceAll(strings.ToUpper(s), " ", ""))
}

func formatUKPostcode(s string) string {
	m := postcodeRE.FindStringSubmatch(strings.ReplaceAll(strings.ToUpper(s), " ", ""))
	return m[1] + " " + m[2]
}

// looksLikeCountryLine accepts a last line of letters and spaces (a country's
// name), as Notify sends international letters; printing decides postage.
func looksLikeCountryLine(s string) bool {
	if len(s) < 4 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r == ' ' || r == '-' || r == '\'') {
			return false
		}
	}
	return true
}
