package pades_test

import (
	"context"
	"os"
	"testing"

	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
)

func TestSmoke(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := signingtest.Contract(t, 3)
	ctx := context.Background()
	res, err := pades.Sign(ctx, doc, pades.Options{Credential: p.Signer(t, "Alice Supplier"), Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := pades.Sign(ctx, res.PDF, pades.Options{Credential: p.Signer(t, "Bob Officer"), Level: pades.LevelBT, TSA: &tsa.Client{URL: p.TSAURL}})
	if err != nil {
		t.Fatal(err)
	}
	res3, err := pades.Sign(ctx, res2.PDF, pades.Options{Credential: p.Council, Level: pades.LevelBLT, TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(t)), Reason: "Sealed"})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/padessmoke/out.pdf", res3.PDF, 0o644)
	t.Log(p.PDFSig(t, res3.PDF))
	signingtest.QPDFCheck(t, res3.PDF)
}
