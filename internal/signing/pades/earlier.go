package pades

import (
	"crypto/x509"
	"encoding/asn1"

	"dbtp/internal/signing/internal/pdfdoc"
	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

var oidTimeStampTokenAttr = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// earlierChains returns the certificates each earlier signature carries
// (the signer's, then its timestamp's), for the seal's validation data.
// Signatures that cannot be read are skipped: the verifier reports them.
func earlierChains(r *pdf.Reader) [][]*x509.Certificate {
	var out [][]*x509.Certificate
	_ = pdfdoc.Guard(func() error {
		for _, f := range pdfdoc.SigFields(r) {
			v := f.Key("V")
			if v.Kind() != pdf.Dict {
				continue
			}
			raw := []byte(v.Key("Contents").RawString())
			var der asn1.RawValue
			if _, err := asn1.Unmarshal(raw, &der); err != nil {
				continue
			}
			if v.Key("SubFilter").Name() == "ETSI.RFC3161" {
				if ts, err := timestamp.Parse(der.FullBytes); err == nil {
					out = append(out, ts.Certificates)
				}
				continue
			}
			p7, err := pkcs7.Parse(der.FullBytes)
			if err != nil || len(p7.Signers) == 0 {
				continue
			}
			out = append(out, p7.Certificates)
			for _, a := range p7.Signers[0].UnauthenticatedAttributes {
				if a.Type.Equal(oidTimeStampTokenAttr) {
					if ts, err := timestamp.Parse(a.Value.Bytes); err == nil {
						out = append(out, ts.Certificates)
					}
				}
			}
		}
		return nil
	})
	return out
}
