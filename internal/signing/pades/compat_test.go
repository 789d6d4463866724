package pades_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/signing/verify"
)

// Documents as other producers write them: linearized ("fast web view"),
// with object streams, or as PDF 1.7 rewritten by qpdf. Each is signed twice
// and sealed; pdfsig, qpdf and our verifier must all accept the result.
func TestOtherProducers(t *testing.T) {
	signingtest.Need(t, "qpdf")
	p := signingtest.NewPKI(t)
	in := signingtest.WriteTemp(t, "in.pdf", signingtest.Contract(t, 3))
	for name, args := range map[string][]string{
		"linearized":                  {"--linearize"},
		"linearized with obj streams": {"--linearize", "--object-streams=generate"},
		"qdf":                         {"--qdf", "--object-streams=disable"},
		"pdf-1.7 compressed":          {"--force-version=1.7", "--compress-streams=y", "--object-streams=preserve"},
	} {
		t.Run(name, func(t *testing.T) {
			out := in + ".out.pdf"
			if b, err := exec.Command("qpdf", append(args, in, out)...).CombinedOutput(); err != nil {
				t.Fatalf("qpdf: %v\n%s", err, b)
			}
			steps := signAll(t, p, readFile(t, out), p.TSAURL)
			sealed := steps[len(steps)-1]
			signingtest.QPDFCheck(t, sealed)
			assertPDFSig(t, p, sealed, 3)
			rep, err := verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
			if err != nil || !rep.SealedByCouncil {
				t.Fatalf("verify: %+v, %v", rep, err)
			}
			for _, s := range rep.Signatures {
				if !s.Valid {
					t.Errorf("%s: %+v", s.Field, s)
				}
			}
		})
	}
}

// A form that already has other fields keeps them, with its own entries,
// when the form is written inside the catalog (as some producers do).
func TestExistingForm(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 1)
	size, root := signingtest.Size(t, doc), signingtest.RootID(t, doc)
	catalog := signingtest.Object(t, doc, root)
	doc = signingtest.AppendObjects(t, doc, map[int]string{
		size: "<< /FT /Tx /T (Supplier name) /V (Acme Ltd) /Rect [72 700 300 720] /Type /Annot /Subtype /Widget /P 3 0 R >>",
		root: strings.Replace(catalog, "<<", fmt.Sprintf("<< /AcroForm << /Fields [%d 0 R] /DA (/Helv 0 Tf 0 g) /NeedAppearances true >>", size), 1),
	})
	d, err := pades.Inspect(doc, 0)
	if err != nil || len(d.Fields) != 0 {
		t.Fatalf("%+v %v", d, err)
	}
	steps := signAll(t, p, doc, p.TSAURL)
	sealed := steps[len(steps)-1]
	signingtest.QPDFCheck(t, sealed)
	assertPDFSig(t, p, sealed, 3)
	for _, want := range []string{"/DA", "/NeedAppearances true", fmt.Sprintf("/Fields [%d 0 R ", size)} {
		if !bytes.Contains(sealed[len(doc):], []byte(want)) {
			t.Errorf("the signed form lost %q", want)
		}
	}
	rep, err := verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil || !rep.SealedByCouncil {
		t.Fatalf("%+v %v", rep, err)
	}
}

// Councils' own certificates are often RSA.
func TestRSAKey(t *testing.T) {
	p := signingtest.NewPKI(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "Exampleshire RSA Seal"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA.Cert, key.Public(), p.CA.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	cred := &ca.Credential{Key: key, Chain: []*x509.Certificate{cert, p.CA.Cert}}
	res, err := pades.Sign(context.Background(), signingtest.Contract(t, 1), pades.Options{Credential: cred, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(t))})
	if err != nil {
		t.Fatal(err)
	}
	assertPDFSig(t, p, res.PDF, 1)
	rep, err := verify.Verify(res.PDF, verify.Options{Roots: p.Roots, Council: []*x509.Certificate{cert}})
	if err != nil || !rep.SealedByCouncil || rep.Signatures[0].Level != "PAdES-B-LT" {
		t.Fatalf("%+v %v", rep, err)
	}
}

// A visible signature added after another signature is a permitted change
// for it, and shows on the page.
func TestVisibleSignature(t *testing.T) {
	p := signingtest.NewPKI(t)
	ctx := context.Background()
	doc := signingtest.Contract(t, 2)
	first, err := pades.Sign(ctx, doc, pades.Options{Credential: p.Signer(t, "Alice Supplier")})
	if err != nil {
		t.Fatal(err)
	}
	look := &pades.Appearance{Page: 2, Rect: [4]float64{320, 60, 560, 130}, Lines: []string{"Signed by Bob Officer (café)", "Exampleshire County Council", time.Now().UTC().Format("2 January 2006 15:04 MST")}}
	second, err := pades.Sign(ctx, first.PDF, pades.Options{Credential: p.Signer(t, "Bob Officer"), Appearance: look, FieldName: "Officer"})
	if err != nil {
		t.Fatal(err)
	}
	sealed := seal(t, p, second.PDF)
	signingtest.QPDFCheck(t, sealed)
	assertPDFSig(t, p, sealed, 3)
	rep, err := verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil || !rep.SealedByCouncil {
		t.Fatalf("%+v %v", rep, err)
	}
	for _, s := range rep.Signatures {
		if !s.Valid {
			t.Errorf("%s: %+v", s.Field, s)
		}
	}
	signingtest.Need(t, "pdftotext")
	file := signingtest.WriteTemp(t, "visible.pdf", sealed)
	text, err := exec.Command("pdftotext", "-f", "2", "-l", "2", file, "-").CombinedOutput()
	if err != nil || !strings.Contains(string(text), "Signed by Bob Officer (café)") {
		t.Errorf("page 2 does not show the signature: %v\n%s", err, text)
	}
	if os.Getenv("DBTP_KEEP_PDF") != "" {
		os.WriteFile(os.Getenv("DBTP_KEEP_PDF"), sealed, 0o644)
	}

	for _, bad := range []pades.Appearance{{Page: 3, Rect: look.Rect}, {Page: 1, Rect: [4]float64{10, 10, 12, 12}}, {Page: 0, Rect: look.Rect}} {
		_, err := pades.Sign(ctx, doc, pades.Options{Credential: p.Council, Appearance: &bad})
		if platform.CodeOf(err) != platform.CodeInvalid {
			t.Errorf("appearance %+v: %v", bad, err)
		}
	}
}

func seal(t *testing.T, p *signingtest.PKI, doc []byte) []byte {
	t.Helper()
	res, err := pades.Sign(context.Background(), doc, pades.Options{Credential: p.Council, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(t))})
	if err != nil {
		t.Fatal(err)
	}
	return res.PDF
}

// OpenSSL checks our CAdES encoding independently of NSS: the CMS verifies
// over the byte ranges, and carries signing-certificate-v2 but no
// signing-time (PAdES keeps the time in /M).
func TestCMSCheckedByOpenSSL(t *testing.T) {
	signingtest.Need(t, "openssl")
	p := signingtest.NewPKI(t)
	res, err := pades.Sign(context.Background(), signingtest.Contract(t, 1), pades.Options{Credential: p.Council, Level: pades.LevelBT, TSA: &tsa.Client{URL: p.TSAURL}})
	if err != nil {
		t.Fatal(err)
	}
	var br [4]int
	m := regexp.MustCompile(`/ByteRange \[(\d+) (\d+) (\d+) (\d+)\s*\]`).FindSubmatch(res.PDF)
	for i := range br {
		br[i], _ = strconv.Atoi(string(m[i+1]))
	}
	signed := append(append([]byte(nil), res.PDF[br[0]:br[0]+br[1]]...), res.PDF[br[2]:br[2]+br[3]]...)
	sig := signingtest.WriteTemp(t, "sig.der", res.CMS)
	data := signingtest.WriteTemp(t, "data.bin", signed)
	root := signingtest.WriteTemp(t, "root.pem", signingtest.PEM(p.CA.Cert))
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", data, "-CAfile", root, "-purpose", "any", "-out", "/dev/null").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	dump, err := exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", sig).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"id-smime-aa-signingCertificateV2", "id-smime-aa-timeStampToken", "pkcs7-data"} {
		if !strings.Contains(string(dump), want) {
			t.Errorf("the CMS lacks %s", want)
		}
	}
	// Without a timestamp token (whose own attributes hold the TSA's time).
	bb, err := pades.Sign(context.Background(), signingtest.Contract(t, 1), pades.Options{Credential: p.Council})
	if err != nil {
		t.Fatal(err)
	}
	dump, err = exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", signingtest.WriteTemp(t, "bb.der", bb.CMS)).CombinedOutput()
	if err != nil || !strings.Contains(string(dump), "id-smime-aa-signingCertificateV2") || strings.Contains(string(dump), "signingTime") {
		t.Errorf("B-B signed attributes (want signing-certificate-v2, no signing-time): %v\n%s", err, dump)
	}
}

// A commercial TSA has its own CA: B-LT needs that CA's certificate (given
// as ExtraCerts) and a CRL for the TSA's certificate, and says so when not.
func TestTSAFromAnotherAuthority(t *testing.T) {
	p := signingtest.NewPKI(t)
	vendor := signingtest.NewPKI(t) // the TSA vendor's CA, TSA certificate and TSA
	doc := signingtest.Contract(t, 1)
	opts := pades.Options{Credential: p.Council, Level: pades.LevelBLT, TSA: &tsa.Client{URL: vendor.TSAURL}, Revocation: pades.CRLs(p.CRL(t), vendor.CRL(t))}
	// The token carries the TSA's certificate but not its issuer.
	if _, err := pades.Sign(context.Background(), doc, opts); platform.CodeOf(err) != platform.CodeInvalid || !strings.Contains(err.Error(), "issuer of the certificate \"Exampleshire Test TSA\" is not known") {
		t.Fatalf("without the vendor's CA: %v", err)
	}
	opts.ExtraCerts = []*x509.Certificate{vendor.CA.Cert}
	res, err := pades.Sign(context.Background(), doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	roots := p.Roots.Clone()
	roots.AddCert(vendor.CA.Cert)
	rep, err := verify.Verify(res.PDF, verify.Options{Roots: roots, Council: p.Council.Chain[:1]})
	if err != nil || !rep.SealedByCouncil || !rep.Signatures[0].Timestamp.Trusted {
		t.Fatalf("%+v %v", rep, err)
	}
	// Trusting only the council's root, the timestamp is not trusted.
	rep, _ = verify.Verify(res.PDF, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if rep.Signatures[0].Timestamp.Trusted || rep.Signatures[0].Valid {
		t.Errorf("a TSA from an untrusted CA: %+v", rep.Signatures[0].Timestamp)
	}
}
