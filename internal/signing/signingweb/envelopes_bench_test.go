package signingweb

import (
	"encoding/base64"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkEnvelopeAPICreateAndSend: one POST /api/v1/envelopes making a
// two-page contract's envelope with two signers and their fields, and
// sending it, on SQLite (docs/performance.md).
func BenchmarkEnvelopeAPICreateAndSend(b *testing.B) {
	db := storetest.Open(b, store.SQLite, testMods)
	e := newEnv(b, db)
	tok := e.token("Pat", platform.ScopeRead, platform.ScopeWrite)
	body := `{"title":"Benchmark contract","pdf":"` + base64.StdEncoding.EncodeToString(signingtest.Contract(b, 2)) + `","send":true,
		"recipients":[{"step":1,"role":"signer","name":"Sam Supplier","email":"sam@supplier.example"},{"step":2,"role":"signer","user_id":"` + e.users["Cara"].ID + `"}],
		"fields":[{"recipient":0,"kind":"signature","position":"bottom of the last page"},{"recipient":1,"kind":"signature","position":"bottom right of the last page"}]}`
	for b.Loop() {
		if r := e.srv.API(tok, "POST", "/api/v1/envelopes", body); r.Status != 201 {
			b.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
}
