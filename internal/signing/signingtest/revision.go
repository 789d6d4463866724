package signingtest

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"testing"
)

// AppendRevision appends an incremental update that redefines object id
// with body, written by hand (a classic cross-reference table) as another
// program, or a forger, would.
func AppendRevision(t testing.TB, doc []byte, id int, body string) []byte {
	t.Helper()
	return AppendObjects(t, doc, map[int]string{id: body})
}

// Size is the object count of the document's last trailer.
func Size(t testing.TB, doc []byte) int {
	t.Helper()
	size := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(doc, -1)
	if size == nil {
		t.Fatal("no /Size in the document's trailers")
	}
	n, _ := strconv.Atoi(string(size[len(size)-1][1]))
	return n
}

// RootID is the object number of the document's catalog.
func RootID(t testing.TB, doc []byte) int {
	t.Helper()
	root := regexp.MustCompile(`/Root (\d+) \d+ R`).FindAllSubmatch(doc, -1)
	if root == nil {
		t.Fatal("no /Root in the document's trailers")
	}
	n, _ := strconv.Atoi(string(root[len(root)-1][1]))
	return n
}

// AppendObjects appends an incremental update defining the given objects.
func AppendObjects(t testing.TB, doc []byte, objs map[int]string) []byte {
	t.Helper()
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("no startxref at the end of the document")
	}
	prev, _ := strconv.Atoi(string(m[1]))
	size, root := Size(t, doc), RootID(t, doc)
	ids := make([]int, 0, len(objs))
	for id := range objs {
		ids = append(ids, id)
		size = max(size, id+1)
	}
	sort.Ints(ids)
	var b bytes.Buffer
	b.Write(doc)
	at := map[int]int{}
	for _, id := range ids {
		at[id] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, objs[id])
	}
	xref := b.Len()
	b.WriteString("xref\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n\r\n", id, at[id])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, root, prev, xref)
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
