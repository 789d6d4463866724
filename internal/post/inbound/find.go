package inbound

import (
	"regexp"
	"slices"
	"strings"
)

// Findings are what a letter's text says about whom and what it is about.
type Findings struct {
	References []string `json:"references"` // case references, as COMP-2026-000123
	Postcodes  []string `json:"postcodes"`  // UK postcodes, as NS1 1AA
	Names      []string `json:"names"`      // people named: the signature and titled names
}

// Empty reports whether nothing was found.
func (f Findings) Empty() bool {
	return len(f.References) == 0 && len(f.Postcodes) == 0 && len(f.Names) == 0
}

// A case reference is a service's prefix (2 to 6 capitals), the year and a
// six-digit number (internal/services/reference.go). OCR reads dashes as
// en or em dashes, puts spaces round them, and reads 0 as O, 1 as I or l
// and 5 as S in the digits: the pattern allows those and Find mends them.
var referenceRE = regexp.MustCompile(`\b([A-Z]{2,6}) ?[-–—] ?([0-9OoIlS]{4}) ?[-–—] ?([0-9OoIlS]{6})\b`)

var digitFix = strings.NewReplacer("O", "0", "o", "0", "I", "1", "l", "1", "S", "5")

// A UK postcode: outward code (area, district) and inward code (sector,
// unit), with or without the space; BFPO and GIR 0AA are not post the
// council receives.
var postcodeRE = regexp.MustCompile(`(?i)\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][ABD-HJLNP-UW-Z]{2})\b`)

// Names: a title and one to three capitalised words, or the line after a
// letter's sign-off.
var (
	titledRE  = regexp.MustCompile(`\b(Mr|Mrs|Ms|Miss|Mx|Dr)\.? ([A-Z][a-zA-Z'-]+(?: [A-Z][a-zA-Z'-]+){0,2})`)
	signoffRE = regexp.MustCompile(`(?im)^\s*(?:yours (?:sincerely|faithfully|truly)|kind regards|best wishes|regards|many thanks)[,.]?\s*\n(?:\s*\n)*\s*([A-Z][a-zA-Z'-]+(?: [A-Z][a-zA-Z'-]+){1,3})\s*$`)
	// nameStop ends a titled name at words that start the next thing.
	nameStop = map[string]bool{"Dear": true, "Re": true, "Yours": true, "Street": true, "Road": true, "Lane": true, "Avenue": true}
)

// Find looks for case references, postcodes and names in text, each
// listed once in the order first seen. A name is the same name with or
// without its title ("Joan Baxter" in the signature, "Mrs Joan Baxter"
// above the address): it is listed once, in its fuller form.
func Find(text string) Findings {
	var f Findings
	for _, m := range referenceRE.FindAllStringSubmatch(text, -1) {
		f.References = appendOnce(f.References, m[1]+"-"+digitFix.Replace(m[2])+"-"+digitFix.Replace(m[3]))
	}
	for _, m := range postcodeRE.FindAllStringSubmatch(text, -1) {
		f.Postcodes = appendOnce(f.Postcodes, strings.ToUpper(m[1])+" "+strings.ToUpper(m[2]))
	}
	for _, m := range signoffRE.FindAllStringSubmatch(text, -1) {
		f.Names = appendName(f.Names, m[1])
	}
	for _, m := range titledRE.FindAllStringSubmatch(text, -1) {
		words := strings.Fields(m[2])
		for i, w := range words {
			if nameStop[w] {
				words = words[:i]
				break
			}
		}
		if len(words) > 0 {
			f.Names = appendName(f.Names, m[1]+" "+strings.Join(words, " "))
		}
	}
	return f
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// titleRE is a title before a name, as titledRE reads one.
var titleRE = regexp.MustCompile(`^(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.? +`)

// untitled is a name without its title, for comparing names.
func untitled(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(titleRE.ReplaceAllString(strings.TrimSpace(name), "")), " "))
}

// appendName adds name to list unless the list has it, titled or not; of
// the two, the longer (the one with its title) is kept where the first was.
func appendName(list []string, name string) []string {
	key := untitled(name)
	for i, n := range list {
		if untitled(n) == key {
			if len(name) > len(n) {
				list[i] = name
			}
			return list
		}
	}
	return append(list, name)
}
