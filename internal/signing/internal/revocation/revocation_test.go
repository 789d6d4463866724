package revocation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

func testCert(t *testing.T, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// The remembered checks answer as the checks themselves, asked twice (the
// second answer from memory), for right and wrong issuers alike, and a
// tampered signature is not taken for the genuine one.
func TestRememberedChecks(t *testing.T) {
	root, rootKey := testCert(t, "Root", nil, nil)
	other, _ := testCert(t, "Other root", nil, nil)
	leaf, _ := testCert(t, "Leaf", root, rootKey)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: leaf.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)}}}, root, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), leaf.Raw...)
	tampered[len(tampered)-3] ^= 1 // in the signature
	bad, err := x509.ParseCertificate(tampered)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		if !SelfSigned(root) || SelfSigned(leaf) {
			t.Fatalf("round %d: SelfSigned wrong", round)
		}
		if got := IssuerOf(leaf, []*x509.Certificate{other, leaf, root}); got != root {
			t.Fatalf("round %d: IssuerOf = %v", round, got)
		}
		if got := IssuerOf(bad, []*x509.Certificate{other, root}); got != nil {
			t.Fatalf("round %d: a tampered certificate found an issuer", round)
		}
		if s, _ := Check(leaf, root, [][]byte{crlDER}, nil, time.Now()); s != Revoked {
			t.Fatalf("round %d: Check with the issuer's CRL = %s", round, s)
		}
		if s, _ := Check(leaf, other, [][]byte{crlDER}, nil, time.Now()); s != Unknown {
			t.Fatalf("round %d: Check with another's CRL = %s", round, s)
		}
	}
}
