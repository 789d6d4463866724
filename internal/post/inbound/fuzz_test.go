package inbound

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseMail: any message, however malformed, is parsed or refused
// with an error; it never panics, and every scan kept is a scan.
func FuzzParseMail(f *testing.F) {
	f.Add(message("a.pdf", TypedLetter("x")))
	f.Add("From: a@b\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n--Q\r\nContent-Type: multipart/mixed; boundary=R\r\n\r\n--R\r\n\r\n%PDF-1\r\n--R--\r\n--Q--\r\n")
	f.Add("Subject: =?utf-8?q?broken\r\n\r\nbody")
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := ParseMail(strings.NewReader(raw))
		if err != nil {
			return
		}
		for _, s := range m.Scans {
			if MediaType(s.Content) == "" || s.Name == "" || strings.ContainsAny(s.Name, "/\\") {
				t.Fatalf("scan %q of type %q", s.Name, s.MediaType)
			}
		}
	})
}

// FuzzFind: findings are well-formed whatever the text.
func FuzzFind(f *testing.F) {
	f.Add("Your reference: COMP – 2O26 – 0001I2, NS1 4AB. Yours sincerely,\n\nJane Smith")
	f.Add(strings.Repeat("Mr A ", 1000))
	f.Fuzz(func(t *testing.T, text string) {
		got := Find(text)
		for _, r := range got.References {
			if !referenceRE.MatchString(r) || strings.ContainsAny(r[strings.IndexByte(r, '-'):], "OoIlS ") {
				t.Fatalf("reference %q", r)
			}
		}
		for _, p := range append(append([]string{}, got.Postcodes...), got.Names...) {
			if p == "" || !utf8.ValidString(p) {
				t.Fatalf("finding %q", p)
			}
		}
	})
}
