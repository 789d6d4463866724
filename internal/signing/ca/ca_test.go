package ca_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/signingtest"
)

func TestCertificates(t *testing.T) {
	p := signingtest.NewPKI(t)
	c := p.Council.Chain[0]
	if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 || c.KeyUsage&x509.KeyUsageContentCommitment == 0 || c.IsCA {
		t.Errorf("council key usage %v, CA %v", c.KeyUsage, c.IsCA)
	}
	if len(c.UnknownExtKeyUsage) != 1 || !c.UnknownExtKeyUsage[0].Equal(ca.OIDDocumentSigning) {
		t.Errorf("council EKUs %v %v", c.ExtKeyUsage, c.UnknownExtKeyUsage)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: p.Roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}); err != nil {
		t.Error(err)
	}
	ts := p.TSA.Chain[0]
	critical := false
	for _, e := range ts.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			critical = e.Critical
		}
	}
	if !critical || len(ts.ExtKeyUsage) != 1 || ts.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Errorf("TSA EKU %v critical %v", ts.ExtKeyUsage, critical)
	}
	if err := ca.CheckSigning(p.Council, time.Now()); err != nil {
		t.Error(err)
	}
}

func TestCRL(t *testing.T) {
	p := signingtest.NewPKI(t)
	bad := p.Signer(t, "Mallory")
	p.CA.Revoke(bad.Chain[0].SerialNumber, time.Now())
	crl, err := x509.ParseRevocationList(p.CRL(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(p.CA.Cert); err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(bad.Chain[0].SerialNumber) != 0 {
		t.Fatalf("revoked %v", crl.RevokedCertificateEntries)
	}
}

func TestCheckSigning(t *testing.T) {
	p := signingtest.NewPKI(t)
	now := time.Now()
	old, err := p.CA.IssueDocumentSigning(pkix.Name{CommonName: "Old"}, now.AddDate(-3, 0, 0), now.AddDate(-1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.CheckSigning(old, now); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired: %v", err)
	}
	future, _ := p.CA.IssueDocumentSigning(pkix.Name{CommonName: "Future"}, now.AddDate(0, 1, 0), now.AddDate(1, 0, 0))
	if err := ca.CheckSigning(future, now); err == nil || !strings.Contains(err.Error(), "not valid until") {
		t.Errorf("not yet valid: %v", err)
	}
	mismatched := &ca.Credential{Key: p.TSA.Key, Chain: p.Council.Chain}
	if err := ca.CheckSigning(mismatched, now); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mismatched: %v", err)
	}
}

func TestPKCS12(t *testing.T) {
	p := signingtest.NewPKI(t)
	b, err := ca.ExportPKCS12(p.Council, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ca.ImportPKCS12(b, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Chain) != 2 || !got.Chain[0].Equal(p.Council.Chain[0]) || !got.Chain[1].Equal(p.CA.Cert) {
		t.Fatalf("chain %v", got.Chain)
	}
	if err := ca.CheckSigning(got, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.ImportPKCS12(b, "wrong"); platform.CodeOf(err) != platform.CodeInvalid || !strings.Contains(err.Error(), "password is wrong") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := ca.ImportPKCS12([]byte("not a p12"), ""); platform.CodeOf(err) != platform.CodeInvalid {
		t.Errorf("garbage: %v", err)
	}
}

// A file made by OpenSSL, as a council's IT team would, imports too.
func TestPKCS12FromOpenSSL(t *testing.T) {
	signingtest.Need(t, "openssl")
	p := signingtest.NewPKI(t)
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(p.Council.Key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		os.WriteFile(f, b, 0o600)
		return f
	}
	key := write("key.pem", pemBlock("PRIVATE KEY", keyDER))
	cert := write("cert.pem", signingtest.PEM(p.Council.Chain[0]))
	root := write("root.pem", signingtest.PEM(p.CA.Cert))
	out := filepath.Join(dir, "council.p12")
	if b, err := exec.Command("openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-certfile", root, "-passout", "pass:s3cret", "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, b)
	}
	b, _ := os.ReadFile(out)
	got, err := ca.ImportPKCS12(b, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Chain) != 2 || !got.Chain[0].Equal(p.Council.Chain[0]) {
		t.Fatalf("chain %v", got.Chain)
	}
}
