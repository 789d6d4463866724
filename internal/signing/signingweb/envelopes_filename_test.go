package signingweb

import "testing"

// A file's name is its envelope's title in lower case with hyphens, cut
// between words when long: the records module titles the filed copy from it.
func TestFileName(t *testing.T) {
	for title, want := range map[string]string{
		"Contract 42":                        "contract-42",
		"  ?? ":                              "envelope",
		"Lease: 3 Palace Street, Canterbury": "lease-3-palace-street-canterbury",
		"Record of Decision 21/00097: the Kent County Council Technology Strategy 2021-2025": "record-of-decision-21-00097-the-kent-county-council",
		"Averyveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword and more":     "averyveryveryveryveryveryveryveryveryveryveryveryveryveryver",
	} {
		if got := fileName(title); got != want {
			t.Errorf("fileName(%q) = %q, want %q", title, got, want)
		}
	}
}
