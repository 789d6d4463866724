package recordsweb

import "testing"

func TestTitleFromFileName(t *testing.T) {
	for name, want := range map[string]string{
		"care-needs-assessment-margaret-walker.pdf":                      "Care needs assessment margaret walker",
		"record-of-decision-21-00097-the-kent-county-council-signed.pdf": "Record of decision 21 00097 the kent county council signed",
		"Scan of letter 2026-01-03.pdf":                                  "Scan of letter 2026-01-03",
		"photo_of_damage.jpeg":                                           "Photo of damage",
		"notes":                                                          "Notes",
		"---.pdf":                                                        "---.pdf",
	} {
		if got := titleFromFileName(name); got != want {
			t.Errorf("titleFromFileName(%q) = %q, want %q", name, got, want)
		}
	}
}
