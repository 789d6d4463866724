package pades

import (
	"context"
	"crypto"

	"dbtp/internal/signing/internal/pdfdoc"
	"dbtp/internal/signing/tsa"
)

// Timestamp appends a document timestamp (ETSI EN 319 142-1 5.4, subfilter
// ETSI.RFC3161): the TSA's token over the whole document as it stands,
// validation data included. Added after a B-LT seal it makes the document
// PAdES-B-LTA, and adding another before the last TSA certificate expires
// keeps the evidence alive for as long as a record is retained. A TSA that
// is down gives a temporary error, as for Sign.
func Timestamp(ctx context.Context, doc []byte, client *tsa.Client, maxSize int64) ([]byte, error) {
	r, err := pdfdoc.Open(doc, maxSize)
	if err != nil {
		return nil, err
	}
	dict := []byte("<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161\n /Prop_Build << /App << /Name /dbtp >> >>")
	out, _, err := place(doc, r, dict, fieldSpec{}, 12288, func(digest []byte) ([]byte, error) {
		tok, err := client.StampDigest(ctx, digest, crypto.SHA256)
		if err != nil {
			return nil, err
		}
		return tok.DER, nil
	})
	return out, err
}
