package pades

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"sort"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of CMS (RFC 5652), ESS (RFC 5035) and RFC 3161.
var (
	oidData                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertificate2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSHA256              = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA256     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// cmsSigner builds the CAdES signature PAdES asks for (ETSI EN 319 142-1,
// 6.3): a detached CMS SignedData over the byte ranges' SHA-256 digest with
// exactly three signed attributes (content-type, message-digest and
// signing-certificate-v2) and no signing-time attribute, because PAdES puts
// the claimed signing time in the signature dictionary's /M instead.
type cmsSigner struct {
	key   crypto.Signer
	chain []*x509.Certificate
}

// signedAttrs returns the signed attributes as a DER SET OF, the form that
// is signed (RFC 5652 5.4); the SignerInfo carries them under tag [0].
func (s *cmsSigner) signedAttrs(digest []byte) ([]byte, error) {
	certHash := sha256.Sum256(s.chain[0].Raw)
	attrs := [][]byte{
		attribute(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attribute(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
		// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }
		// ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING } (SHA-256 is the default hash)
		attribute(oidSigningCertificate2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1OctetString(certHash[:]) })
				})
			})
		}),
	}
	for _, a := range attrs {
		if a == nil {
			return nil, errors.New("encoding a signed attribute")
		}
	}
	return setOf(attrs), nil
}

// signature signs the signed attributes and tells the algorithm used.
func (s *cmsSigner) signature(attrs []byte) (sig []byte, alg asn1.ObjectIdentifier, err error) {
	h := sha256.Sum256(attrs)
	switch s.key.Public().(type) {
	case *ecdsa.PublicKey:
		alg = oidECDSAWithSHA256
	case *rsa.PublicKey:
		alg = oidRSAEncryption
	default:
		return nil, nil, errors.New("the signing key must be RSA or ECDSA")
	}
	sig, err = s.key.Sign(rand.Reader, h[:], crypto.SHA256)
	return sig, alg, err
}

// assemble returns the DER ContentInfo holding the SignedData; token, when
// not nil, is the RFC 3161 signature-time-stamp put in the unsigned attributes.
func (s *cmsSigner) assemble(attrs, sig []byte, alg asn1.ObjectIdentifier, token []byte) ([]byte, error) {
	leaf := s.chain[0]
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlgorithm(b, oidSHA256, false) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					for _, c := range s.chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
							b.AddBytes(leaf.RawIssuer)
							b.AddASN1BigInt(leaf.SerialNumber)
						})
						addAlgorithm(b, oidSHA256, false)
						// [0] IMPLICIT replaces the SET tag of the signed form.
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(setContents(attrs))
						})
						addAlgorithm(b, alg, alg.Equal(oidRSAEncryption))
						b.AddASN1OctetString(sig)
						if token != nil {
							b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
									b.AddASN1ObjectIdentifier(oidTimeStampToken)
									b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(token) })
								})
							})
						}
					})
				})
			})
		})
	})
	return b.Bytes()
}

func addAlgorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

// attribute encodes Attribute ::= SEQUENCE { type, values SET OF value }.
func attribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil
	}
	return out
}

// setOf encodes a DER SET OF, whose elements are sorted by their encodings.
func setOf(elems [][]byte) []byte {
	sort.Slice(elems, func(i, j int) bool { return bytes.Compare(elems[i], elems[j]) < 0 })
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, e := range elems {
			b.AddBytes(e)
		}
	})
	return b.BytesOrPanic()
}

// setContents strips the tag and length of a DER SET.
func setContents(set []byte) []byte {
	s := cryptobyte.String(set)
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, cbasn1.SET) {
		return nil
	}
	return inner
}
