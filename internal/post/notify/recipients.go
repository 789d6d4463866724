package notify

import (
	"regexp"
	"strings"
	"unicode"
)

// Recipients are checked as Notify checks them, with its words, so a
// caller sees the same ValidationError whichever service it sends through.

// RecipientError is why an email address or phone number cannot be sent
// to, in Notify's words ("Not a valid email address", "Not a UK mobile
// number", ...). The v2 API prefixes the field: "phone_number Not a UK
// mobile number".
type RecipientError struct{ Message string }

func (e *RecipientError) Error() string { return e.Message }

// Notify's messages for recipients.
const (
	MsgInvalidEmail      = "Not a valid email address"
	MsgNotUKMobile       = "Not a UK mobile number"
	MsgTooManyDigits     = "Too many digits"
	MsgNotEnoughDigits   = "Not enough digits"
	MsgLettersOrSymbols  = "Must not contain letters or symbols"
	MsgCountryPrefix     = "Not a valid country prefix"
	MsgNoInternationalSM = "Cannot send to international mobile numbers"
)

var (
	emailRE    = regexp.MustCompile(`^[a-zA-Z0-9.!#$%&'*+/=?^_` + "`" + `{|}~\-]+@([^.@][^@\s]+)$`)
	hostPartRE = regexp.MustCompile(`^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$`)
	tldRE      = regexp.MustCompile(`^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$`)
)

// cleanSpace removes the spaces people and spreadsheets leave around an
// address, and the invisible ones copied from documents.
func cleanSpace(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
			return -1
		}
		return r
	}, s)
	return strings.TrimFunc(s, unicode.IsSpace)
}

// ValidateEmail returns the address as it will be sent to (trimmed), or
// a *RecipientError. Like Notify: a local part of the usual characters,
// no two dots together, 320 characters at most, a host of at least two
// labels each of 63 characters at most, and a real top-level domain.
// A host in another script (an internationalised domain) is taken when
// its labels are letters and digits.
func ValidateEmail(addr string) (string, error) {
	addr = cleanSpace(addr)
	m := emailRE.FindStringSubmatch(addr)
	if m == nil || len(addr) > 320 || strings.Contains(addr, "..") {
		return "", &RecipientError{MsgInvalidEmail}
	}
	host := strings.ToLower(m[1])
	parts := strings.Split(host, ".")
	if len(host) > 253 || len(parts) < 2 {
		return "", &RecipientError{MsgInvalidEmail}
	}
	for _, p := range parts {
		if p == "" || len(p) > 63 || !(hostPartRE.MatchString(p) || idnLabel(p)) {
			return "", &RecipientError{MsgInvalidEmail}
		}
	}
	if tld := parts[len(parts)-1]; !tldRE.MatchString(tld) && !idnLabel(tld) {
		return "", &RecipientError{MsgInvalidEmail}
	}
	return addr, nil
}

// idnLabel is a label of an internationalised domain: not ASCII, letters
// and digits with inner hyphens.
func idnLabel(p string) bool {
	ascii := true
	for i, r := range p {
		switch {
		case r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			ascii = false
		case r == '-' && i > 0 && i < len(p)-1:
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return !ascii
}

// phoneDigits takes out what people write between digits: spaces,
// brackets, dashes, dots, slashes and a leading plus. Anything else is
// Notify's "Must not contain letters or symbols".
func phoneDigits(s string) (string, error) {
	var b strings.Builder
	for _, r := range cleanSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsSpace(r), strings.ContainsRune("()-+./", r), r == '\u2010', r == '\u2011', r == '\u2013', r == '\u2014':
		default:
			return "", &RecipientError{MsgLettersOrSymbols}
		}
	}
	return b.String(), nil
}

// IsUKPhone reports whether a number is written as a UK one: starting
// 0 (but not 00), or 44, or a 7 with too few digits to be international.
func IsUKPhone(number string) bool {
	t := cleanSpace(number)
	if strings.HasPrefix(t, "0") && !strings.HasPrefix(t, "00") {
		return true
	}
	d, err := phoneDigits(t)
	if err != nil {
		return false
	}
	d = strings.TrimLeft(d, "0")
	return strings.HasPrefix(d, "44") || (strings.HasPrefix(d, "7") && len(d) < 11)
}

// ValidateUKMobile returns a UK mobile number as 447xxxxxxxxx, or a
// *RecipientError in Notify's words.
func ValidateUKMobile(number string) (string, error) {
	d, err := phoneDigits(number)
	if err != nil {
		return "", err
	}
	d = strings.TrimLeft(d, "0")
	d = strings.TrimPrefix(d, "44")
	d = strings.TrimLeft(d, "0")
	switch {
	case !strings.HasPrefix(d, "7"):
		return "", &RecipientError{MsgNotUKMobile}
	case len(d) > 10:
		return "", &RecipientError{MsgTooManyDigits}
	case len(d) < 10:
		return "", &RecipientError{MsgNotEnoughDigits}
	}
	return "44" + d, nil
}

// ValidatePhone returns a mobile number as it will be sent to, the digits
// with the country code and no plus (447700900123, 33612345678): UK
// numbers as ValidateUKMobile does; others, when international is true,
// of 8 to 15 digits after an assigned country calling code. When
// international is false a number abroad is Notify's "Cannot send to
// international mobile numbers"; intl reports a number abroad.
func ValidatePhone(number string, international bool) (normalised string, intl bool, err error) {
	if IsUKPhone(number) {
		n, err := ValidateUKMobile(number)
		return n, false, err
	}
	d, err := phoneDigits(number)
	if err != nil {
		return "", false, err
	}
	d = strings.TrimLeft(d, "0")
	switch {
	case len(d) < 8:
		return "", true, &RecipientError{MsgNotEnoughDigits}
	case len(d) > 15:
		return "", true, &RecipientError{MsgTooManyDigits}
	case CountryCode(d) == "":
		return "", true, &RecipientError{MsgCountryPrefix}
	case !international:
		return "", true, &RecipientError{MsgNoInternationalSM}
	}
	return d, true, nil
}

// countryCodes are the assigned country calling codes of two and three
// digits (ITU-T E.164); 1 (North America) and 7 (Russia, Kazakhstan)
// are the single-digit ones.
var countryCodes = func() map[string]bool {
	m := map[string]bool{"1": true, "7": true}
	for _, c := range strings.Fields(`20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58
		60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98
		211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243
		244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 290 291 297 298 299
		350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 379 380 381 382 383 385 386 387 389
		420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599
		670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692
		850 852 853 855 856 880 886 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 992 993 994 995 996 998`) {
		m[c] = true
	}
	return m
}()

// CountryCode is the country calling code digits start with, or "".
func CountryCode(digits string) string {
	for n := 1; n <= 3 && n <= len(digits); n++ {
		if countryCodes[digits[:n]] {
			return digits[:n]
		}
	}
	return ""
}

// PhoneE164 is ValidatePhone's number with its plus ("+447700900123",
// "+33612345678"): the form dbtp stores, searches and hands to providers.
func PhoneE164(number string, international bool) (string, error) {
	d, _, err := ValidatePhone(number, international)
	if err != nil {
		return "", err
	}
	return "+" + d, nil
}
