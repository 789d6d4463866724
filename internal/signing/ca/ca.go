// Package ca is the certificate side of signing: an internal certificate
// authority for the demo and for tests (a root, the council's document-signing
// certificate, a time-stamping certificate and a CRL), and the import of a
// council's own certificate and key from a PKCS#12 file.
//
// Keys live in memory here. Keeping them encrypted at rest belongs to the
// storage layer above: a Credential's key is marshalled with
// x509.MarshalPKCS8PrivateKey and sealed like any blob (AES-256-GCM under the
// platform's master key), then unsealed and parsed when a seal is due.
package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"dbtp/internal/platform"
)

// OIDs of extended key usages that Go's x509 package does not name.
var (
	// OIDDocumentSigning is id-kp-documentSigning (RFC 9336).
	OIDDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// Credential is a private key with its certificate chain: Chain[0] is the
// key's own certificate, then its issuers up to (and usually including) the root.
type Credential struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// Certificate is the credential's own certificate.
func (c *Credential) Certificate() *x509.Certificate { return c.Chain[0] }

// Authority is an internal certificate authority: a self-signed root that
// issues end-entity certificates and publishes a CRL of those it revoked.
type Authority struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// CRLURL, when set, is written into issued certificates as their CRL
	// distribution point, so verifiers outside dbtp know where to look.
	CRLURL string
	// OCSPURL, when set, is written into issued certificates' Authority
	// Information Access as their OCSP responder (OCSP answers it).
	OCSPURL string

	mu      sync.Mutex
	revoked []x509.RevocationListEntry
}

// New creates an authority whose root is valid for twenty years from now.
func New(name string, now time.Time) (*Authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{name}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Authority{Cert: cert, Key: key}, nil
}

// IssueDocumentSigning issues a certificate for signing and sealing PDFs:
// digital signature and non-repudiation key usages, and the document-signing
// and e-mail protection extended key usages (NSS, and so poppler and
// Firefox, accept a document signer only with the latter).
func (a *Authority) IssueDocumentSigning(subject pkix.Name, notBefore, notAfter time.Time) (*Credential, error) {
	return a.issue(&x509.Certificate{
		Subject:            subject,
		NotBefore:          notBefore,
		NotAfter:           notAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{OIDDocumentSigning},
	})
}

// IssueTimestamping issues a certificate for a time-stamping authority. RFC
// 3161 asks for exactly one extended key usage, timeStamping, marked critical;
// Go's x509 package writes that extension non-critical, so it is added by hand.
func (a *Authority) IssueTimestamping(subject pkix.Name, notBefore, notAfter time.Time) (*Credential, error) {
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return nil, err
	}
	return a.issue(&x509.Certificate{
		Subject:         subject,
		NotBefore:       notBefore,
		NotAfter:        notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
	})
}

func (a *Authority) issue(tmpl *x509.Certificate) (*Credential, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = randomSerial()
	tmpl.BasicConstraintsValid = true
	if a.CRLURL != "" {
		tmpl.CRLDistributionPoints = []string{a.CRLURL}
	}
	if a.OCSPURL != "" {
		tmpl.OCSPServer = []string{a.OCSPURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, key.Public(), a.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Credential{Key: key, Chain: []*x509.Certificate{cert, a.Cert}}, nil
}

// Revoke adds a certificate to the authority's CRL from the given time.
func (a *Authority) Revoke(serial *big.Int, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revoked = append(a.revoked, x509.RevocationListEntry{SerialNumber: serial, RevocationTime: at})
}

// CRL returns a DER CRL signed by the root, valid from now for a week. Its
// number is the time in nanoseconds, so numbers keep rising across restarts
// of an authority loaded from storage (whose revocations the storage layer
// replays with Revoke).
func (a *Authority) CRL(now time.Time) ([]byte, error) {
	a.mu.Lock()
	tmpl := &x509.RevocationList{
		Number:                    big.NewInt(now.UnixNano()),
		ThisUpdate:                now.Add(-time.Minute),
		NextUpdate:                now.AddDate(0, 0, 7),
		RevokedCertificateEntries: append([]x509.RevocationListEntry(nil), a.revoked...),
	}
	a.mu.Unlock()
	return x509.CreateRevocationList(rand.Reader, tmpl, a.Cert, a.Key)
}

// OCSP answers a DER OCSP request (RFC 6960) about a certificate the
// authority issued, signed by the root itself: revoked if Revoke listed
// it, otherwise good, valid for a day from now.
func (a *Authority) OCSP(request []byte, now time.Time) ([]byte, error) {
	req, err := ocsp.ParseRequest(request)
	if err != nil {
		return nil, err
	}
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(24 * time.Hour)}
	a.mu.Lock()
	for _, e := range a.revoked {
		if e.SerialNumber.Cmp(req.SerialNumber) == 0 {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, e.RevocationTime, ocsp.Unspecified
		}
	}
	a.mu.Unlock()
	return ocsp.CreateResponse(a.Cert, a.Cert, tmpl, a.Key)
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n.Add(n, big.NewInt(1))
}

// ErrNotForSigning is returned for a certificate that cannot sign documents.
var ErrNotForSigning = errors.New("certificate not for signing")

// CheckSigning tells whether cred can sign at now: a supported key that
// matches the certificate, within the certificate's validity, with a key usage
// that allows signatures. The message is safe to show to an administrator.
func CheckSigning(cred *Credential, now time.Time) error {
	if cred == nil || cred.Key == nil || len(cred.Chain) == 0 {
		return platform.Invalid("a signing credential needs a key and its certificate")
	}
	cert := cred.Chain[0]
	switch cred.Key.Public().(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
	default:
		return platform.Invalid("the signing key must be RSA or ECDSA")
	}
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cred.Key.Public()) {
		return platform.Invalid("the signing key does not match its certificate")
	}
	if now.Before(cert.NotBefore) {
		return platform.Errorf(platform.CodeInvalid, "the signing certificate %q is not valid until %s", cert.Subject.CommonName, cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(cert.NotAfter) {
		return platform.Errorf(platform.CodeInvalid, "the signing certificate %q expired on %s", cert.Subject.CommonName, cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return &platform.Error{Code: platform.CodeInvalid, Message: fmt.Sprintf("the certificate %q may not sign documents (key usage)", cert.Subject.CommonName), Err: ErrNotForSigning}
	}
	return nil
}
