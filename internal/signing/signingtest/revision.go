package signingtest

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// AppendRevision appends an incremental update that redefines object id
// with body, written by hand (a classic cross-reference table) as another
// program, or a forger, would.
func AppendRevision(t testing.TB, doc []byte, id int, body string) []byte {
	t.Helper()
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("no startxref at the end of the document")
	}
	prev, _ := strconv.Atoi(string(m[1]))
	root := regexp.MustCompile(`/Root (\d+ \d+ R)`).FindAllSubmatch(doc, -1)
	size := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(doc, -1)
	if root == nil || size == nil {
		t.Fatal("no /Root or /Size in the document's trailers")
	}
	var b bytes.Buffer
	b.Write(doc)
	at := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, body)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n\r\ntrailer\n<< /Size %s /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		id, at, size[len(size)-1][1], root[len(root)-1][1], prev, xref)
	return b.Bytes()
}

// Object returns the body of object id as the document last defines it in
// plain text (not inside an object stream).
func Object(t testing.TB, doc []byte, id int) string {
	t.Helper()
	all := regexp.MustCompile(fmt.Sprintf(`(?s)(?:^|[\r\n])%d 0 obj\s*(.*?)\s*endobj`, id)).FindAllSubmatch(doc, -1)
	if all == nil {
		t.Fatalf("object %d not found", id)
	}
	return string(all[len(all)-1][1])
}
