package pades_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/verify"
)

// A second signer's filled-in fields and drawn signature are written in
// the revision their signature covers: pdftotext reads the values where
// the fields are, pdfimages finds the drawing, pdfsig finds every
// signature valid, qpdf is content, and dbtp's verifier counts the values
// as a permitted change for the first signature; the same fields added
// without a signature are not.
func TestFilledFieldsAndDrawnSignature(t *testing.T) {
	signingtest.Need(t, "pdftotext", "pdfimages", "qpdf")
	p := signingtest.NewPKI(t)
	ctx := context.Background()
	first, err := pades.Sign(ctx, signingtest.Contract(t, 2), pades.Options{Credential: p.Signer(t, "Alice Supplier")})
	if err != nil {
		t.Fatal(err)
	}
	company := [4]float64{300, 160, 450, 180}
	date := [4]float64{300, 100, 400, 120}
	tick := [4]float64{300, 200, 314, 214}
	note := [4]float64{72, 300, 200, 330}
	fills := []pades.Fill{
		{Name: "Company number", Page: 2, Rect: company, Text: "01234567"},
		{Name: "Date signed", Page: 2, Rect: date, Text: "3 March 2026"},
		{Name: "I have read the terms", Page: 2, Rect: tick, Text: "yes", Checkbox: true},
		{Name: "Delivery note", Page: 1, Rect: note, Text: "Deliver to the depot at Maidstone, gate 2, before noon on weekdays"},
	}
	look := &pades.Appearance{Page: 2, Rect: [4]float64{72, 90, 272, 150}, Lines: []string{"Bob Officer", "Signed electronically"}, Image: signingtest.Drawing(300, 100)}
	second, err := pades.Sign(ctx, first.PDF, pades.Options{Credential: p.Signer(t, "Bob Officer"), FieldName: "Officer", Appearance: look, Fills: fills})
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
		if !s.Valid || len(s.ChangedSince) > 0 {
			t.Errorf("%s: valid %v, changed since %v", s.Field, s.Valid, s.ChangedSince)
		}
	}

	for _, c := range []struct {
		page int
		box  [4]float64
		want string
	}{{2, company, "01234567"}, {2, date, "3 March 2026"}, {2, tick, "\u2714"}, {1, note, "Maidstone"}, {2, look.Rect, "Bob Officer"}} {
		if got := signingtest.WordsIn(t, sealed, c.page, c.box); !strings.Contains(got, c.want) {
			t.Errorf("page %d at %v: pdftotext reads %q, want %q", c.page, c.box, got, c.want)
		}
	}
	// The value is where its field is, not elsewhere on the page.
	if got := signingtest.WordsIn(t, sealed, 2, date); got != "3 March 2026" {
		t.Errorf("the date's box shows %q", got)
	}
	if got := signingtest.ImagesOn(t, sealed, 2); strings.Join(got, ", ") != "image 300 100, smask 300 100" {
		t.Errorf("pdfimages finds on page 2 %q, not the drawn signature", got)
	}
	if got := signingtest.ImagesOn(t, sealed, 1); len(got) != 0 {
		t.Errorf("images on page 1: %q", got)
	}

	// The same kind of field added later without a signature is a change.
	size := signingtest.Size(t, sealed)
	page1 := signingtest.Object(t, sealed, 3)
	if !strings.Contains(page1, "/Annots [") {
		t.Fatalf("page 1 has no annotations: %s", page1)
	}
	forged := signingtest.AppendObjects(t, sealed, map[int]string{
		size:     fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /Ff 1 /T (Price) /V (1 pound) /F 4 /Rect [72 400 200 420] /AP << /N %d 0 R >> >>", size+1),
		size + 1: "<< /Type /XObject /Subtype /Form /BBox [0 0 128 20] /Length 0 >>\nstream\n\nendstream",
		3:        strings.Replace(page1, "/Annots [", fmt.Sprintf("/Annots [%d 0 R ", size), 1),
	})
	rep, err = verify.Verify(forged, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if seal := rep.Signatures[2]; rep.SealedByCouncil || len(seal.ChangedSince) != 1 || !strings.Contains(seal.ChangedSince[0], "annotation other than a signature") {
		t.Errorf("a field added after the seal: %+v", seal)
	}
}
