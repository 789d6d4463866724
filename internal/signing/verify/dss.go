package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"io"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
)

// dss is the validation data a PDF embeds in its Document Security Store.
type dss struct {
	certs       []*x509.Certificate
	crls, ocsps [][]byte
}

const maxDSSItem = 4 << 20

func readDSS(r *pdf.Reader) dss {
	var d dss
	store := r.Trailer().Key("Root").Key("DSS")
	each := func(key string, f func([]byte)) {
		list := store.Key(key)
		for i := 0; i < list.Len(); i++ {
			s := list.Index(i)
			if s.Kind() != pdf.Stream {
				continue
			}
			rc := s.Reader()
			b, err := io.ReadAll(io.LimitReader(rc, maxDSSItem))
			rc.Close()
			if err == nil {
				f(b)
			}
		}
	}
	each("Certs", func(b []byte) {
		if c, err := x509.ParseCertificate(b); err == nil {
			d.certs = append(d.certs, c)
		}
	})
	each("CRLs", func(b []byte) { d.crls = append(d.crls, b) })
	each("OCSPs", func(b []byte) { d.ocsps = append(d.ocsps, b) })
	return d
}

// covers tells whether the store holds every certificate of chain, as B-LT
// asks (the revocation data is judged separately).
func (d dss) covers(chain []*x509.Certificate) bool {
	if len(chain) == 0 {
		return false
	}
	for _, c := range chain {
		found := false
		for _, o := range d.certs {
			if bytes.Equal(o.Raw, c.Raw) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// revocationInfoArchival is Adobe's signed attribute for revocation data
// (1.2.840.113583.1.1.8), which signatures made before PAdES, and by other
// tools, carry instead of a DSS.
type revocationInfoArchival struct {
	CRL  []asn1.RawValue `asn1:"tag:0,optional,explicit"`
	OCSP []asn1.RawValue `asn1:"tag:1,optional,explicit"`
}

var oidRevocationInfoArchival = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}

// withArchival returns the store with the signature's own revocation data
// (Adobe's attribute, and the CMS's CRLs) added.
func (d dss) withArchival(p7 *pkcs7.PKCS7) dss {
	out := dss{certs: d.certs, crls: append([][]byte(nil), d.crls...), ocsps: append([][]byte(nil), d.ocsps...)}
	var info revocationInfoArchival
	if err := p7.UnmarshalSignedAttribute(oidRevocationInfoArchival, &info); err == nil {
		for _, c := range info.CRL {
			out.crls = append(out.crls, c.FullBytes)
		}
		for _, o := range info.OCSP {
			out.ocsps = append(out.ocsps, o.FullBytes)
		}
	}
	for _, c := range p7.CRLs {
		if der, err := asn1.Marshal(c); err == nil {
			out.crls = append(out.crls, der)
		}
	}
	return out
}
