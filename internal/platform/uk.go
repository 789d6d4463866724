package platform

import (
	"regexp"
	"strings"
)

// UK formats that more than one module reads: postcodes (addresses, the
// gazetteer, a caller's record) and telephone numbers.

// postcodeRE is the official format (BS 7666), letters restricted by
// position, plus the Girobank's GIR 0AA. It runs on the upper-cased code
// with spaces removed.
var postcodeRE = regexp.MustCompile(`^(?:GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])[0-9][ABD-HJLNP-UW-Z]{2})$`)

// ParsePostcode returns a UK postcode in its normal form, upper case with
// one space before the inward code ("sw1a2aa" -> "SW1A 2AA").
func ParsePostcode(s string) (string, bool) {
	if len(s) > 16 {
		return "", false
	}
	c := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if !postcodeRE.MatchString(c) {
		return "", false
	}
	return c[:len(c)-3] + " " + c[len(c)-3:], true
}

// ParsePhone returns a UK telephone number as its national digits
// ("+44 (0)1632 960-001" -> "01632960001"), the one form that compares equal
// and that the council's telephony and SMS suppliers all accept.
func ParsePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 30 {
		return "", false
	}
	intl := false
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		intl, s = true, rest
	}
	// "+44 (0)20 ..." is a common way of writing the trunk prefix that is
	// dropped when dialling from abroad.
	s = strings.Replace(s, "(0)", "", 1)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '(' || c == ')' || c == '-':
		default:
			return "", false
		}
	}
	d := b.String()
	if !intl {
		if rest, ok := strings.CutPrefix(d, "0044"); ok {
			intl, d = true, rest
		}
	} else {
		rest, ok := strings.CutPrefix(d, "44")
		if !ok {
			return "", false // a number abroad: the council cannot call or text it
		}
		d = rest
	}
	if intl {
		d = "0" + strings.TrimPrefix(d, "0")
	}
	if len(d) < 10 || len(d) > 11 || d[0] != '0' || strings.IndexByte("1235789", d[1]) < 0 {
		return "", false
	}
	// Ten-digit numbers exist only among older geographic (01) numbers and
	// 0800 freephone; mobiles and everything else have eleven.
	if len(d) == 10 && d[1] != '1' && !strings.HasPrefix(d, "0800") {
		return "", false
	}
	return d, true
}
