package signing

import (
	"crypto/x509/pkix"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/revfetch"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestSealFetchesRevocationForAnImportedKey: a council imports its own
// key (PKCS#12) from a CA outside dbtp whose certificates name a CRL and
// an OCSP responder, served here on 127.0.0.1. The seal fetches both and
// embeds them: B-LT, which dbtp's verifier finds valid with revocation
// "good", and pdfsig and qpdf accept. A second seal within the hour asks
// nothing again. Once the CA revokes the certificate and what was kept
// has aged out, the seal is refused with a message saying so, and the
// envelope waits in "sealing" with its document untouched.
func TestSealFetchesRevocationForAnImportedKey(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		c.ss.opts.SealWith = nil // the stored (imported) key
		now := c.clock.Now()
		auth, err := ca.New("Northshire Commercial Root", now.Add(-24*time.Hour))
		noErr(t, err)
		var crls, ocsps atomic.Int32
		mux := http.NewServeMux()
		mux.HandleFunc("GET /crl", func(w http.ResponseWriter, r *http.Request) {
			crls.Add(1)
			crl, err := auth.CRL(c.clock.Now())
			noErr(t, err)
			w.Header().Set("Content-Type", "application/pkix-crl")
			w.Write(crl)
		})
		mux.HandleFunc("POST /ocsp", func(w http.ResponseWriter, r *http.Request) {
			ocsps.Add(1)
			req, _ := io.ReadAll(r.Body)
			resp, err := auth.OCSP(req, c.clock.Now())
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/ocsp-response")
			w.Write(resp)
		})
		pki := httptest.NewServer(mux)
		t.Cleanup(pki.Close)
		auth.CRLURL, auth.OCSPURL = pki.URL+"/crl", pki.URL+"/ocsp"
		cred, err := auth.IssueDocumentSigning(pkix.Name{CommonName: "Northshire Council seal", Organization: []string{"Northshire Council"}, Country: []string{"GB"}},
			now.Add(-time.Hour), now.AddDate(1, 0, 0))
		noErr(t, err)
		// The council's commercial TSA, from the same CA, on the store's clock.
		tsaCred, err := auth.IssueTimestamping(pkix.Name{CommonName: "Northshire Commercial TSA"}, now.Add(-time.Hour), now.AddDate(1, 0, 0))
		noErr(t, err)
		stamps := httptest.NewServer(&tsa.Server{Cert: tsaCred.Chain[0], Key: tsaCred.Key, Now: c.clock.Now})
		t.Cleanup(stamps.Close)
		c.ss.opts.TSAURL = stamps.URL
		p12, err := ca.ExportPKCS12(cred, "s3cret")
		noErr(t, err)
		_, err = c.ss.ImportKey(c.ctx, c.admin, NewKey{PKCS12: p12, Password: "s3cret", Activate: true})
		noErr(t, err)

		seal := func(title string) (Envelope, error) {
			t.Helper()
			env, _ := c.insertCeremonyTestEnvelope(title, signingtest.Contract(t, 2),
				ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara, fields: []Field{{Kind: FieldSignature, Page: 2, X: 72, Y: 90, Width: 200, Height: 50}}})
			noErr(t, c.ss.Sign(c.ctx, Actor{Subject: c.cara, EnvelopeID: env.ID}, Signature{Consent: true, Typed: "Cara Cabinet"}))
			return env, c.ss.Seal(c.ctx, env.ID)
		}
		env, err := seal("Supply contract CT-2026-061")
		noErr(t, err)
		if crls.Load() == 0 || ocsps.Load() == 0 {
			t.Fatalf("asked for %d CRLs and %d OCSP responses", crls.Load(), ocsps.Load())
		}
		evs, err := c.ss.Evidence(c.ctx, c.pat, env.ID)
		noErr(t, err)
		for _, ev := range evs {
			if ev.Action == "sealed" && !strings.HasPrefix(ev.Detail, "PAdES-B-LT by Northshire Council seal") {
				t.Fatalf("the seal's evidence: %q", ev.Detail)
			}
		}
		sealed, _, err := c.ss.Sealed(c.ctx, c.pat, env.ID)
		noErr(t, err)
		rep, err := c.ss.Verify(c.ctx, c.org.ID, sealed, 0)
		noErr(t, err)
		if len(rep.Signatures) != 2 || !rep.SealedByCouncil {
			t.Fatalf("verifier: %+v", rep)
		}
		last := rep.Signatures[1]
		if !last.Valid || last.Level != "PAdES-B-LT" || last.Revocation != "good" || !last.ChainTrusted || last.Timestamp == nil || !last.Timestamp.Trusted {
			t.Fatalf("the seal: valid %v, level %s, revocation %s, chain %v, timestamp %+v, problems %v", last.Valid, last.Level, last.Revocation,
				last.ChainTrusted, last.Timestamp, last.Problems)
		}
		signingtest.QPDFCheck(t, sealed)
		cerWantPDFSig(t, &signingtest.PKI{CA: auth}, "sealed with an imported key", sealed, 2)

		// Kept: a second seal within the hour asks the CA nothing.
		asked := crls.Load() + ocsps.Load()
		_, err = seal("Supply contract CT-2026-062")
		noErr(t, err)
		if crls.Load()+ocsps.Load() != asked {
			t.Fatalf("asked the CA again: %d requests, then %d", asked, crls.Load()+ocsps.Load())
		}

		// Revoked by the CA: once the kept data ages out, the seal is refused.
		auth.Revoke(cred.Certificate().SerialNumber, c.clock.Now().Add(-time.Minute))
		c.clock.Add(revfetch.DefaultMaxAge + time.Minute)
		env, err = seal("Supply contract CT-2026-063")
		if platform.CodeOf(err) != platform.CodeConflict || !strings.Contains(err.Error(), `the certificate "Northshire Council seal" was revoked on`) ||
			!strings.Contains(err.Error(), "replace the revoked certificate") {
			t.Fatalf("sealing with a revoked certificate: %v", err)
		}
		if crls.Load()+ocsps.Load() == asked {
			t.Fatal("the revocation data kept was not fetched again after an hour")
		}
		if got := c.envelope(env.ID); got.Status != EnvelopeSealing || got.SealedBlob != "" {
			t.Fatalf("after the refusal: %s, sealed %q", got.Status, got.SealedBlob)
		}
	})
}
