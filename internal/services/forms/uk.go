package forms

import (
	"math"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// UK formats: postcodes, telephone numbers, money and postal addresses.

// ParsePostcode returns a UK postcode in its normal form, upper case with
// one space before the inward code ("sw1a2aa" -> "SW1A 2AA").
func ParsePostcode(s string) (string, bool) { return platform.ParsePostcode(s) }

// ParsePhone returns a UK telephone number as its national digits; see
// platform.ParsePhone.
func ParsePhone(s string) (string, bool) { return platform.ParsePhone(s) }

// maxPence keeps money exact in JSON, where numbers are float64: every
// amount up to here is an integer float64 represents exactly (2^53 is about
// 9e15). Nothing a council form asks for comes near it.
const maxPence = 999_999_999_999_999

// ParseMoney reads pounds and pence ("£1,234.5", "1234", "0.99") into pence.
// It refuses more than two decimal places rather than rounding: a person
// who typed 12.345 meant something we cannot guess.
func ParseMoney(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if len(s) > 30 {
		return 0, false
	}
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, rest
	}
	s = strings.TrimPrefix(s, "£")
	if rest, ok := strings.CutPrefix(s, "-"); ok && !neg { // "£-5"
		neg, s = true, rest
	}
	pounds, pence, hasPoint := strings.Cut(s, ".")
	pounds, ok := ungroup(pounds)
	if !ok || !allDigits(pence) || len(pence) > 2 || (pounds == "" && pence == "") || (hasPoint && pence == "") {
		return 0, false
	}
	pounds = strings.TrimLeft(pounds, "0")
	if len(pounds) > 13 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(pounds); i++ {
		v = v*10 + int64(pounds[i]-'0')
	}
	v *= 100
	switch len(pence) {
	case 1:
		v += int64(pence[0]-'0') * 10
	case 2:
		v += int64(pence[0]-'0')*10 + int64(pence[1]-'0')
	}
	if v > maxPence {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// checkMoneyRange applies min and max (given in pounds). Without a min an
// amount may not be negative: forms ask what someone paid or owes, and a
// stray minus sign is far likelier than a credit.
func checkMoneyRange(f *definition.Field, pence int64) string {
	if pence < -maxPence || pence > maxPence {
		return "Enter an amount in pounds and pence, like 12.50"
	}
	lo := int64(0)
	if f.Min != nil && !math.IsNaN(*f.Min) {
		lo = poundsToPence(*f.Min)
	}
	if f.Max != nil && !math.IsNaN(*f.Max) {
		if hi := poundsToPence(*f.Max); pence < lo || pence > hi {
			return subject(f) + " must be between " + FormatMoney(lo) + " and " + FormatMoney(hi)
		}
	}
	if pence < lo {
		return subject(f) + " must be " + FormatMoney(lo) + " or more"
	}
	return ""
}

func poundsToPence(p float64) int64 {
	p = math.Round(p * 100)
	if p > maxPence {
		return maxPence
	}
	if p < -maxPence {
		return -maxPence
	}
	return int64(p)
}

// Address parts and the inputs that carry them.
const (
	maxAddressLine = 200
	maxUPRN        = 12
)

// addressInputs names the inputs of an address field, in page order.
func addressInputs(id string) [5]string {
	return [5]string{id + "-line1", id + "-line2", id + "-town", id + "-postcode", id + "-uprn"}
}

// checkAddress validates and normalises an address whose parts have been
// trimmed. names are the inputs errors point at (the sub-inputs on a page,
// or the field ID for every part when checking stored answers).
func checkAddress(a definition.Address, names [5]string, e *errs) (definition.Address, bool) {
	before := len(*e)
	line := func(s *string, name, missing, what string) {
		if *s == "" {
			if missing != "" {
				e.add(name, missing)
			}
			return
		}
		v, ok := cleanText(*s, false)
		switch {
		case !ok:
			e.add(name, what+" must not include special characters")
		case len([]rune(v)) > maxAddressLine:
			e.add(name, what+" must be 200 characters or fewer")
		}
	}
	line(&a.Line1, names[0], "Enter address line 1, typically the building and street", "Address line 1")
	line(&a.Line2, names[1], "", "Address line 2")
	line(&a.Town, names[2], "Enter town or city", "Town or city")
	if a.Postcode == "" {
		e.add(names[3], "Enter postcode")
	} else if pc, ok := ParsePostcode(a.Postcode); ok {
		a.Postcode = pc
	} else {
		e.add(names[3], "Enter a UK postcode, like SW1A 2AA")
	}
	if a.UPRN != "" {
		u := strings.TrimLeft(a.UPRN, "0")
		if !allDigits(a.UPRN) || len(a.UPRN) > maxUPRN || u == "" {
			e.add(names[4], "UPRN must be a number of up to 12 digits")
		} else {
			a.UPRN = u
		}
	}
	return a, len(*e) == before
}
