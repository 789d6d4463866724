package verify

import (
	"bytes"
	"crypto/x509"

	"github.com/digitorus/timestamp"
)

// checkTimestamp checks an RFC 3161 token over value (the signature value).
func checkTimestamp(token, value []byte, store dss, extra []*x509.Certificate, opts Options) *Timestamp {
	out := &Timestamp{}
	ts, err := timestamp.Parse(token)
	if err != nil {
		out.Error = "the timestamp does not verify: " + err.Error()
		return out
	}
	out.Time = ts.Time
	if len(ts.Certificates) == 0 {
		out.Error = "the timestamp does not carry the TSA's certificate"
		return out
	}
	tsaCert := ts.Certificates[0]
	out.TSA = tsaCert.Subject.CommonName
	h := ts.HashAlgorithm.New()
	h.Write(value)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		out.Error = "the timestamp is over other data than this signature"
		return out
	}
	out.Valid = true
	pool := append(append(append([]*x509.Certificate(nil), ts.Certificates...), store.certs...), extra...)
	if _, err := buildChain(tsaCert, pool, opts.Roots, ts.Time, x509.ExtKeyUsageTimeStamping); err != nil {
		out.Error = "the TSA's certificate is not trusted for time-stamping: " + err.Error()
		return out
	}
	out.Trusted = true
	return out
}

// checkDocTimestamp judges a document timestamp (/SubFilter /ETSI.RFC3161),
// whose value is a timestamp token over the covered bytes.
func checkDocTimestamp(v Signature, der, signed []byte, store dss, opts Options) Signature {
	ts, err := timestamp.Parse(der)
	if err != nil {
		v.Problems = append(v.Problems, "the document timestamp does not verify: "+err.Error())
		return v
	}
	h := ts.HashAlgorithm.New()
	h.Write(signed)
	v.Intact = bytes.Equal(h.Sum(nil), ts.HashedMessage)
	v.Timestamp = &Timestamp{Time: ts.Time, Valid: v.Intact}
	if len(ts.Certificates) > 0 {
		v.Certificate, v.Signer, v.SignerDN = ts.Certificates[0], ts.Certificates[0].Subject.CommonName, ts.Certificates[0].Subject.String()
		v.Timestamp.TSA = v.Signer
		if chain, err := buildChain(v.Certificate, append(ts.Certificates, store.certs...), opts.Roots, ts.Time, x509.ExtKeyUsageTimeStamping); err == nil {
			v.ChainTrusted, v.Timestamp.Trusted = true, true
			v.Revocation, v.RevokedAt = chainStatus(chain, store, ts.Time)
		} else {
			v.ChainError = err.Error()
		}
	}
	if !v.Intact {
		v.Problems = append(v.Problems, "the document timestamp does not match the document")
	}
	return v
}
