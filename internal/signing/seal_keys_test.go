package signing

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// With no Options.SealWith, the steps and the seal use the keys part's
// stored key and its revocation data: the demo authority's key and TSA
// give a B-LT seal that dbtp's verifier and pdfsig accept. A key whose
// CA's revocation data is unknown still seals, at B-T, and says so.
func TestSealWithTheCouncilsStoredKey(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		c.ss.opts.SealWith = nil
		key, err := c.ss.CreateDemoCA(c.ctx, c.admin, "Northshire Council")
		noErr(t, err)
		tsaCred, err := c.ss.DemoTSA(c.ctx, c.org.ID)
		noErr(t, err)
		srv := httptest.NewServer(&tsa.Server{Cert: tsaCred.Chain[0], Key: tsaCred.Key, Now: c.clock.Now})
		t.Cleanup(srv.Close)
		c.ss.opts.TSAURL = srv.URL

		env, _ := c.insertCeremonyTestEnvelope("Key decision 21/00097", signingtest.Contract(t, 2),
			ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara, fields: []Field{{Kind: FieldSignature, Page: 2, X: 72, Y: 90, Width: 200, Height: 50}}})
		noErr(t, c.ss.Sign(c.ctx, Actor{Subject: c.cara, EnvelopeID: env.ID}, Signature{Consent: true, Typed: "Cara Cabinet"}))
		noErr(t, c.ss.Seal(c.ctx, env.ID))
		sealed, _, err := c.ss.Sealed(c.ctx, c.pat, env.ID)
		noErr(t, err)
		rep, err := c.ss.Verify(c.ctx, c.org.ID, sealed, 0)
		noErr(t, err)
		if len(rep.Signatures) != 2 || !rep.SealedByCouncil {
			t.Fatalf("verifier: %+v", rep)
		}
		for _, s := range rep.Signatures {
			if !s.Valid || len(s.ChangedSince) > 0 {
				t.Fatalf("%s: valid %v, changed %v, problems %v", s.Field, s.Valid, s.ChangedSince, s.Problems)
			}
		}
		if lvl := rep.Signatures[1].Level; lvl != "PAdES-B-LT" {
			t.Fatalf("the seal is %s", lvl)
		}
		root, err := c.ss.AuthorityRoot(c.ctx, key.AuthorityID)
		noErr(t, err)
		signingtest.QPDFCheck(t, sealed)
		cerWantPDFSig(t, &signingtest.PKI{CA: &ca.Authority{Cert: root}}, "sealed with the stored key", sealed, 2)

		// A key whose CA nobody gives revocation data for: B-T, and why.
		c.ss.opts.SealWith = func(ctx context.Context, orgID string) (*ca.Credential, pades.RevocationSource, error) {
			return c.pki.Council, pades.CRLs(), nil
		}
		c.ss.opts.TSAURL = c.pki.TSAURL
		env, _ = c.insertCeremonyTestEnvelope("Lease", signingtest.Contract(t, 1), ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara})
		noErr(t, c.ss.Sign(c.ctx, Actor{Subject: c.cara, EnvelopeID: env.ID}, Signature{Consent: true, Typed: "Cara Cabinet"}))
		noErr(t, c.ss.Seal(c.ctx, env.ID))
		evs, err := c.ss.Evidence(c.ctx, c.pat, env.ID)
		noErr(t, err)
		var detail string
		for _, ev := range evs {
			if ev.Action == "sealed" {
				detail = ev.Detail
			}
		}
		if !strings.HasPrefix(detail, "PAdES-B-T by") || !strings.Contains(detail, "not B-LT") {
			t.Fatalf("the seal's evidence: %q", detail)
		}
	})
}
