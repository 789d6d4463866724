// Package inbound reads scanned post: it tells PDFs and images from
// anything else, turns a scan into text with tesseract (PDFs through
// pdftoppm first), finds the case references, postcodes and names in
// that text, and receives post by email, on dbtp's own SMTP port or from
// an IMAP mailbox. It knows nothing of cases or storage: the post engine
// does the filing.
package inbound

import (
	"bytes"
	"regexp"
)

// Media types of the scans dbtp reads.
const (
	PDF  = "application/pdf"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	TIFF = "image/tiff"
)

// MediaType names a scan's type from its first bytes, not from its name
// or what the sender claims: "" when it is neither a PDF nor an image
// tesseract reads.
func MediaType(content []byte) string {
	switch {
	case bytes.HasPrefix(content, []byte("%PDF-")):
		return PDF
	case bytes.HasPrefix(content, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(content, []byte("\xff\xd8\xff")):
		return JPEG
	case bytes.HasPrefix(content, []byte("II*\x00")), bytes.HasPrefix(content, []byte("MM\x00*")):
		return TIFF
	}
	return ""
}

// encryptRef is a trailer's /Encrypt entry: an indirect reference or an
// inline dictionary.
var encryptRef = regexp.MustCompile(`/Encrypt\s*(\d+\s+\d+\s+R|<<)`)

// Encrypted reports whether a PDF is encrypted: such a scan cannot be
// rendered or read without its password, so it is refused at the door
// rather than filed as something nobody can open.
func Encrypted(pdf []byte) bool { return encryptRef.Match(pdf) }
