package extract

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzzers feed each reader arbitrary input and check that it never
// panics and keeps its promises (checkResult): valid UTF-8, no NUL, no
// more text than MaxText, and errors with a message for people. Small
// limits make the limits' code paths reachable.
var fuzzOptions = Options{MaxText: 2000, MaxUnzipped: 1 << 20, MaxEntries: 50}

// FuzzDOCX fuzzes both the whole container (as bytes) and the XML of the
// document part (wrapped in a valid container), since mutations of a zip
// rarely survive its checksums.
func FuzzDOCX(f *testing.F) {
	f.Add(sampleDOCX())
	f.Add([]byte(docxBody))
	f.Add([]byte(`<w:p><w:r><w:t>a</w:t><w:br/><w:tab/></w:r></w:p><!-- c --><![CDATA[x]]>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := extractBytes(t, "f.docx", typeDOCX, data, fuzzOptions)
		checkResult(t, res, err, fuzzOptions)
		res, err = extractBytes(t, "f.docx", "", storedZip(docxEntries(string(data))), fuzzOptions)
		checkResult(t, res, err, fuzzOptions)
	})
}

func FuzzODT(f *testing.F) {
	f.Add([]byte(`<text:h>Title</text:h><text:p>a<text:s text:c="2"/>b<text:tab/>c<text:line-break/></text:p>`))
	f.Add([]byte(`<text:p>x<office:annotation><text:p>y</text:p></office:annotation></text:p>`))
	f.Add(odtFile("<text:p>whole</text:p>", "<style:header><text:p>h</text:p></style:header>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := extractBytes(t, "f.odt", typeODT, data, fuzzOptions)
		checkResult(t, res, err, fuzzOptions)
		res, err = extractBytes(t, "f.odt", "", storedZip(odtEntries(string(data), string(data))), fuzzOptions)
		checkResult(t, res, err, fuzzOptions)
	})
}

// FuzzHTML runs the HTML reader directly too, because Text refuses input
// that does not look like text before the reader sees it.
func FuzzHTML(f *testing.F) {
	f.Add([]byte(sampleHTML))
	f.Add([]byte("<p>a &amp; b<script>x</script><pre>\n</pre><!-- <p> -->&#x1F600;&#0;"))
	f.Add([]byte("<meta charset=windows-1252><p>caf\xe9</p>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := extractBytes(t, "f.html", typeHTML, data, fuzzOptions)
		checkResult(t, res, err, fuzzOptions)
		b := newBuilder(fuzzOptions.MaxText)
		if err := htmlText(bytes.NewReader(data), "", b); err != nil {
			t.Fatalf("htmlText on bytes in memory: %v", err)
		}
		text, _ := b.result()
		checkResult(t, Result{Text: text}, nil, fuzzOptions)
	})
}

func FuzzEmail(f *testing.F) {
	f.Add(sampleEmail(pdfFile("x")))
	f.Add([]byte(nestedEmail()))
	f.Add([]byte("Subject: =?utf-8?q?a=C3=A9?=\r\nContent-Type: text/plain; charset=iso-8859-15\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=A4 =\r\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := extractBytes(t, "f.eml", typeEmail, data, fuzzOptions)
		checkResult(t, res, err, fuzzOptions)
		e, err := ParseEmail(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			checkResult(t, Result{}, err, fuzzOptions)
			return
		}
		total := 0
		for _, s := range append([]string{e.Subject, e.From, e.MessageID, e.Body}, append(e.To, e.Cc...)...) {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("field %q is not clean UTF-8", s)
			}
		}
		for _, a := range e.Attachments {
			if a.Name == "" || len(a.Name) > maxNameLen || !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "/\\\x00\n\r") ||
				strings.HasPrefix(a.Name, ".") || a.MediaType == "" {
				t.Fatalf("attachment name %q (%s) is not safe", a.Name, a.MediaType)
			}
			total += len(a.Content)
		}
		if total > len(data) {
			t.Fatalf("attachments hold %d bytes from a message of %d", total, len(data))
		}
	})
}
