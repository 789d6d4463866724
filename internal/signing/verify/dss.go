package verify

import (
	"bytes"
	"crypto/x509"
	"io"

	"github.com/digitorus/pdf"
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
