package verify_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/signing/verify"
	"golang.org/x/crypto/ocsp"
)

// Revocation data may be OCSP responses instead of CRLs.
func TestOCSP(t *testing.T) {
	p := signingtest.NewPKI(t)
	status := map[string]int{}
	source := func(_ context.Context, cert, issuer *x509.Certificate) (pades.Revocation, error) {
		s, ok := status[cert.Subject.CommonName]
		if !ok {
			s = ocsp.Good
		}
		now := time.Now()
		der, err := ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: s, SerialNumber: cert.SerialNumber,
			ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour), RevokedAt: now.Add(-time.Minute)}, p.CA.Key)
		return pades.Revocation{OCSPs: [][]byte{der}}, err
	}
	res, err := pades.Sign(context.Background(), signingtest.Contract(t, 1), pades.Options{Credential: p.Council, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: p.TSAURL}, Revocation: source})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Verify(res.PDF, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil || rep.Signatures[0].Revocation != "good" || rep.Signatures[0].Level != "PAdES-B-LT" || !rep.SealedByCouncil {
		t.Fatalf("%+v %v", rep, err)
	}

	status["Exampleshire County Council"] = ocsp.Revoked
	_, err = pades.Sign(context.Background(), signingtest.Contract(t, 1), pades.Options{Credential: p.Council, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: p.TSAURL}, Revocation: source})
	if platform.CodeOf(err) != platform.CodeInvalid {
		t.Fatalf("revoked by OCSP: %v", err)
	}
}
