package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

const docxBody = `<w:p><w:r><w:t>Hel</w:t></w:r><w:r><w:t>lo</w:t></w:r><w:r><w:tab/><w:t>world</w:t></w:r></w:p>` +
	`<w:p><w:r><w:t xml:space="preserve">Fish &amp; chips </w:t></w:r><w:r><w:br/><w:t>new line</w:t></w:r></w:p>` +
	`<w:p><w:del><w:r><w:delText>removed</w:delText></w:r></w:del><w:ins><w:r><w:t>added</w:t></w:r></w:ins><w:r><w:instrText> PAGE </w:instrText></w:r></w:p>` +
	`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>box text</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>` +
	`<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>box text</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>` +
	`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
	`<w:p><w:r><w:t>well</w:t><w:noBreakHyphen/><w:t>being</w:t></w:r></w:p>`

func sampleDOCX() []byte {
	return docxFile(docxBody,
		zipEntry{name: "word/footer1.xml", body: wordXML("ftr", `<w:p><w:r><w:t>Page footer</w:t></w:r></w:p>`)},
		zipEntry{name: "word/header1.xml", body: wordXML("hdr", `<w:p><w:r><w:t>OFFICIAL-SENSITIVE</w:t></w:r></w:p>`)},
		zipEntry{name: "word/footnotes.xml", body: wordXML("footnotes", `<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>A footnote</w:t></w:r></w:p></w:footnote>`)},
		zipEntry{name: "word/media/image1.png", body: "\x89PNG\r\n\x1a\nnot read"},
	)
}

func TestDOCXText(t *testing.T) {
	res, err := extractBytes(t, "report.docx", "", sampleDOCX(), Options{})
	checkResult(t, res, err, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello world\nFish & chips\nnew line\nadded\nbox text\nA1\nB1\nwell-being\n\nOFFICIAL-SENSITIVE\n\nPage footer\n\nA footnote"
	if res.MediaType != typeDOCX || res.Text != want {
		t.Fatalf("got %q (%s), want %q", res.Text, res.MediaType, want)
	}
}

// The main part is wherever the package's relationships say, and a zip
// the caller declares as a DOCX is read as one although its first bytes
// do not show it.
func TestDOCXMainPartFromRelationships(t *testing.T) {
	data := zipFile(
		zipEntry{name: "_rels/.rels", body: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/doc/main.xml"/></Relationships>`},
		zipEntry{name: "doc/main.xml", body: wordXML("document", `<w:body><w:p><w:r><w:t>Moved body</w:t></w:r></w:p></w:body>`)},
	)
	if mt := MediaType("upload.bin", data); mt != typeZip {
		t.Fatalf("detected %s, want a plain zip", mt)
	}
	res, err := extractBytes(t, "upload.bin", typeDOCX+"; charset=binary", data, Options{})
	if err != nil || res.Text != "Moved body" || res.MediaType != typeDOCX {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestDOCXDamaged(t *testing.T) {
	good := sampleDOCX()
	for name, data := range map[string][]byte{
		"not well-formed":  docxFile(`<w:p><w:r><w:t>open</w:r></w:p>`),
		"no document part": zipFile(zipEntry{name: "word/styles.xml", body: "<x/>"}),
		"cut short":        good[:len(good)-40],
		"corrupt data":     corruptEntry(good, "word/document.xml"),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := extractBytes(t, "report.docx", "", data, Options{})
			checkResult(t, res, err, Options{})
			pe := wantKind(t, err, ErrDamaged)
			if !strings.HasPrefix(pe.Message, "The file is damaged: ") {
				t.Fatalf("message %q", pe.Message)
			}
		})
	}
}

// corruptEntry flips a byte inside the compressed data of one entry.
func corruptEntry(data []byte, name string) []byte {
	out := bytes.Clone(data)
	zr, _ := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	for _, f := range zr.File {
		if f.Name == name {
			off, _ := f.DataOffset()
			out[off+int64(f.CompressedSize64/2)] ^= 0xFF
		}
	}
	return out
}

func TestODTText(t *testing.T) {
	body := `<text:tracked-changes><text:changed-region><text:deletion><text:p>deleted words</text:p></text:deletion></text:changed-region></text:tracked-changes>` +
		`<text:h text:outline-level="1">Housing <text:span>strategy</text:span></text:h>` +
		`<text:p>First<text:s text:c="3"/>point<text:tab/>tabbed<text:line-break/>next line</text:p>` +
		`<text:p>Note here<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>The footnote text</text:p></text:note-body></text:note> after.</text:p>` +
		`<text:p>Visible<office:annotation><dc:creator>Bob</dc:creator><text:p>private comment</text:p></office:annotation> text &amp; more</text:p>` +
		`<table:table><table:table-row><table:table-cell><text:p>A1</text:p></table:table-cell><table:table-cell><text:p>B1</text:p></table:table-cell></table:table-row></table:table>`
	master := `<style:header><text:p>OFFICIAL-SENSITIVE</text:p></style:header><style:footer><text:p>Page footer</text:p></style:footer>`
	data := odtFile(body, master)
	if mt := MediaType("anything.bin", data); mt != typeODT {
		t.Fatalf("an ODT was detected as %s", mt)
	}
	res, err := extractBytes(t, "strategy.odt", "", data, Options{})
	checkResult(t, res, err, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Housing strategy\nFirst point tabbed\nnext line\nNote here\nThe footnote text\nafter.\nVisible text & more\nA1\nB1\n\nOFFICIAL-SENSITIVE\nPage footer"
	if res.Text != want {
		t.Fatalf("got %q, want %q", res.Text, want)
	}
}

func TestODTWithPasswordIsEncrypted(t *testing.T) {
	data := zipFile(
		zipEntry{name: "mimetype", body: typeODT, stored: true},
		zipEntry{name: "META-INF/manifest.xml", body: `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum="x"/></manifest:file-entry></manifest:manifest>`},
		zipEntry{name: "content.xml", body: "\x8f\x01 binary ciphertext"},
	)
	res, err := extractBytes(t, "secret.odt", "", data, Options{})
	checkResult(t, res, err, Options{})
	pe := wantKind(t, err, ErrEncrypted)
	if !strings.Contains(pe.Message, "document is protected by a password") {
		t.Fatalf("message %q", pe.Message)
	}
}

// Office wraps a password-protected DOCX in an OLE container; an old .doc
// is an OLE container too, and gets a message saying what to do.
func TestOLEFiles(t *testing.T) {
	ole := []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 500))
	enc := append(bytes.Clone(ole), utf16le("EncryptedPackage")...)
	res, err := extractBytes(t, "locked.docx", "", enc, Options{})
	checkResult(t, res, err, Options{})
	if pe := wantKind(t, err, ErrEncrypted); !strings.Contains(pe.Message, "document is protected by a password") || res.MediaType != typeOLE {
		t.Fatalf("message %q, type %s", pe.Message, res.MediaType)
	}
	res, err = extractBytes(t, "old.doc", "", ole, Options{})
	checkResult(t, res, err, Options{})
	if pe := wantKind(t, err, ErrUnsupported); !strings.Contains(pe.Message, ".docx") || res.MediaType != "application/msword" {
		t.Fatalf("message %q, type %s", pe.Message, res.MediaType)
	}
}

// bombDOCX compresses each piece as its own run of deflate blocks, so
// a piece can be repeated without compressing it again: a way to build a
// zip bomb in a test without inflating it first.
func bombDOCX(t *testing.T, copies int, declared func(actual uint64) uint64) []byte {
	t.Helper()
	prefix := `<?xml version="1.0"?><w:document ` + wNS + `><w:body>`
	chunk := strings.Repeat(`<w:p><w:r><w:t>aaaaaaaa</w:t></w:r></w:p>`, 1<<15)
	suffix := `</w:body></w:document>`
	block := func(s string) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		fw.Write([]byte(s))
		fw.Flush()
		return b.Bytes()
	}
	var stream bytes.Buffer
	crc := crc32.NewIEEE()
	stream.Write(block(prefix))
	crc.Write([]byte(prefix))
	c := block(chunk)
	for range copies {
		stream.Write(c)
		crc.Write([]byte(chunk))
	}
	stream.Write(block(suffix))
	crc.Write([]byte(suffix))
	stream.Write([]byte{0x03, 0x00}) // the final, empty block
	actual := uint64(len(prefix) + copies*len(chunk) + len(suffix))

	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(stream.Len()), UncompressedSize64: declared(actual)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(stream.Bytes())
	zw.Close()
	return out.Bytes()
}

func TestZipBombIsRefused(t *testing.T) {
	// 1.3 MB of XML per chunk, 240 chunks: over 300 MB unpacked from a
	// file of a few hundred KB.
	bomb := bombDOCX(t, 240, func(actual uint64) uint64 { return actual })
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes; it should be small", len(bomb))
	}
	res, err := extractBytes(t, "bomb.docx", "", bomb, Options{MaxText: 1 << 30})
	checkResult(t, res, err, Options{MaxText: 1 << 30})
	pe := wantKind(t, err, ErrTooLarge)
	if pe.Message != "The document expands to more than 200 MB when unpacked, so it was not read (it may be a zip bomb)" {
		t.Fatalf("message %q", pe.Message)
	}

	// The same bomb claiming to be small: archive/zip stops at the
	// declared size, and the file is damaged.
	liar := bombDOCX(t, 240, func(uint64) uint64 { return 4096 })
	_, err = extractBytes(t, "bomb.docx", "", liar, Options{MaxText: 1 << 30})
	wantKind(t, err, ErrDamaged)
}

// The budget is the whole document: parts that each fit but together do
// not are refused, and the message names the limit configured.
func TestZipBudgetCoversAllParts(t *testing.T) {
	para := strings.Repeat(`<w:p><w:r><w:t>words and words</w:t></w:r></w:p>`, 12000) // ~600 KB
	data := docxFile(para, zipEntry{name: "word/header1.xml", body: wordXML("hdr", para)})
	o := Options{MaxUnzipped: 1 << 20}
	res, err := extractBytes(t, "big.docx", "", data, o)
	checkResult(t, res, err, o)
	if pe := wantKind(t, err, ErrTooLarge); !strings.Contains(pe.Message, "more than 1 MB") {
		t.Fatalf("message %q", pe.Message)
	}
}

// Bytes are counted as they are inflated, whatever the headers say.
func TestBudgetReaderCountsActualBytes(t *testing.T) {
	z := &zipParts{ctx: context.Background(), left: 10}
	r := &budgetReader{ReadCloser: io.NopCloser(strings.NewReader(strings.Repeat("x", 20))), z: z}
	if _, err := io.ReadAll(r); !errors.Is(err, errBomb) {
		t.Fatalf("error = %v, want errBomb", err)
	}
}

func TestZipTooManyEntries(t *testing.T) {
	var entries []zipEntry
	for i := range 20 {
		entries = append(entries, zipEntry{name: strings.Repeat("x", i+1) + ".xml", body: "<x/>"})
	}
	data := docxFile(`<w:p/>`, entries...)
	res, err := extractBytes(t, "many.docx", "", data, Options{MaxEntries: 10})
	checkResult(t, res, err, Options{})
	if pe := wantKind(t, err, ErrTooLarge); !strings.Contains(pe.Message, "more than 10 parts") {
		t.Fatalf("message %q", pe.Message)
	}
}

// One token longer than the token limit (here deleted text, which is not
// kept, so the text limit never stops it) ends reading there, as if the
// text limit had been reached, rather than being buffered whole.
func TestHugeTokenStopsReading(t *testing.T) {
	body := `<w:p><w:r><w:t>Before</w:t></w:r></w:p><w:p><w:del><w:r><w:delText>` + strings.Repeat("b", 17<<20) +
		`</w:delText></w:r></w:del></w:p><w:p><w:r><w:t>After</w:t></w:r></w:p>`
	res, err := extractBytes(t, "run.docx", "", docxFile(body), Options{})
	checkResult(t, res, err, Options{})
	if err != nil || res.Text != "Before" || !res.Truncated {
		t.Fatalf("got %q, truncated %v, error %v", res.Text, res.Truncated, err)
	}
}

func TestTokenGuard(t *testing.T) {
	long := strings.Repeat("z", 200)
	for _, c := range []struct {
		name, xml string
		ok        bool
	}{
		{"short tokens", `<a x="1">` + strings.Repeat("<b>text</b>", 100) + `</a>`, true},
		{"long text", `<a>` + long + `</a>`, false},
		{"long attribute with >", `<a x="` + strings.Repeat(">", 200) + `"/>`, false},
		{"long comment with <", `<a><!--` + strings.Repeat("<", 200) + `--></a>`, false},
		{"long CDATA with <", `<a><![CDATA[` + strings.Repeat("<>", 100) + `]]></a>`, false},
		{"comments end", `<a><!-- x --->` + strings.Repeat("<b/>", 100) + `</a>`, true},
		{"doctype subset", `<!DOCTYPE a [<!ENTITY e "x">]><a>` + strings.Repeat("<b/>", 100) + `</a>`, true},
	} {
		_, err := io.ReadAll(&tokenGuard{r: strings.NewReader(c.xml), limit: 100})
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
