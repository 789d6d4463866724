package verify_test

import (
	"context"
	"encoding/json"
	"testing"

	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/signing/verify"
)

func TestSmokeVerify(t *testing.T) {
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
	rep, err := verify.Verify(res3.PDF, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(rep, "", "  ")
	t.Log(string(b))
}
