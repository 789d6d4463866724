package post

import "dbtp/internal/post/letter"

// Recipients are checked in one place each: email addresses and phone
// numbers by the notify package (notify.ValidateEmail, notify.PhoneE164),
// letter addresses by the letter package (letter.CheckAddress), which
// printing checks again with the same rules and words.

// checkAddress takes a letter's address lines as Notify's API gives them
// (address_line_1 to address_line_7, the last one given being the postcode
// or the country) and returns them as they will be printed, or why not in
// Notify's words (its API puts the field's name before them).
func checkAddress(lines []string) ([]string, string) {
	out, err := letter.CheckAddress(lines)
	if err != nil {
		return nil, err.Error()
	}
	return out, ""
}

// isUKPostcode reports whether an address's last line is a UK postcode
// (else it names a country).
func isUKPostcode(s string) bool {
	_, ok := letter.Postcode(s)
	return ok
}
