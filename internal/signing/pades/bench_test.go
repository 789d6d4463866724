package pades_test

import (
	"context"
	"testing"

	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/signing/verify"
)

// BenchmarkSeal20Pages seals a 20-page contract that two people have
// signed. B-B is the work of sealing alone; B-LT adds a round trip to the
// in-process TSA (whose own time BenchmarkTSARoundTrip measures) and the DSS.
func BenchmarkSeal20Pages(b *testing.B) {
	p := signingtest.NewPKI(b)
	ctx := context.Background()
	doc := signingtest.Contract(b, 20)
	for _, who := range []string{"Alice Supplier", "Bob Officer"} {
		res, err := pades.Sign(ctx, doc, pades.Options{Credential: p.Signer(b, who), Level: pades.LevelBT, TSA: &tsa.Client{URL: p.TSAURL}})
		if err != nil {
			b.Fatal(err)
		}
		doc = res.PDF
	}
	crl := p.CRL(b)
	b.Logf("contract: 20 pages, %d bytes with two signatures", len(doc))
	for _, level := range []pades.Level{pades.LevelBB, pades.LevelBLT} {
		b.Run(level.String(), func(b *testing.B) {
			opts := pades.Options{Credential: p.Council, Level: level, Revocation: pades.CRLs(crl)}
			if level > pades.LevelBB {
				opts.TSA = &tsa.Client{URL: p.TSAURL}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pades.Sign(ctx, doc, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTSARoundTrip(b *testing.B) {
	p := signingtest.NewPKI(b)
	c := &tsa.Client{URL: p.TSAURL}
	for b.Loop() {
		if _, err := c.Stamp(context.Background(), []byte("signature value"), 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify20Pages(b *testing.B) {
	p := signingtest.NewPKI(b)
	ctx := context.Background()
	doc := signingtest.Contract(b, 20)
	for _, cred := range []string{"Alice Supplier", "Bob Officer", ""} {
		o := pades.Options{Credential: p.Council, Level: pades.LevelBLT, TSA: &tsa.Client{URL: p.TSAURL}, Revocation: pades.CRLs(p.CRL(b))}
		if cred != "" {
			o = pades.Options{Credential: p.Signer(b, cred), Level: pades.LevelBT, TSA: o.TSA}
		}
		res, err := pades.Sign(ctx, doc, o)
		if err != nil {
			b.Fatal(err)
		}
		doc = res.PDF
	}
	for b.Loop() {
		rep, err := verify.Verify(doc, verify.Options{Roots: p.Roots, Council: p.Council.Chain[:1]})
		if err != nil || !rep.SealedByCouncil {
			b.Fatal(err)
		}
	}
}
