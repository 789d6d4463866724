package post

import (
	"regexp"
	"strings"
)

// The checks of recipients the send path makes, in Notify's words (its
// API puts the field's name before them: "phone_number Not a UK mobile
// number"). NOTE for the merge: the notify package is to carry the same
// checks (the templates part); these are the sending part's own until
// then, and either may call the other.

var (
	emailLocalRE = regexp.MustCompile("^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$")
	emailLabelRE = regexp.MustCompile(`^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$`)
	emailTLDRE   = regexp.MustCompile(`^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$`)
)

// ValidEmail reports whether addr is an email address Notify would send
// to: a plain local part, a domain of at least two labels, no spaces, no
// consecutive dots, at most 320 characters.
func ValidEmail(addr string) bool {
	if len(addr) > 320 || strings.ContainsAny(addr, " \t\r\n") {
		return false
	}
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || len(local) > 64 || !emailLocalRE.MatchString(local) || strings.Contains(local, "..") ||
		strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") {
		return false
	}
	labels := strings.Split(strings.ToLower(domain), ".")
	if len(labels) < 2 || len(domain) > 253 {
		return false
	}
	for _, l := range labels[:len(labels)-1] {
		if l == "" || len(l) > 63 || !emailLabelRE.MatchString(l) {
			return false
		}
	}
	return emailTLDRE.MatchString(labels[len(labels)-1])
}

// PhoneError is why a phone number was refused, in Notify's words.
type PhoneError string

func (e PhoneError) Error() string { return string(e) }

// NormalisePhone checks a phone number and returns it in international
// form ("+447700900123"). UK numbers must be mobiles (07..., +447...,
// 00447...). A number starting "+" or "00" with another country code is
// accepted when international is true (the service may send abroad), as
// Notify accepts them: 8 to 15 digits.
func NormalisePhone(s string, international bool) (string, error) {
	var digits strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", PhoneError("Must not contain letters or symbols")
		}
	}
	d := digits.String()
	if strings.HasPrefix(d, "00") {
		d, plus = d[2:], true
	}
	switch {
	case plus && strings.HasPrefix(d, "44"):
		d = strings.TrimPrefix(d[2:], "0")
	case plus:
		if !international {
			return "", PhoneError("Not a UK mobile number")
		}
		if len(d) < 8 {
			return "", PhoneError("Not enough digits")
		}
		if len(d) > 15 {
			return "", PhoneError("Too many digits")
		}
		return "+" + d, nil
	case strings.HasPrefix(d, "44") && len(d) == 12:
		d = d[2:]
	default:
		d = strings.TrimPrefix(d, "0")
	}
	switch {
	case len(d) < 10:
		return "", PhoneError("Not enough digits")
	case len(d) > 10:
		return "", PhoneError("Too many digits")
	case d[0] != '7':
		return "", PhoneError("Not a UK mobile number")
	}
	return "+44" + d, nil
}

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
