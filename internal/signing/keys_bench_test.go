package signing

import (
	"net/http/httptest"
	"testing"

	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/store/storetest"
)

// BenchmarkSealWithStoredKey is the keys part's share of a seal: unseal
// the active key from the file store, then a B-LT seal of a 20-page
// contract with the internal authority's CRL (the TSA in process).
func BenchmarkSealWithStoredKey(b *testing.B) {
	e := newEnv(b, storetest.Open(b, storetest.Engines[0], testMods))
	_, err := e.ss.CreateDemoCA(e.ctx, e.admin, "Northshire Council")
	noErr(b, err)
	tc, err := e.ss.DemoTSA(e.ctx, e.org.ID)
	noErr(b, err)
	ts := httptest.NewServer(&tsa.Server{Cert: tc.Chain[0], Key: tc.Key, Now: e.clock.Now})
	defer ts.Close()
	doc := signingtest.Contract(b, 20)
	b.ResetTimer()
	for b.Loop() {
		key, chain, err := e.ss.SealingKey(e.ctx, e.org.ID)
		noErr(b, err)
		_, err = pades.Sign(e.ctx, doc, pades.Options{Credential: &ca.Credential{Key: key, Chain: chain}, Level: pades.LevelBLT,
			TSA: &tsa.Client{URL: ts.URL}, Revocation: e.ss.RevocationSource(), Time: e.clock.Now()})
		noErr(b, err)
	}
}
