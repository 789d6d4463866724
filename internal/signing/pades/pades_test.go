package pades_test

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/signing/verify"
)

// signAll has two people sign in turn, then the council seal (B-LT).
func signAll(t *testing.T, p *signingtest.PKI, doc []byte, tsaURL string) [][]byte {
	t.Helper()
	ctx := context.Background()
	steps := [][]byte{doc}
	for _, who := range []string{"Alice Supplier", "Bob Officer"} {
		res, err := pades.Sign(ctx, steps[len(steps)-1], pades.Options{
			Credential: p.Signer(t, who), Level: pades.LevelBT, TSA: &tsa.Client{URL: tsaURL},
			Name: who, Reason: "I agree to the terms of this contract", Location: "Exampleshire",
		})
		if err != nil {
			t.Fatalf("%s signing: %v", who, err)
		}
		steps = append(steps, res.PDF)
	}
	res, err := pades.Sign(ctx, steps[len(steps)-1], pades.Options{
		Credential: p.Council, Level: pades.LevelBLT, TSA: &tsa.Client{URL: tsaURL},
		Revocation: pades.CRLs(p.CRL(t)), Reason: "Sealed by Exampleshire County Council",
	})
	if err != nil {
		t.Fatalf("sealing: %v", err)
	}
	return append(steps, res.PDF)
}

// assertPDFSig checks that poppler's pdfsig finds want signatures, every one
// valid and trusted.
func assertPDFSig(t *testing.T, p *signingtest.PKI, doc []byte, want int) string {
	t.Helper()
	out := p.PDFSig(t, doc)
	if got := strings.Count(out, "Signature Validation: Signature is Valid."); got != want {
		t.Fatalf("pdfsig finds %d valid signatures, want %d:\n%s", got, want, out)
	}
	if got := strings.Count(out, "Certificate Validation: Certificate is Trusted."); got != want {
		t.Fatalf("pdfsig trusts %d certificates, want %d:\n%s", got, want, out)
	}
	if strings.Count(out, "Signature Type: ETSI.CAdES.detached") != want {
		t.Fatalf("pdfsig does not see PAdES signatures:\n%s", out)
	}
	return out
}

func TestTwoSignersThenSeal(t *testing.T) {
	p := signingtest.NewPKI(t)
	steps := signAll(t, p, signingtest.Contract(t, 5), p.TSAURL)
	for i, doc := range steps[1:] {
		signingtest.QPDFCheck(t, doc)
		out := assertPDFSig(t, p, doc, i+1)
		// Until the seal's DSS update, the last signature covers the whole file.
		if last := out[strings.LastIndex(out, "Signature #"):]; i < 2 && !strings.Contains(last, "Total document signed") {
			t.Errorf("step %d: pdfsig does not see the last signature covering the document:\n%s", i+1, out)
		}
		if !bytes.HasPrefix(doc, steps[i]) {
			t.Fatalf("step %d rewrote earlier bytes instead of appending", i+1)
		}
	}
	sealed := steps[3]
	rep, err := verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 3 || !rep.SealedByCouncil {
		t.Fatalf("report: %d signatures, sealed %v", len(rep.Signatures), rep.SealedByCouncil)
	}
	wantSigner := []string{"Alice Supplier", "Bob Officer", "Exampleshire County Council"}
	for i, s := range rep.Signatures {
		if !s.Valid || s.Signer != wantSigner[i] || len(s.ChangedSince) > 0 || s.Revocation != "good" || s.Timestamp == nil || !s.Timestamp.Trusted {
			t.Errorf("signature %d: %+v", i+1, s)
		}
		if time.Since(s.Claimed) > time.Minute || s.Timestamp.Time.Sub(s.Claimed) > time.Minute {
			t.Errorf("signature %d: claimed %v, timestamp %v", i+1, s.Claimed, s.Timestamp.Time)
		}
		if s.SealedByCouncil != (i == 2) {
			t.Errorf("signature %d: sealed by council %v", i+1, s.SealedByCouncil)
		}
	}
	// The seal's DSS holds the signers' validation data too, so every
	// timestamped signature reaches B-LT; before the seal they were B-T.
	for i, s := range rep.Signatures {
		if s.Level != "PAdES-B-LT" {
			t.Errorf("signature %d: level %s", i+1, s.Level)
		}
	}
	if rep, _ := verify.Verify(steps[2], verify.Options{Roots: p.Roots}); rep.Signatures[1].Level != "PAdES-B-T" {
		t.Errorf("before the seal: level %s", rep.Signatures[1].Level)
	}
	d, err := pades.Inspect(sealed, 0)
	if err != nil || d.Pages != 5 || d.Signatures != 3 {
		t.Fatalf("Inspect: %+v, %v", d, err)
	}
}

// A document whose cross-reference is a stream (PDF 1.5 object streams, as
// most producers write today) gets its updates as streams too.
func TestXrefStreamDocument(t *testing.T) {
	signingtest.Need(t, "qpdf")
	p := signingtest.NewPKI(t)
	in := signingtest.WriteTemp(t, "in.pdf", signingtest.Contract(t, 3))
	out := in + ".os.pdf"
	if b, err := exec.Command("qpdf", "--object-streams=generate", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, b)
	}
	doc := readFile(t, out)
	if !bytes.Contains(doc, []byte("/XRef")) {
		t.Fatal("qpdf did not write a cross-reference stream")
	}
	steps := signAll(t, p, doc, p.TSAURL)
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
}

// The timestamps come from an independent authority: OpenSSL's.
func TestOpenSSLTimestamps(t *testing.T) {
	p := signingtest.NewPKI(t)
	url := signingtest.OpenSSLTSA(t, p.TSA)
	steps := signAll(t, p, signingtest.Contract(t, 2), url)
	sealed := steps[len(steps)-1]
	assertPDFSig(t, p, sealed, 3)
	rep, err := verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Signatures {
		if !s.Valid || s.Timestamp == nil || !s.Timestamp.Trusted || s.Timestamp.TSA != "Exampleshire Test TSA" {
			t.Errorf("%s: %+v %+v", s.Field, s, s.Timestamp)
		}
	}
}

func TestTamperingAfterSealing(t *testing.T) {
	p := signingtest.NewPKI(t)
	steps := signAll(t, p, signingtest.Contract(t, 2), p.TSAURL)
	sealed := steps[len(steps)-1]

	t.Run("bytes changed inside the signed range", func(t *testing.T) {
		doc := bytes.Clone(sealed)
		i := bytes.Index(doc, []byte("/MediaBox [0 0 595.28 841.89]"))
		if i < 0 {
			i = bytes.Index(doc, []byte("/Type /Pages"))
		}
		doc[i+2] ^= 0x20 // /type instead of /Type, or the like
		out := p.PDFSig(t, doc)
		if strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Digest Mismatch") && !strings.Contains(out, "Signature is Invalid") {
			t.Errorf("pdfsig does not see the change:\n%s", out)
		}
		rep, err := verify.Verify(doc, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
		if err != nil {
			t.Fatal(err)
		}
		if rep.SealedByCouncil {
			t.Error("a changed document still counts as sealed")
		}
		for _, s := range rep.Signatures {
			if s.Intact || s.Valid {
				t.Errorf("%s still intact: %+v", s.Field, s)
			}
		}
	})

	t.Run("a page changed by an incremental update", func(t *testing.T) {
		page := signingtest.Object(t, sealed, 3)
		doc := signingtest.AppendRevision(t, sealed, 3, strings.Replace(page, "<<", "<< /Rotate 180", 1))
		signingtest.QPDFCheck(t, doc)
		out := p.PDFSig(t, doc)
		if strings.Contains(out, "Total document signed") {
			t.Errorf("pdfsig says a signature covers the changed document:\n%s", out)
		}
		rep, err := verify.Verify(doc, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
		if err != nil {
			t.Fatal(err)
		}
		if rep.SealedByCouncil {
			t.Error("a changed document still counts as sealed")
		}
		for _, s := range rep.Signatures {
			if !s.Intact || s.Valid || len(s.ChangedSince) == 0 || !strings.Contains(s.ChangedSince[0], "Rotate") {
				t.Errorf("%s: intact %v valid %v changes %q", s.Field, s.Intact, s.Valid, s.ChangedSince)
			}
		}
	})
}

func TestRefusals(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 1)
	ctx := context.Background()
	sign := func(doc []byte, o pades.Options) error {
		if o.Credential == nil {
			o.Credential = p.Council
		}
		_, err := pades.Sign(ctx, doc, o)
		return err
	}
	expect := func(t *testing.T, err error, code platform.Code, words string) {
		t.Helper()
		if err == nil || platform.CodeOf(err) != code || !strings.Contains(platform.AsError(err).Message, words) {
			t.Fatalf("got %v (code %s), want %s mentioning %q", err, platform.CodeOf(err), code, words)
		}
	}
	t.Run("encrypted", func(t *testing.T) {
		signingtest.Need(t, "qpdf")
		in := signingtest.WriteTemp(t, "plain.pdf", doc)
		for _, pw := range []string{"secret", ""} {
			out := in + ".enc.pdf"
			if b, err := exec.Command("qpdf", "--encrypt", pw, "owner", "256", "--", in, out).CombinedOutput(); err != nil {
				t.Fatalf("qpdf: %v\n%s", err, b)
			}
			expect(t, sign(readFile(t, out), pades.Options{}), platform.CodeInvalid, "encrypted")
		}
	})
	t.Run("malformed", func(t *testing.T) {
		expect(t, sign([]byte("hello, this is not a PDF"), pades.Options{}), platform.CodeInvalid, "not a PDF")
		expect(t, sign(doc[:len(doc)/2], pades.Options{}), platform.CodeInvalid, "damaged")
		broken := bytes.Replace(bytes.Clone(doc), []byte("xref"), []byte("xxxx"), 1)
		expect(t, sign(broken, pades.Options{}), platform.CodeInvalid, "damaged")
		noPages := bytes.Replace(bytes.Clone(doc), []byte("/Pages 1 0 R"), []byte("/Pagez 1 0 R"), 1)
		expect(t, sign(noPages, pades.Options{}), platform.CodeInvalid, "damaged")
	})
	t.Run("too large", func(t *testing.T) {
		expect(t, sign(doc, pades.Options{MaxSize: 1 << 10}), platform.CodeTooLarge, "largest accepted")
	})
	t.Run("expired certificate", func(t *testing.T) {
		old, err := p.CA.IssueDocumentSigning(pkix.Name{CommonName: "Old Seal"}, time.Now().AddDate(-2, 0, 0), time.Now().AddDate(0, 0, -1))
		if err != nil {
			t.Fatal(err)
		}
		expect(t, sign(doc, pades.Options{Credential: old}), platform.CodeInvalid, "expired")
	})
	t.Run("revoked certificate", func(t *testing.T) {
		bad := p.Signer(t, "Mallory")
		p.CA.Revoke(bad.Chain[0].SerialNumber, time.Now().Add(-time.Minute))
		expect(t, sign(doc, pades.Options{Credential: bad, Revocation: pades.CRLs(p.CRL(t))}), platform.CodeInvalid, "revoked")
	})
	t.Run("B-LT without revocation data", func(t *testing.T) {
		expect(t, sign(doc, pades.Options{Level: pades.LevelBLT, TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs()}), platform.CodeInvalid, "no current CRL")
		expect(t, sign(doc, pades.Options{Level: pades.LevelBT}), platform.CodeInvalid, "time-stamping authority")
	})
	t.Run("field already signed", func(t *testing.T) {
		res, err := pades.Sign(ctx, doc, pades.Options{Credential: p.Council, FieldName: "Seal"})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, sign(res.PDF, pades.Options{FieldName: "Seal"}), platform.CodeConflict, "already signed")
	})
}

// A TSA that is down yields a temporary error: the caller keeps the
// document as it was and tries again later.
func TestTSADown(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 1)
	down := signingtest.ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	for _, url := range []string{down, "http://127.0.0.1:1/tsa"} {
		_, err := pades.Sign(context.Background(), doc, pades.Options{Credential: p.Council, Level: pades.LevelBT, TSA: &tsa.Client{URL: url, Attempts: 2, Backoff: time.Millisecond}})
		var temp *tsa.TemporaryError
		if !errors.As(err, &temp) || !tsa.IsTemporary(err) || temp.Attempts != 2 {
			t.Fatalf("%s: got %v, want a temporary error after 2 attempts", url, err)
		}
	}
}

func TestInspect(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 4)
	d, err := pades.Inspect(doc, 0)
	if err != nil || d.Pages != 4 || d.Signatures != 0 {
		t.Fatalf("%+v %v", d, err)
	}
	res, err := pades.Sign(context.Background(), doc, pades.Options{Credential: p.Council, FieldName: "Supplier's signature"})
	if err != nil {
		t.Fatal(err)
	}
	d, err = pades.Inspect(res.PDF, 0)
	if err != nil || d.Signatures != 1 || len(d.Fields) != 1 || d.Fields[0] != "Supplier's signature" {
		t.Fatalf("%+v %v", d, err)
	}
}

// Damaged input must give an error, never a panic.
func FuzzInspect(f *testing.F) {
	doc := signingtest.Contract(f, 1)
	p := signingtest.NewPKI(f)
	sealed, err := pades.Sign(context.Background(), doc, pades.Options{Credential: p.Council, Level: pades.LevelBLT, TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(f))})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed.PDF)
	f.Add(doc)
	f.Add(doc[:len(doc)-40])
	f.Add(bytes.Replace(doc, []byte("/Root"), []byte("/Rooz"), 1))
	f.Add(bytes.Replace(doc, []byte("/Kids ["), []byte("/Kids [1 0 R "), 1))
	f.Add([]byte("%PDF-1.7\n%%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = pades.Inspect(b, 0)
		_, _ = verify.Verify(b, verify.Options{Roots: p.Roots})
	})
}

// A document timestamp after the seal (B-LTA) is verified as such and is a
// permitted change for the signatures before it.
func TestDocumentTimestamp(t *testing.T) {
	p := signingtest.NewPKI(t)
	steps := signAll(t, p, signingtest.Contract(t, 2), p.TSAURL)
	archived, err := pades.Timestamp(context.Background(), steps[len(steps)-1], &tsa.Client{URL: p.TSAURL}, 0)
	if err != nil {
		t.Fatal(err)
	}
	signingtest.QPDFCheck(t, archived)
	rep, err := verify.Verify(archived, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 4 || !rep.SealedByCouncil {
		t.Fatalf("%+v", rep)
	}
	for _, s := range rep.Signatures {
		if !s.Valid {
			t.Errorf("%s: %+v", s.Field, s)
		}
	}
	ts := rep.Signatures[3]
	if ts.SubFilter != "ETSI.RFC3161" || ts.Signer != "Exampleshire Test TSA" || !ts.CoversWholeFile || ts.Timestamp == nil || !ts.Timestamp.Trusted {
		t.Errorf("document timestamp: %+v", ts)
	}
	out := p.PDFSig(t, archived)
	if strings.Count(out, "Signature is Valid.") < 3 || strings.Contains(out, "Signature is Invalid") {
		t.Errorf("pdfsig:\n%s", out)
	}
	t.Log(out[strings.LastIndex(out, "Signature #"):])
}
