package extract

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"dbtp/internal/platform"
)

func TestMediaType(t *testing.T) {
	pdf := pdfFile("x")
	ole := "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"
	for _, c := range []struct {
		name, head, want string
	}{
		{"letter.txt", string(pdf), typePDF}, // content wins over the name
		{"scan.pdf", "\x00\x01junk before\n%PDF-1.4\n", typePDF},
		{"fake.pdf", "Just some words.\n", typeText},
		{"", "\x89PNG\r\n\x1a\n\x00\x00", "image/png"},
		{"", "\xFF\xD8\xFF\xE0\x00\x10JFIF", "image/jpeg"},
		{"", "GIF89a\x01\x00", "image/gif"},
		{"", "RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"},
		{"x", string(sampleDOCX()), typeDOCX},
		{"x", string(odtFile("<text:p>a</text:p>", "")), typeODT},
		{"", string(zipFile(zipEntry{name: "xl/workbook.xml", body: "<w/>"})), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"files.zip", string(zipFile(zipEntry{name: "a.txt", body: "a"})), typeZip},
		{"named.docx", string(zipFile(zipEntry{name: "a.txt", body: "a"})), typeDOCX},
		{"old.DOC", ole, "application/msword"},
		{"mail.msg", ole, "application/vnd.ms-outlook"},
		{"locked.docx", ole, typeOLE},
		{"", "<!DOCTYPE html><html>", typeHTML},
		{"notes.txt", "\n  <p>A paragraph</p>", typeHTML},
		{"", "<b>bold</b> words", typeHTML},
		{"page.htm", "<section>x</section>", typeHTML},
		{"", "<section>x</section>", typeText},
		{"", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">`, typeXHTML},
		{"", `<?xml version="1.0"?><root/>`, "application/xml"},
		{"", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">`, "image/svg+xml"},
		{"", string(sampleEmail(pdf)), typeEmail},
		{"", "From: me\nTo: you\n\nA letter.", typeText},
		{"letter.eml", "From: me\nTo: you\n\nA letter.", typeEmail},
		{"letter.eml", "Not headers at all\n", typeText},
		{"data.csv", "a,b\n1,2\n", typeCSV},
		{"", "\xFF\xFEh\x00i\x00", typeText},
		{"", "ID3 tag notes", typeText},
		{"", "\x00\x01\x02\x03", typeBin},
		{"empty.txt", "", typeBin},
	} {
		if got := MediaType(c.name, []byte(c.head)); got != c.want {
			t.Errorf("MediaType(%q, %.30q) = %s, want %s", c.name, c.head, got, c.want)
		}
	}
}

func TestUnsupported(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	// A declared type that the content contradicts is ignored.
	res, err := extractBytes(t, "photo.pdf", "application/pdf", png, Options{})
	checkResult(t, res, err, Options{})
	if pe := wantKind(t, err, ErrUnsupported); pe != ErrUnsupported || res.MediaType != "image/png" {
		t.Fatalf("error %v, media type %s", pe, res.MediaType)
	}
	if pe := wantKind(t, err, ErrUnsupported); pe.Message != "Text cannot be read from this kind of file" || pe.Code != platform.CodeInvalid {
		t.Fatalf("message %q, code %s", pe.Message, pe.Code)
	}
}

func TestEmptyContentHasNoText(t *testing.T) {
	res, err := Text(t.Context(), "empty.txt", "", strings.NewReader(""), 0, Options{})
	if err != nil || res.Text != "" || res.Truncated {
		t.Fatalf("got %+v, %v", res, err)
	}
}

// Text reads no more than size bytes: the rest of r is not its business.
func TestSizeBoundsReading(t *testing.T) {
	r := strings.NewReader("first words and more words")
	res, err := Text(t.Context(), "a.txt", "", r, 11, Options{})
	if err != nil || res.Text != "first words" || r.Len() != 15 {
		t.Fatalf("got %+v, %v, %d bytes left", res, err, r.Len())
	}
}

// A failure to read the content is not damage to the document: it comes
// back as the source's own error (a platform error as it is, anything else
// as internal), whatever the format.
func TestSourceErrorsAreNotDamage(t *testing.T) {
	tampered := &platform.Error{Code: platform.CodeInternal, Message: "the stored file failed its integrity check"}
	cases := map[string][]byte{"a.html": []byte("<p>hello</p>"), "a.docx": sampleDOCX(), "a.eml": sampleEmail(pdfFile("x")), "a.txt": []byte("words")}
	for name, data := range cases {
		for _, srcErr := range []error{tampered, errors.New("disk gone")} {
			r := io.MultiReader(bytes.NewReader(data[:len(data)/2]), iotest.ErrReader(srcErr))
			res, err := Text(t.Context(), name, "", r, int64(len(data)), Options{})
			checkResult(t, res, err, Options{})
			if errors.Is(err, ErrDamaged) || !errors.Is(err, srcErr) {
				t.Errorf("%s with %v: error %v", name, srcErr, err)
			}
			if platform.CodeOf(err) != platform.CodeInternal {
				t.Errorf("%s: code %s", name, platform.CodeOf(err))
			}
		}
	}
}

// Errors read well and match their kind, and the log text keeps detail.
func TestErrorsWrapKinds(t *testing.T) {
	err := damaged("a part of it is corrupt", errors.New("flate: corrupt input before offset 12"))
	if !errors.Is(err, ErrDamaged) || errors.Is(err, ErrEncrypted) {
		t.Fatalf("errors.Is does not tell the kinds apart: %v", err)
	}
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Message != "The file is damaged: a part of it is corrupt" || pe.Code != platform.CodeInvalid {
		t.Fatalf("%#v", pe)
	}
	if !strings.Contains(err.Error(), "offset 12") {
		t.Fatalf("log text %q lost the detail", err.Error())
	}
	if tooLarge(DefaultMaxUnzipped) != ErrTooLarge || !errors.Is(tooLarge(5<<20), ErrTooLarge) {
		t.Fatal("tooLarge does not match ErrTooLarge")
	}
}
