package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/signing/verify"
	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// A signature made by another library (digitorus/pdfsign: the older
// adbe.pkcs7.detached form, revocation data in Adobe's attribute) is judged
// on its merits, and our seal on top of it leaves it valid.
func TestSignatureFromAnotherLibrary(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 2)
	other := p.Signer(t, "Olive Other")
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	data := sign.SignData{
		Signature:         sign.SignDataSignature{CertType: sign.ApprovalSignature, Info: sign.SignDataSignatureInfo{Name: "Olive", Date: time.Now()}},
		Signer:            other.Key,
		Certificate:       other.Chain[0],
		CertificateChains: [][]*x509.Certificate{other.Chain},
		TSA:               sign.TSA{URL: p.TSAURL},
	}
	if err := data.RevocationData.AddCRL(p.CRL(t)); err != nil {
		t.Fatal(err)
	}
	if err := sign.Sign(bytes.NewReader(doc), &out, r, int64(len(doc)), data); err != nil {
		t.Fatal(err)
	}
	// Alone, its revocation status can only come from its own attribute.
	rep, err := verify.Verify(out.Bytes(), verify.Options{Roots: p.Roots})
	if err != nil || len(rep.Signatures) != 1 || !rep.Signatures[0].Valid || rep.Signatures[0].Revocation != "good" {
		t.Fatalf("pdfsign's signature alone: %+v, %v", rep, err)
	}
	res, err := pades.Sign(context.Background(), out.Bytes(), pades.Options{Credential: p.Council, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(t))})
	if err != nil {
		t.Fatal(err)
	}
	signingtest.QPDFCheck(t, res.PDF)
	if out := p.PDFSig(t, res.PDF); bytes.Count([]byte(out), []byte("Signature is Valid.")) != 2 {
		t.Fatalf("pdfsig:\n%s", out)
	}
	rep, err = verify.Verify(res.PDF, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Signatures[0]
	if !o.Valid || o.SubFilter != "adbe.pkcs7.detached" || o.Level != "" || o.Revocation != "good" || o.Timestamp == nil || !o.Timestamp.Trusted {
		t.Errorf("pdfsign's signature: %+v", o)
	}
	if !rep.SealedByCouncil {
		t.Errorf("%+v", rep.Signatures[1])
	}
}

// A SHA-1 signature verifies mathematically but is not trusted today.
func TestWeakDigest(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 1)
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(doc), &out, r, int64(len(doc)), sign.SignData{
		Signature:       sign.SignDataSignature{CertType: sign.ApprovalSignature},
		Signer:          p.Council.Key,
		DigestAlgorithm: crypto.SHA1,
		Certificate:     p.Council.Chain[0],
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Verify(out.Bytes(), verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Intact || s.Valid || rep.SealedByCouncil || len(s.Problems) == 0 || !strings.Contains(s.Problems[0], "SHA-1") {
		t.Errorf("%+v", s)
	}
}
