package extract

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseEmail(t *testing.T) {
	pdf := pdfFile("Attached report")
	e, err := ParseEmail(bytes.NewReader(sampleEmail(pdf)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Planning € fees – reply" || e.From != "Zoë Smith <zoe@example.org>" || e.MessageID != "<abc123@example.org>" {
		t.Errorf("subject %q, from %q, id %q", e.Subject, e.From, e.MessageID)
	}
	if strings.Join(e.To, "|") != "Records <records@council.example>|Ann <ann@council.example>" || strings.Join(e.Cc, "|") != "clerk@council.example" {
		t.Errorf("to %q, cc %q", e.To, e.Cc)
	}
	if !e.Date.Equal(time.Date(2025, 3, 4, 10, 15, 0, 0, time.UTC)) {
		t.Errorf("date %v", e.Date)
	}
	if want := "Dear records team,\n\nthe fee is €50 for the café extension."; e.Body != want {
		t.Errorf("body %q, want %q (the text/plain part, quoted-printable in Windows-1252)", e.Body, want)
	}
	if len(e.Attachments) != 1 {
		t.Fatalf("attachments: %+v", e.Attachments)
	}
	a := e.Attachments[0]
	if a.Name != "Café report.pdf" || a.MediaType != typePDF || !bytes.Equal(a.Content, pdf) {
		t.Errorf("attachment %q (%s), %d bytes; want the PDF, named without its path", a.Name, a.MediaType, len(a.Content))
	}
}

func TestEmailText(t *testing.T) {
	data := sampleEmail(pdfFile("Attached report"))
	for _, name := range []string{"message.eml", ""} {
		res, err := extractBytes(t, name, "", data, Options{})
		checkResult(t, res, err, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := "Subject: Planning € fees – reply\nFrom: Zoë Smith <zoe@example.org>\n" +
			"To: Records <records@council.example>, Ann <ann@council.example>\nCc: clerk@council.example\n" +
			"Date: Tue, 4 Mar 2025 10:15:00 +0000\nAttachments: Café report.pdf\n\n" +
			"Dear records team,\n\nthe fee is €50 for the café extension."
		if res.MediaType != typeEmail || res.Text != want {
			t.Errorf("name %q: got %q (%s)\nwant %q", name, res.Text, res.MediaType, want)
		}
	}
}

// An HTML-only message with nested parts, unnamed and oddly named
// attachments, a forwarded message and charsets beyond the common ones.
func TestEmailStructure(t *testing.T) {
	e, err := ParseEmail(strings.NewReader(nestedEmail()), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if e.From != "Jörg <j@example.org>" || e.Subject != "\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd hello" {
		t.Errorf("from %q, subject %q", e.From, e.Subject)
	}
	if e.Body != "Grüße\nfrom the council" {
		t.Errorf("body %q", e.Body)
	}
	var got []string
	for _, a := range e.Attachments {
		got = append(got, a.Name+" "+a.MediaType)
	}
	want := []string{"attachment-1.png image/png", "attachment-2.eml message/rfc822", "secret notes.txt text/plain"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("attachments %q, want %q", got, want)
	}
}

func TestEmailLimits(t *testing.T) {
	data := sampleEmail(pdfFile("x"))
	_, err := ParseEmail(bytes.NewReader(data), 1000)
	if pe := wantKind(t, err, ErrTooLarge); !strings.HasPrefix(pe.Message, "The email is larger than 1 KB") {
		t.Errorf("message %q", pe.Message)
	}

	var deep strings.Builder
	deep.WriteString("From: a@example.org\r\n")
	for i := range 30 {
		fmt.Fprintf(&deep, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	deep.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	_, err = ParseEmail(strings.NewReader(deep.String()), 1<<20)
	if pe := wantKind(t, err, ErrDamaged); !strings.Contains(pe.Message, "nested too deeply") {
		t.Errorf("message %q", pe.Message)
	}

	_, err = ParseEmail(strings.NewReader("this is not\nan email at all\n\nbody"), 1<<20)
	wantKind(t, err, ErrDamaged)
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", 100) + ".docx"
	for in, want := range map[string]string{
		"../../etc/passwd":          "passwd",
		`..\..\Windows\win.ini`:     "win.ini",
		"C:\\Users\\me\\report.pdf": "report.pdf",
		"a\x00b\x1b[31mc.txt":       "ab[31mc.txt",
		"invoice\u202Efdp.exe":      "invoicefdp.exe",
		"  ...hidden.  ":            "hidden",
		"what?<>:|*.pdf":            "what______.pdf",
		"tab\tand\nnew  line.txt":   "tab and new line.txt",
		"..":                        "",
		"/":                         "",
		long:                        strings.Repeat("é", 72) + ".docx",
	} {
		got := cleanName(in)
		if got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
		if len(got) > maxNameLen || strings.ContainsAny(got, `/\`) {
			t.Errorf("cleanName(%q) = %q is too long or has a separator", in, got)
		}
	}
}
