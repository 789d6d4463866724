package verify_test

import (
	"context"
	"fmt"
	"os/exec"
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

func seal(t *testing.T, p *signingtest.PKI, doc []byte) []byte {
	t.Helper()
	res, err := pades.Sign(context.Background(), doc, pades.Options{Credential: p.Council, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(t)), Reason: "Sealed"})
	if err != nil {
		t.Fatal(err)
	}
	return res.PDF
}

func signAs(t *testing.T, cred *ca.Credential, doc []byte, field string) []byte {
	t.Helper()
	res, err := pades.Sign(context.Background(), doc, pades.Options{Credential: cred, FieldName: field})
	if err != nil {
		t.Fatal(err)
	}
	return res.PDF
}

func TestUnsignedDocument(t *testing.T) {
	rep, err := verify.Verify(signingtest.Contract(t, 1), verify.Options{})
	if err != nil || len(rep.Signatures) != 0 || rep.SealedByCouncil {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestTrust(t *testing.T) {
	p := signingtest.NewPKI(t)
	sealed := seal(t, p, signingtest.Contract(t, 1))
	other := signingtest.NewPKI(t)

	rep, err := verify.Verify(sealed, verify.Options{Roots: other.Roots, Council: other.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if !s.Intact || s.ChainTrusted || s.Valid || rep.SealedByCouncil || s.Timestamp.Trusted {
		t.Errorf("another council's roots: %+v", s)
	}
	rep, _ = verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: other.Council.Chain[:1]})
	if !rep.Signatures[0].Valid || rep.SealedByCouncil {
		t.Errorf("trusted but another council: %+v", rep)
	}
	rep, _ = verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if !rep.SealedByCouncil {
		t.Errorf("this council: %+v", rep)
	}
}

// A signer whose certificate was revoked before the seal: the CRL the seal
// embeds says so, and the report does too.
func TestRevokedSigner(t *testing.T) {
	p := signingtest.NewPKI(t)
	alice := p.Signer(t, "Alice")
	signed := signAs(t, alice, signingtest.Contract(t, 1), "")
	p.CA.Revoke(alice.Chain[0].SerialNumber, time.Now().Add(-time.Second))
	sealed := seal(t, p, signed)
	rep, err := verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	a, c := rep.Signatures[0], rep.Signatures[1]
	if a.Revocation != "revoked" || a.Valid || a.RevokedAt.IsZero() {
		t.Errorf("alice: %+v", a)
	}
	if c.Revocation != "good" || !c.Valid || !rep.SealedByCouncil {
		t.Errorf("council: %+v", c)
	}
}

// A box placed for a signature (as the envelope editor will) is signed in
// place, and that counts as a permitted change for the signatures before.
func TestSignPlacedField(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 2)
	officer := signAs(t, p.Signer(t, "Bob Officer"), doc, "Officer")

	// Place a visible, unsigned field for the supplier as its own update.
	size, root := signingtest.Size(t, officer), signingtest.RootID(t, officer)
	page := signingtest.Object(t, officer, 3)
	catalog := signingtest.Object(t, officer, root)
	formRef := strings.SplitN(strings.SplitN(catalog, "/AcroForm ", 2)[1], " R", 2)[0]
	var formID int
	fmt.Sscanf(formRef, "%d", &formID)
	form := signingtest.Object(t, officer, formID)
	placed := signingtest.AppendObjects(t, officer, map[int]string{
		size:   "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Supplier) /Rect [72 72 272 122] /F 4 /P 3 0 R >>",
		3:      strings.Replace(page, "<<", fmt.Sprintf("<< /Annots [%d 0 R]", size), 1),
		formID: strings.Replace(form, "/Fields [", fmt.Sprintf("/Fields [%d 0 R ", size), 1),
	})
	rep, err := verify.Verify(placed, verify.Options{Roots: p.Roots})
	if err != nil || !rep.Signatures[0].Valid {
		t.Fatalf("placing a signature box is a permitted change: %+v %v", rep.Signatures, err)
	}

	supplier := signAs(t, p.Signer(t, "Sam Supplier"), placed, "Supplier")
	d, err := pades.Inspect(supplier, 0)
	if err != nil || len(d.Fields) != 2 || d.Signatures != 2 {
		t.Fatalf("fields %+v, %v", d, err)
	}
	sealed := seal(t, p, supplier)
	signingtest.QPDFCheck(t, sealed)
	out := p.PDFSig(t, sealed)
	if strings.Count(out, "Signature is Valid.") != 3 {
		t.Fatalf("pdfsig:\n%s", out)
	}
	rep, err = verify.Verify(sealed, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Signatures {
		if !s.Valid {
			t.Errorf("%s: %+v", s.Field, s)
		}
	}
	if rep.Signatures[1].Field != "Supplier" || !rep.SealedByCouncil {
		t.Errorf("%+v", rep)
	}

	// A note added to a page after the seal is not a permitted change.
	noted := signingtest.AppendObjects(t, sealed, map[int]string{
		signingtest.Size(t, sealed): "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (paid in full) >>",
		3:                           strings.Replace(signingtest.Object(t, sealed, 3), "/Annots [", fmt.Sprintf("/Annots [%d 0 R ", signingtest.Size(t, sealed)), 1),
	})
	rep, _ = verify.Verify(noted, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if rep.SealedByCouncil || len(rep.Signatures[2].ChangedSince) != 1 || !strings.Contains(rep.Signatures[2].ChangedSince[0], "annotation other than a signature") {
		t.Errorf("a note after sealing: %+v", rep.Signatures[2])
	}
}

func TestUnreadable(t *testing.T) {
	doc := signingtest.Contract(t, 1)
	if _, err := verify.Verify(doc, verify.Options{MaxSize: 100}); platform.CodeOf(err) != platform.CodeTooLarge {
		t.Errorf("too large: %v", err)
	}
	if _, err := verify.Verify([]byte("%PDF-1.4\ngarbage"), verify.Options{}); platform.CodeOf(err) != platform.CodeInvalid {
		t.Errorf("garbage: %v", err)
	}
	signingtest.Need(t, "qpdf")
	in := signingtest.WriteTemp(t, "in.pdf", doc)
	if b, err := exec.Command("qpdf", "--encrypt", "", "owner", "256", "--", in, in+".enc").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, b)
	}
	if _, err := verify.Verify(readFile(t, in+".enc"), verify.Options{}); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted: %v", err)
	}
}

// The seal embeds validation data for the earlier signers too, even when
// their certificates come from another authority.
func TestSealCarriesEarlierSignersData(t *testing.T) {
	p := signingtest.NewPKI(t)
	outside := signingtest.NewPKI(t) // the supplier's own CA
	signed := signAs(t, outside.Signer(t, "Sam Supplier"), signingtest.Contract(t, 1), "")
	res, err := pades.Sign(context.Background(), signed, pades.Options{Credential: p.Council, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(t), outside.CRL(t))})
	if err != nil {
		t.Fatal(err)
	}
	roots := p.Roots.Clone()
	roots.AddCert(outside.CA.Cert)
	before, _ := verify.Verify(signed, verify.Options{Roots: roots})
	after, err := verify.Verify(res.PDF, verify.Options{Roots: roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if before.Signatures[0].Revocation != "unknown" || after.Signatures[0].Revocation != "good" || !after.Signatures[0].Valid || !after.SealedByCouncil {
		t.Errorf("before %+v\nafter %+v", before.Signatures[0], after.Signatures[0])
	}
}
