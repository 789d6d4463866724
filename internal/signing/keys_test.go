package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/blob"
	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// p12 makes a council's own PKCS#12 file from a throwaway authority,
// with a certificate valid from notBefore to notAfter.
func p12(t *testing.T, notBefore, notAfter time.Time, password string) ([]byte, *ca.Credential) {
	t.Helper()
	auth, err := ca.New("Northshire Commercial Root", notBefore.Add(-24*time.Hour))
	noErr(t, err)
	cred, err := auth.IssueDocumentSigning(pkix.Name{CommonName: "Northshire Council seal"}, notBefore, notAfter)
	noErr(t, err)
	b, err := ca.ExportPKCS12(cred, password)
	noErr(t, err)
	return b, cred
}

func TestImportKey(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// A store of its own over a folder the test can read, to show the
		// private key is never kept in the clear.
		dir := t.TempDir()
		disk, err := blob.NewDisk(dir)
		noErr(t, err)
		mk, err := blob.GenerateMasterKey()
		noErr(t, err)
		ap := access.New(e.log)
		noErr(t, ap.Register(ResourceType, Policy))
		ss := New(db, e.log, ap, Options{Files: blob.New(disk, mk), Now: e.clock.Now})

		good, cred := p12(t, start.Add(-time.Hour), start.AddDate(1, 0, 0), "s3cret")
		_, err = ss.ImportKey(e.ctx, e.admin, NewKey{PKCS12: good, Password: "wrong"})
		wantCode(t, err, platform.CodeInvalid)
		wantField(t, err, "password")
		_, err = ss.ImportKey(e.ctx, e.admin, NewKey{PKCS12: []byte("%PDF-1.7 this is not a PKCS#12 file"), Password: "s3cret"})
		wantCode(t, err, platform.CodeInvalid)
		wantField(t, err, "file")
		expired, _ := p12(t, start.AddDate(-2, 0, 0), start.AddDate(0, 0, -1), "s3cret")
		_, err = ss.ImportKey(e.ctx, e.admin, NewKey{PKCS12: expired, Password: "s3cret"})
		wantCode(t, err, platform.CodeInvalid)
		if !strings.Contains(err.Error(), "expired") {
			t.Fatalf("an expired certificate is refused saying so, got %v", err)
		}
		_, err = ss.ImportKey(e.ctx, e.pat, NewKey{PKCS12: good, Password: "s3cret"})
		wantCode(t, err, platform.CodeForbidden)
		if ks, err := ss.Keys(e.ctx, e.admin); err != nil || len(ks) != 0 {
			t.Fatalf("refused imports keep nothing: %v %v", ks, err)
		}

		k, err := ss.ImportKey(e.ctx, e.admin, NewKey{PKCS12: good, Password: "s3cret"})
		noErr(t, err)
		if !k.Active || k.Name != "Northshire Council seal" || k.Source != KeyImported {
			t.Fatalf("the first key is active and named after its certificate: %+v", k)
		}
		key, chain, err := ss.SealingKey(e.ctx, e.org.ID)
		noErr(t, err)
		if !chain[0].Equal(cred.Chain[0]) || len(chain) != 2 || !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cred.Key.Public()) {
			t.Fatal("the sealing key is the imported one, with its chain")
		}

		// Neither the key's PKCS#8 nor the database rows hold the key in clear.
		der, err := x509.MarshalPKCS8PrivateKey(cred.Key)
		noErr(t, err)
		var files int
		noErr(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			files++
			if bytes.Contains(b, der[len(der)-40:]) {
				t.Errorf("%s holds the private key in the clear", p)
			}
			return err
		}))
		var sealed string
		noErr(t, db.QueryRow(e.ctx, `SELECT key_sealed FROM signing_keys WHERE id = ?`, k.ID).Scan(&sealed))
		if files == 0 || len(sealed) != 64 || strings.Contains(sealed, "PRIVATE") {
			t.Fatalf("key_sealed is a blob ID (%q), over %d files", sealed, files)
		}

		// Another organisation has no key; its people cannot see ours.
		_, _, err = ss.SealingKey(e.ctx, e.other.OrgID)
		wantCode(t, err, platform.CodeConflict)
		if ks, err := ss.Keys(e.ctx, e.other); err != nil || len(ks) != 0 {
			t.Fatalf("another organisation sees none of our keys: %v %v", ks, err)
		}

		// Expiry: once past its end the key seals nothing and cannot be made active.
		e.clock.Set(start.AddDate(1, 0, 1))
		_, _, err = ss.SealingKey(e.ctx, e.org.ID)
		wantCode(t, err, platform.CodeConflict)
		if !strings.Contains(err.Error(), "expired on") {
			t.Fatalf("an expired sealing key is refused saying so: %v", err)
		}
		_, err = ss.ActivateKey(e.ctx, e.admin, k.ID)
		wantCode(t, err, platform.CodeConflict)
	})
}

func TestDemoCASealsAndVerifies(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		_, _, err := e.ss.SealingKey(e.ctx, e.org.ID)
		wantCode(t, err, platform.CodeConflict)
		_, err = e.ss.CreateDemoCA(e.ctx, e.mo, "Northshire Council")
		wantCode(t, err, platform.CodeForbidden)

		k1, err := e.ss.CreateDemoCA(e.ctx, e.admin, "Northshire Council")
		noErr(t, err)
		if !k1.Active || k1.Source != KeyInternalCA || k1.Issuer != "Northshire Council demo certificate authority" {
			t.Fatalf("the demo key: %+v", k1)
		}
		k2, err := e.ss.CreateDemoCA(e.ctx, e.admin, "Northshire Council")
		noErr(t, err)
		if k2.Active {
			t.Fatal("a second key waits until an administrator activates it")
		}
		var authorities, active int
		noErr(t, db.QueryRow(e.ctx, `SELECT COUNT(*) FROM signing_authorities WHERE org_id = ?`, e.org.ID).Scan(&authorities))
		if authorities != 1 {
			t.Fatalf("one internal authority per organisation, got %d", authorities)
		}
		_, err = e.ss.ActivateKey(e.ctx, e.admin, k2.ID)
		noErr(t, err)
		noErr(t, db.QueryRow(e.ctx, `SELECT COUNT(*) FROM signing_keys WHERE org_id = ? AND active = 1`, e.org.ID).Scan(&active))
		ks, err := e.ss.Keys(e.ctx, e.admin)
		noErr(t, err)
		if active != 1 || ks[0].ID != k2.ID || ks[1].Status(e.clock.Now()) != "ready" {
			t.Fatalf("one active key, listed first: %d %+v", active, ks)
		}

		// Seal a contract as the ceremony will: B-LT with the demo's TSA and CRL.
		key, chain, err := e.ss.SealingKey(e.ctx, e.org.ID)
		noErr(t, err)
		tc, err := e.ss.DemoTSA(e.ctx, e.org.ID)
		noErr(t, err)
		ts := httptest.NewServer(&tsa.Server{Cert: tc.Chain[0], Key: tc.Key, Now: e.clock.Now})
		defer ts.Close()
		res, err := pades.Sign(e.ctx, signingtest.Contract(t, 2), pades.Options{Credential: &ca.Credential{Key: key, Chain: chain}, Level: pades.LevelBLT,
			TSA: &tsa.Client{URL: ts.URL}, Revocation: e.ss.RevocationSource(), ExtraCerts: tc.Chain, Time: e.clock.Now(), Reason: "Sealed by Northshire Council"})
		noErr(t, err)
		rep, err := e.ss.Verify(e.ctx, e.org.ID, res.PDF, 0)
		noErr(t, err)
		s := rep.Signatures[0]
		if len(rep.Signatures) != 1 || !rep.SealedByCouncil || !s.Valid || s.Level != "PAdES-B-LT" || s.Timestamp == nil || !s.Timestamp.Trusted || s.Revocation != "good" {
			t.Fatalf("the seal verifies as the council's: %+v %+v", rep, s)
		}
		if rep, err := e.ss.Verify(e.ctx, e.other.OrgID, res.PDF, 0); err != nil || rep.SealedByCouncil || rep.Signatures[0].ChainTrusted {
			t.Fatalf("another organisation does not take it for its own: %+v %v", rep, err)
		}
		_, err = e.ss.Verify(e.ctx, e.org.ID, []byte("not a PDF at all"), 0)
		if c := platform.CodeOf(err); c != platform.CodeInvalid {
			t.Fatalf("a file that is not a PDF: %v", err)
		}

		// Revoking: the key seals no more and the authority's CRL lists it.
		_, err = e.ss.RevokeKey(e.ctx, e.admin, k2.ID, "key compromise")
		noErr(t, err)
		_, _, err = e.ss.SealingKey(e.ctx, e.org.ID)
		wantCode(t, err, platform.CodeConflict) // no active key now
		_, err = e.ss.ActivateKey(e.ctx, e.admin, k2.ID)
		wantCode(t, err, platform.CodeConflict)
		if !strings.Contains(err.Error(), "revoked") {
			t.Fatalf("a revoked key is refused saying so: %v", err)
		}
		der, err := e.ss.CRL(e.ctx, k2.AuthorityID)
		noErr(t, err)
		crl, err := x509.ParseRevocationList(der)
		noErr(t, err)
		if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(chain[0].SerialNumber) != 0 {
			t.Fatalf("the CRL lists the revoked key: %+v", crl.RevokedCertificateEntries)
		}
		if _, err := e.ss.CRL(context.Background(), "sca_nothing"); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("an unknown authority's CRL: %v", err)
		}
	})
}
