package pades

import (
	"dbtp/internal/signing/internal/pdfdoc"
	"github.com/digitorus/pdf"
)

// DefaultMaxSize caps the PDFs signed when Options.MaxSize is zero.
const DefaultMaxSize = pdfdoc.DefaultMaxSize

// Document is what Inspect learnt about a PDF.
type Document struct {
	Pages int
	// Signatures counts the signature fields that are already signed.
	Signatures int
	// Fields names the signature fields, signed or not, in document order.
	Fields []string
}

// Inspect checks that doc is a PDF this package can sign: no larger than
// maxSize (DefaultMaxSize when zero), not encrypted, with a readable
// cross-reference, catalog and page tree. The upload path uses it to refuse
// bad files early, and to refuse files that already carry signatures.
func Inspect(doc []byte, maxSize int64) (*Document, error) {
	r, err := pdfdoc.Open(doc, maxSize)
	if err != nil {
		return nil, err
	}
	var d *Document
	err = pdfdoc.Guard(func() error {
		d = &Document{Pages: pdfdoc.CountPages(r.Trailer().Key("Root").Key("Pages"))}
		for _, f := range pdfdoc.SigFields(r) {
			d.Fields = append(d.Fields, f.Key("T").Text())
			if f.Key("V").Kind() == pdf.Dict {
				d.Signatures++
			}
		}
		return nil
	})
	if err != nil {
		return nil, pdfdoc.Malformed(err)
	}
	return d, nil
}
