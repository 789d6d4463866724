package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// The sample builders make real files of each kind, for the tests and as
// the fuzzers' seed corpus.

// pdfFile writes a minimal valid PDF by hand: one page per string, text in
// Helvetica, with a correct cross-reference table.
func pdfFile(pages ...string) []byte {
	var objs []string
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 3+2*i)
	}
	font := 3 + 2*len(pages)
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	for i, text := range pages {
		stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", font, 4+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	}
	objs = append(objs, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// needTool skips a test when a program is missing, unless in CI, where the
// program is installed by .ci/run and its absence is a failure.
func needTool(t testing.TB, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (Debian package %s); .ci/run installs it", name, pkg)
		}
		t.Skipf("%s is not installed (Debian package %s); skipping", name, pkg)
	}
}

// qpdfEncrypt encrypts a PDF with qpdf (AES-256) under the given user
// password ("" for one that opens without a password).
func qpdfEncrypt(t *testing.T, pdf []byte, user string, extra ...string) []byte {
	t.Helper()
	needTool(t, "qpdf", "qpdf")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--encrypt", user, "owner-secret", "256"}, extra...)
	args = append(args, "--", in, out)
	if msg, err := exec.Command("qpdf", args...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v: %s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type zipEntry struct {
	name   string
	body   string
	stored bool // no compression (ODF's mimetype must be)
}

func zipFile(entries ...zipEntry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.stored {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

const wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

// wordXML wraps body content in a WordprocessingML part.
func wordXML(root, body string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<w:" + root + " " + wNS + ">" + body + "</w:" + root + ">"
}

// docxFile builds a DOCX with the given document body and extra parts
// (name to whole XML).
func docxFile(body string, extra ...zipEntry) []byte {
	return zipFile(docxEntries(body, extra...)...)
}

func docxEntries(body string, extra ...zipEntry) []zipEntry {
	entries := []zipEntry{
		{name: "[Content_Types].xml", body: `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{name: "_rels/.rels", body: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{name: "word/document.xml", body: wordXML("document", "<w:body>"+body+"</w:body>")},
	}
	return append(entries, extra...)
}

const odfNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"`

// odtFile builds an ODT: the mimetype first and stored, as ODF requires,
// content.xml with the given office:text body, and styles.xml with the
// given master-page content (headers and footers).
func odtFile(body, masterPage string, extra ...zipEntry) []byte {
	return zipFile(odtEntries(body, masterPage, extra...)...)
}

func odtEntries(body, masterPage string, extra ...zipEntry) []zipEntry {
	entries := []zipEntry{
		{name: "mimetype", body: typeODT, stored: true},
		{name: "META-INF/manifest.xml", body: `<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>`},
		{name: "content.xml", body: `<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odfNS + `><office:automatic-styles><style:style style:name="P1"/></office:automatic-styles><office:body><office:text>` + body + `</office:text></office:body></office:document-content>`},
		{name: "styles.xml", body: `<?xml version="1.0" encoding="UTF-8"?><office:document-styles ` + odfNS + `><office:master-styles><style:master-page style:name="Standard">` + masterPage + `</style:master-page></office:master-styles></office:document-styles>`},
	}
	return append(entries, extra...)
}

// storedZip builds a container without compression: the fuzzers build one
// per input, and deflate would cost more than the reading under test.
func storedZip(entries []zipEntry) []byte {
	for i := range entries {
		entries[i].stored = true
	}
	return zipFile(entries...)
}

// sampleEmail is a message with a quoted-printable body (in
// Windows-1252), an HTML alternative, a base64 PDF attachment whose name
// is an encoded word hiding a path, and an encoded subject.
func sampleEmail(pdf []byte) []byte {
	name := "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("../../etc/Café report.pdf")) + "?="
	var b strings.Builder
	b.WriteString("Received: from mx.example.org by dbtp\r\n")
	b.WriteString("From: =?ISO-8859-1?Q?Zo=EB_Smith?= <zoe@example.org>\r\n")
	b.WriteString("To: Records <records@council.example>, Ann <ann@council.example>\r\n")
	b.WriteString("Cc: clerk@council.example\r\n")
	b.WriteString("Subject: =?windows-1252?Q?Planning_=80_fees_=96_reply?=\r\n")
	b.WriteString("Date: Tue, 4 Mar 2025 10:15:00 +0000\r\n")
	b.WriteString("Message-ID: <abc123@example.org>\r\n")
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n")
	b.WriteString("This is a multi-part message.\r\n--outer\r\n")
	b.WriteString("Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n")
	b.WriteString("--inner\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	b.WriteString("Dear records team,=0D=0A\r\nthe fee is =8050 for the caf=E9 exten=\r\nsion.\r\n")
	b.WriteString("--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString("<html><body><p>HTML version only</p></body></html>\r\n")
	b.WriteString("--inner--\r\n")
	b.WriteString("--outer\r\n")
	b.WriteString("Content-Type: application/octet-stream; name=\"" + name + "\"\r\n")
	b.WriteString("Content-Disposition: attachment; filename=\"" + name + "\"\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--outer--\r\n")
	return []byte(b.String())
}

// extractBytes runs Text over data the way the records module will.
func extractBytes(t testing.TB, name, mediaType string, data []byte, o Options) (Result, error) {
	t.Helper()
	return Text(context.Background(), name, mediaType, bytes.NewReader(data), int64(len(data)), o)
}

// checkResult asserts the promises every result keeps, whatever the input:
// valid UTF-8, no NUL, within the text limit, and errors that are
// platform errors with a message for people.
func checkResult(t testing.TB, res Result, err error, o Options) {
	t.Helper()
	o = o.withDefaults()
	if !utf8.ValidString(res.Text) {
		t.Fatalf("text is not valid UTF-8: %q", res.Text)
	}
	if strings.ContainsRune(res.Text, 0) {
		t.Fatalf("text contains NUL: %q", res.Text)
	}
	if len(res.Text) > o.MaxText {
		t.Fatalf("text is %d bytes, over the limit of %d", len(res.Text), o.MaxText)
	}
	if err != nil {
		var pe *platform.Error
		if !errors.As(err, &pe) || pe.Message == "" {
			t.Fatalf("error %v (%T) is not a platform error with a message", err, err)
		}
		if res.Text != "" {
			t.Fatalf("error %v came with text %q", err, res.Text)
		}
	}
}

// wantKind asserts err is of the given kind and its message is for people:
// a sentence, without the tool's own words.
func wantKind(t *testing.T, err, kind error) *platform.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want one matching %v", err, kind)
	}
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a platform error", err)
	}
	for _, noise := range []string{"Syntax Error", "pdftotext", "xml:", "zip:", "exit status"} {
		if strings.Contains(pe.Message, noise) {
			t.Fatalf("message %q shows the tool's own words %q", pe.Message, noise)
		}
	}
	return pe
}

// nestedEmail is HTML-only, with nested multiparts, an unnamed inline
// image, a forwarded message, an attachment whose RFC 2231 name hides a
// path and control characters, and charsets beyond the common ones.
func nestedEmail() string {
	return "From: =?iso-8859-1?q?J=F6rg?= <j@example.org>\r\n" +
		"Subject: =?koi8-r?B?8NLJ18XU?= hello\r\n" +
		"Content-Type: multipart/mixed; boundary=a\r\n\r\n" +
		"--a\r\nContent-Type: multipart/related; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n" +
		"--c\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64("<p>Gr\xfc\xdfe</p><script>alert('x')</script><p>from the <b>council</b></p>") + "\r\n" +
		"--c--\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64("\x89PNG\r\n\x1a\nimage") + "\r\n" +
		"--b--\r\n" +
		"--a\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@example.org\r\nSubject: forwarded\r\n\r\nold body\r\n" +
		"--a\r\nContent-Type: application/pdf; name=\"evil\u202Efdp.exe\"\r\nContent-Disposition: attachment; filename*=UTF-8''..%2F..%2Fsecret%0A%09notes.txt\r\n\r\nplain words\r\n" +
		"--a--\r\n"
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
