// Package signingtest sets up what the signing packages' tests share: an
// internal CA with a council certificate, a time-stamping authority on a
// loopback port (dbtp's own, or OpenSSL's behind a small handler), contract
// PDFs made with fpdf, and the independent checkers pdfsig and qpdf.
package signingtest

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/tsa"
	"github.com/go-pdf/fpdf"
)

// PKI is a demo certificate authority with the credentials tests sign with.
type PKI struct {
	CA      *ca.Authority
	Council *ca.Credential // the council's sealing certificate
	TSA     *ca.Credential // the time-stamping authority's certificate
	TSAURL  string         // dbtp's own TSA, serving on 127.0.0.1
	Roots   *x509.CertPool
}

// NewPKI makes a CA, a council certificate, a TSA certificate and starts
// dbtp's TSA on a loopback port for the length of the test.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	now := time.Now()
	auth, err := ca.New("Exampleshire Test Root", now)
	if err != nil {
		t.Fatal(err)
	}
	council, err := auth.IssueDocumentSigning(pkix.Name{CommonName: "Exampleshire County Council", Organization: []string{"Exampleshire County Council"}, Country: []string{"GB"}}, now.Add(-time.Hour), now.AddDate(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	tsaCred, err := auth.IssueTimestamping(pkix.Name{CommonName: "Exampleshire Test TSA"}, now.Add(-time.Hour), now.AddDate(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&tsa.Server{Cert: tsaCred.Chain[0], Key: tsaCred.Key})
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(auth.Cert)
	return &PKI{CA: auth, Council: council, TSA: tsaCred, TSAURL: srv.URL, Roots: roots}
}

// Signer issues a document-signing certificate for a person, as a signer's
// step would use.
func (p *PKI) Signer(t testing.TB, name string) *ca.Credential {
	t.Helper()
	now := time.Now()
	c, err := p.CA.IssueDocumentSigning(pkix.Name{CommonName: name}, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// CRL is the CA's current CRL.
func (p *PKI) CRL(t testing.TB) []byte {
	t.Helper()
	crl, err := p.CA.CRL(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

// Contract makes a contract of the given number of pages, with text on each.
func Contract(t testing.TB, pages int) []byte {
	t.Helper()
	return NumberedContract(t, pages, 17)
}

// NumberedContract is Contract with its number (CT-2026-n) on every page,
// so contracts of different numbers are different documents.
func NumberedContract(t testing.TB, pages, n int) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetFont("Helvetica", "", 11)
	for i := 1; i <= pages; i++ {
		f.AddPage()
		f.SetFont("Helvetica", "B", 14)
		f.Cell(0, 10, fmt.Sprintf("Supply contract CT-2026-%03d, page %d of %d", n, i, pages))
		f.Ln(12)
		f.SetFont("Helvetica", "", 11)
		for j := 0; j < 12; j++ {
			f.MultiCell(0, 5, fmt.Sprintf("Clause %d.%d. The supplier shall deliver the goods described in schedule %d to the council's depot within the period agreed, and the council shall pay the price within thirty days of a valid invoice.", i, j+1, j%4+1), "", "", false)
			f.Ln(2)
		}
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Need skips the test when a command is missing, unless CI is set, where the
// CI script installs it and its absence is a failure.
func Need(t testing.TB, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (Debian packages poppler-utils, qpdf, openssl, libnss3-tools)", c)
			}
			t.Skipf("%s is not installed", c)
		}
	}
}

// WriteTemp writes b to a file in a test's temporary folder.
func WriteTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// PDFSig runs poppler's pdfsig on doc with an NSS database that trusts the
// test root, and returns its output (it exits non-zero on invalid signatures,
// which the caller judges from the output).
func (p *PKI) PDFSig(t testing.TB, doc []byte) string {
	t.Helper()
	Need(t, "pdfsig", "certutil")
	dir := t.TempDir()
	root := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.CA.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "certutil", "-N", "-d", "sql:"+dir, "--empty-password")
	run(t, "certutil", "-A", "-d", "sql:"+dir, "-n", "test-root", "-t", "CT,C,C", "-i", root)
	file := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+dir, file).CombinedOutput()
	return string(out)
}

// QPDFCheck runs qpdf --check on doc and fails the test on a problem.
func QPDFCheck(t testing.TB, doc []byte) {
	t.Helper()
	Need(t, "qpdf")
	file := WriteTemp(t, "check.pdf", doc)
	out, err := exec.Command("qpdf", "--check", file).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// ServeFunc starts an HTTP server on a loopback port for the test.
func ServeFunc(t testing.TB, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
