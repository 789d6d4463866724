package signing

import (
	"testing"

	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkCompleteEnvelope is one envelope of a 20-page contract taken
// from sent to sealed on SQLite: a staff signer's signature (an
// incremental update), then the seal (B-LT, with dbtp's TSA on a loopback
// port and the completion certificate, itself signed), with every write.
func BenchmarkCompleteEnvelope(b *testing.B) {
	c := newCeremony(b, storetest.Open(b, store.SQLite, cerMods), "")
	doc := signingtest.Contract(b, 20)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env, _ := c.insertCeremonyTestEnvelope("Contract", doc, ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara,
			fields: []Field{{Kind: FieldSignature, Page: 20, X: 72, Y: 90, Width: 200, Height: 50, Required: true}}})
		noErr(b, c.ss.Sign(c.ctx, Actor{Subject: c.cara, EnvelopeID: env.ID}, Signature{Consent: true, Typed: "Cara"}))
		noErr(b, c.ss.Seal(c.ctx, env.ID))
	}
}
