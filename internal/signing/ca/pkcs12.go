package ca

import (
	"crypto"
	"crypto/x509"
	"errors"

	"dbtp/internal/platform"
	"software.sslmate.com/src/go-pkcs12"
)

// MaxPKCS12Size caps an uploaded PKCS#12 file; real ones are a few kilobytes.
const MaxPKCS12Size = 1 << 20

// ImportPKCS12 reads a council's own certificate and key from a PKCS#12 (.p12
// or .pfx) file protected by password. The returned chain starts with the
// key's certificate, followed by the other certificates in the file ordered
// from issuer to issuer as far as they link up. A wrong password, a file with
// no key or a key that does not match the certificate is refused clearly.
func ImportPKCS12(data []byte, password string) (*Credential, error) {
	if len(data) == 0 {
		return nil, platform.Invalid("the PKCS#12 file is empty")
	}
	if len(data) > MaxPKCS12Size {
		return nil, platform.Errorf(platform.CodeTooLarge, "the PKCS#12 file is larger than %d bytes", MaxPKCS12Size)
	}
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, &platform.Error{Code: platform.CodeInvalid, Message: "the PKCS#12 password is wrong", Err: err}
		}
		return nil, &platform.Error{Code: platform.CodeInvalid, Message: "the file is not a PKCS#12 certificate and key this platform can read", Err: err}
	}
	signer, ok := key.(crypto.Signer)
	if !ok || leaf == nil {
		return nil, platform.Invalid("the PKCS#12 file holds no signing key with its certificate")
	}
	cred := &Credential{Key: signer, Chain: []*x509.Certificate{leaf}}
	rest := append([]*x509.Certificate(nil), cas...)
	for cur := leaf; ; {
		next := -1
		for i, c := range rest {
			if cur.CheckSignatureFrom(c) == nil {
				next = i
				break
			}
		}
		if next < 0 || isSelfSigned(cur) {
			break
		}
		cur = rest[next]
		cred.Chain = append(cred.Chain, cur)
		rest = append(rest[:next], rest[next+1:]...)
	}
	if pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(signer.Public()) {
		return nil, platform.Invalid("the key in the PKCS#12 file does not match its certificate")
	}
	return cred, nil
}

// ExportPKCS12 writes cred as a PKCS#12 file with modern encryption
// (PBES2/AES-256), for a council to keep a copy of a demo credential.
func ExportPKCS12(cred *Credential, password string) ([]byte, error) {
	return pkcs12.Modern.Encode(cred.Key, cred.Chain[0], cred.Chain[1:], password)
}

func isSelfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil
}
