package signingweb

import (
	"bytes"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
)

// upload posts one file as the multipart field "file" (plus the browser's
// CSRF token and any other fields).
func upload(b *webtest.Browser, path, name string, file []byte, fields map[string]string) *webtest.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", b.CSRFToken())
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	return b.Do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// sealWithKey seals a contract as the ceremony will: B-LT with the
// council's key, the module's own demo TSA (over HTTP) and the internal
// authority's CRL.
func (e *env) sealWithKey(doc []byte) ([]byte, error) {
	e.t.Helper()
	ss := e.m.Store()
	key, chain, err := ss.SealingKey(e.ctx, e.org.ID)
	if err != nil {
		return nil, err
	}
	tc, err := ss.DemoTSA(e.ctx, e.org.ID)
	noErr(e.t, err)
	res, err := pades.Sign(e.ctx, doc, pades.Options{Credential: &ca.Credential{Key: key, Chain: chain}, Level: pades.LevelBLT,
		TSA: &tsa.Client{URL: e.srv.URL + DemoTSAPath, Attempts: 1}, Revocation: ss.RevocationSource(), ExtraCerts: tc.Chain, Time: e.clock.Now()})
	if err != nil {
		return nil, err
	}
	return res.PDF, nil
}

func TestVerification(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, map[string]string{"DBTP_SIGNING_VERIFY_MAX_MB": "1"})
		anon := e.srv.Browser()
		want(t, anon.Get("/verification"), http.StatusOK, "Verify a signed PDF", "You do not need to sign in", `enctype="multipart/form-data"`, "Verify a signed document")

		// Before the demo authority exists, the demo TSA says "later" (503),
		// which TSA clients take as temporary: a seal would wait.
		_, err := (&tsa.Client{URL: e.srv.URL + DemoTSAPath, Attempts: 1}).Stamp(e.ctx, []byte("x"), crypto.SHA256)
		if !tsa.IsTemporary(err) {
			t.Fatalf("the demo TSA without a certificate: %v", err)
		}

		alex := e.adminBrowser("Alex")
		want(t, alex.PostForm("/signing-keys/demo-ca", nil), http.StatusSeeOther)
		sealed, err := e.sealWithKey(signingtest.Contract(t, 2))
		noErr(t, err)
		// An independent verifier agrees: poppler's pdfsig, trusting the
		// demo authority's root, and qpdf on the file's structure.
		ks, err := e.m.Store().Keys(e.ctx, e.subject("Alex"))
		noErr(t, err)
		out := (&signingtest.PKI{CA: &ca.Authority{Cert: ks[0].Chain[len(ks[0].Chain)-1]}}).PDFSig(t, sealed)
		if !strings.Contains(out, "Signature Validation: Signature is Valid.") || !strings.Contains(out, "Certificate Validation: Certificate is Trusted.") {
			t.Fatalf("pdfsig on the demo seal:\n%s", out)
		}
		signingtest.QPDFCheck(t, sealed)

		// The page, signed out.
		r := upload(anon, "/verification", "contract.pdf", sealed, nil)
		want(t, r, http.StatusOK, "Sealed by Northshire Council", "Signature 1: Council seal", "Valid", "Long-term: a trusted time, and the proof that its certificates were not revoked kept inside the document, so it can be checked after they expire (PAdES-B-LT)",
			"Trusted: Northshire Council seal ← Northshire Council demo certificate authority", "(valid and trusted)", "Not revoked",
			`<p class="govuk-body"><strong class="govuk-tag govuk-tag--green">Valid</strong></p>`)
		if strings.Contains(r.Body, "Verdict") {
			t.Fatal("the verdict is said twice: a tag and a Verdict row")
		}
		// The file's size in words, not a count of bytes.
		if !regexp.MustCompile(`contract\.pdf \(\d+ KB\)`).MatchString(r.Body) || strings.Contains(r.Body, " bytes)") {
			t.Fatal("the file's size is not given in KB")
		}

		// The API, without a token, as the body and as a multipart field.
		r = e.do("POST", "/api/v1/verification", http.Header{"Content-Type": {"application/pdf"}}, sealed)
		want(t, r, http.StatusOK)
		var rep Verification
		noErr(t, json.Unmarshal([]byte(r.Body), &rep))
		if !rep.SealedByCouncil || len(rep.Signatures) != 1 || !rep.Signatures[0].Valid || rep.Signatures[0].Timestamp == nil || rep.Council != "Northshire Council" {
			t.Fatalf("the API's report: %s", r.Body)
		}

		want(t, upload(anon, "/api/v1/verification", "contract.pdf", sealed, nil), http.StatusOK, `"sealed_by_council":true`, `"file":"contract.pdf"`)

		// Tampering after the seal: a byte inside the signed revision (the page size).
		tampered := bytes.Replace(sealed, []byte("/MediaBox [0 0 595.28"), []byte("/MediaBox [0 0 595.27"), 1)
		if bytes.Equal(tampered, sealed) {
			t.Fatal("the contract's text is not where the test expects it")
		}
		r = e.do("POST", "/api/v1/verification", http.Header{"Content-Type": {"application/pdf"}}, tampered)
		want(t, r, http.StatusOK)
		noErr(t, json.Unmarshal([]byte(r.Body), &rep))
		if rep.SealedByCouncil || rep.Signatures[0].Valid {
			t.Fatalf("a tampered PDF is not the council's valid seal: %s", r.Body)
		}
		// The page says so in words, never "unchanged", and keeps the
		// technical detail (long hex) in a details element that wraps.
		r = upload(anon, "/verification", "contract.pdf", tampered, nil)
		want(t, r, http.StatusOK, "has no valid seal by Northshire Council", "Not valid",
			"The document has been changed since this signature was made, or the signature is damaged", "<details", `<li class="dbtp-hash">`)
		for _, bad := range []string{"the document is as it was", "POST /api/v1/verification", "CN="} {
			if strings.Contains(r.Body, bad) {
				t.Fatalf("the report on a tampered file says %q", bad)
			}
		}

		// Unsigned PDFs are reported as such.
		want(t, upload(anon, "/verification", "plain.pdf", signingtest.Contract(t, 1), nil), http.StatusOK, "This PDF has no signatures")

		// Bad input: not a PDF, enormous, encrypted, nothing.
		want(t, upload(anon, "/verification", "notes.txt", []byte("just some notes"), nil), http.StatusUnprocessableEntity, "There is a problem", `href="#file"`)
		want(t, e.do("POST", "/api/v1/verification", http.Header{"Content-Type": {"application/pdf"}}, []byte("just some notes")), http.StatusBadRequest, "The file is not a PDF")
		big := append(append([]byte{}, sealed...), bytes.Repeat([]byte("%"), 1<<20)...)
		want(t, e.do("POST", "/api/v1/verification", http.Header{"Content-Type": {"application/pdf"}}, big), http.StatusRequestEntityTooLarge)
		want(t, upload(anon, "/verification", "big.pdf", big, nil), http.StatusRequestEntityTooLarge, "larger than 1 MB")
		want(t, upload(anon, "/verification", "empty.pdf", nil, nil), http.StatusUnprocessableEntity, "The file is empty")
		signingtest.Need(t, "qpdf")
		in := signingtest.WriteTemp(t, "plain.pdf", signingtest.Contract(t, 1))
		if out, err := exec.Command("qpdf", "--encrypt", "", "owner", "256", "--", in, in+".enc").CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v %s", err, out)
		}
		enc := readFile(t, in+".enc")
		r = e.do("POST", "/api/v1/verification", http.Header{"Content-Type": {"application/pdf"}}, enc)
		if r.Status < 400 || r.Status >= 500 || !strings.Contains(r.Body, "encrypted") {
			t.Fatalf("an encrypted PDF: %d %s", r.Status, r.Body)
		}

		// Documented in the OpenAPI document.
		want(t, e.do("GET", "/api/v1/openapi.json", nil, nil), http.StatusOK, `"/api/v1/verification"`, `"`+DemoTSAPath+`"`)
		// The internal authority's CRL is public.
		r = e.do("GET", "/signing/crl/"+ks[0].AuthorityID, nil, nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pkix-crl" {
			t.Fatalf("the CRL: %d %s", r.Status, r.Header)
		}
		// So is its root certificate, offered on the keys page.
		want(t, alex.Get("/signing-keys"), http.StatusOK, `href="/signing/root/`+ks[0].AuthorityID+`"`)
		want(t, e.do("GET", "/signing/root/"+ks[0].AuthorityID, nil, nil), http.StatusOK, "-----BEGIN CERTIFICATE-----")
		want(t, e.do("GET", "/signing/root/sca_nothing", nil, nil), http.StatusNotFound)
	})
}

func TestSigningKeysPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		now := e.clock.Now()
		auth, err := ca.New("Commercial Root", now.AddDate(-1, 0, 0))
		noErr(t, err)
		cred, err := auth.IssueDocumentSigning(pkix.Name{CommonName: "Northshire Council official seal"}, now.Add(-time.Hour), now.AddDate(2, 0, 0))
		noErr(t, err)
		p12, err := ca.ExportPKCS12(cred, "pw-1234")
		noErr(t, err)
		old, err := auth.IssueDocumentSigning(pkix.Name{CommonName: "Old seal"}, now.AddDate(-3, 0, 0), now.AddDate(0, 0, -2))
		noErr(t, err)
		oldP12, err := ca.ExportPKCS12(old, "pw-1234")
		noErr(t, err)

		want(t, e.browser("Pat").Get("/signing-keys"), http.StatusForbidden)
		want(t, e.srv.Browser().Get("/signing-keys"), http.StatusSeeOther)
		alex := e.adminBrowser("Alex")
		want(t, alex.Get("/signing-keys"), http.StatusOK, "The council has no signing key yet", "Import the council")

		want(t, upload(alex, "/signing-keys/import", "seal.p12", p12, map[string]string{"password": "wrong"}), http.StatusUnprocessableEntity,
			"There is a problem", "The PKCS#12 password is wrong", `href="#password"`)
		want(t, upload(alex, "/signing-keys/import", "seal.p12", []byte("not a certificate"), map[string]string{"password": "pw-1234"}),
			http.StatusUnprocessableEntity, "not a PKCS#12", `href="#file"`)
		want(t, upload(alex, "/signing-keys/import", "old.p12", oldP12, map[string]string{"password": "pw-1234"}), http.StatusUnprocessableEntity, "expired")
		want(t, upload(alex, "/signing-keys/import", "seal.p12", p12, map[string]string{"password": "pw-1234"}), http.StatusSeeOther)
		want(t, alex.Get("/signing-keys"), http.StatusOK, "Imported Northshire Council official seal", "Active", "Commercial Root")

		// A demo key beside it waits; making it active takes over the seal.
		want(t, alex.PostForm("/signing-keys/demo-ca", nil), http.StatusSeeOther)
		ks, err := e.m.Store().Keys(e.ctx, e.subject("Alex"))
		noErr(t, err)
		if len(ks) != 2 || ks[0].Subject != "Northshire Council official seal" || ks[1].Active {
			t.Fatalf("keys: %+v", ks)
		}
		want(t, alex.PostForm("/signing-keys/"+ks[1].ID+"/activate", nil), http.StatusSeeOther)
		_, chain, err := e.m.Store().SealingKey(e.ctx, e.org.ID)
		noErr(t, err)
		if chain[0].Subject.CommonName != "Northshire Council seal" {
			t.Fatalf("the demo key seals now, not %s", chain[0].Subject.CommonName)
		}
		want(t, alex.PostForm("/signing-keys/"+ks[1].ID+"/revoke", map[string][]string{"reason": {"superseded"}}), http.StatusSeeOther)
		want(t, alex.Get("/signing-keys"), http.StatusOK, "Revoked Northshire Council seal", "superseded")
		want(t, alex.PostForm("/signing-keys/"+ks[1].ID+"/activate", nil), http.StatusConflict, "was revoked")
		_, _, err = e.m.Store().SealingKey(e.ctx, e.org.ID)
		if platform.CodeOf(err) != platform.CodeConflict {
			t.Fatalf("after revoking the active key nothing seals: %v", err)
		}
		// Otto (another organisation's admin) cannot touch ours.
		want(t, e.adminBrowser("Otto").PostForm("/signing-keys/"+ks[0].ID+"/activate", nil), http.StatusNotFound)
	})
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Clean(p))
	noErr(t, err)
	return b
}

// adminBrowser signs an administrator in, enrolling TOTP as an admin's
// first sign-in must (the shared browser helper stops there).
func (e *env) adminBrowser(first string) *webtest.Browser {
	e.t.Helper()
	b := e.srv.Browser()
	b.SignIn(e.adminSession(first))
	return b
}

// adminSession is an administrator's session cookie value.
func (e *env) adminSession(first string) string {
	e.t.Helper()
	u := e.users[first]
	slug := "northshire"
	if u.OrgID != e.org.ID {
		slug = "trading"
	}
	res, err := e.id.SignIn(e.ctx, slug, u.Email, password, "127.0.0.1")
	noErr(e.t, err)
	if res.State == identity.StateNeedsTOTPSetup {
		enr, err := e.id.BeginTOTPSetup(e.ctx, res.Token)
		noErr(e.t, err)
		res, err = e.id.ConfirmTOTPSetup(e.ctx, res.Token, totpCode(e.t, enr.Secret, e.clock.Now()), "127.0.0.1")
		noErr(e.t, err)
	}
	if res.State != identity.StateSignedIn {
		e.t.Fatalf("%s: sign-in state %s", first, res.State)
	}
	return res.Token
}

// totpCode is RFC 6238 (SHA-1, 6 digits, 30 s), what an authenticator app shows.
func totpCode(t testing.TB, secret string, now time.Time) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	noErr(t, err)
	m := hmac.New(sha1.New, key)
	binary.Write(m, binary.BigEndian, uint64(now.Unix()/30))
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}

func TestKeysAPIAndDemo(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// The demo makes the council's key once; a second run keeps it.
		noErr(t, e.m.keys.demo(e.ctx, e.m, nil, e.org))
		noErr(t, e.m.keys.demo(e.ctx, e.m, nil, e.org))
		r := e.srv.API(e.token("Alex", platform.ScopeRead), "GET", "/api/v1/signing-keys", "")
		want(t, r, http.StatusOK, `"status":"active"`, `"source":"internal-ca"`, `"subject":"Northshire Council seal"`)
		if strings.Count(r.Body, `"id":`) != 1 || strings.Contains(r.Body, "PRIVATE") || strings.Contains(r.Body, "key_sealed") {
			t.Fatalf("one key, no secrets: %s", r.Body)
		}
		want(t, e.srv.API(e.token("Pat", platform.ScopeRead), "GET", "/api/v1/signing-keys", ""), http.StatusForbidden)
		// The demo TSA now answers with a token the client accepts.
		tok, err := (&tsa.Client{URL: e.srv.URL + DemoTSAPath}).Stamp(e.ctx, []byte("the minutes"), crypto.SHA256)
		noErr(t, err)
		if tok.Time.IsZero() {
			t.Fatal("a timestamp with no time")
		}
	})
}

// TestVerificationTrustsExtraRoots: a PDF signed under another authority
// (with its own TSA) is untrusted until DBTP_SIGNING_TRUST_PEM lists its root.
func TestVerificationTrustsExtraRoots(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		p := signingtest.NewPKI(t)
		res, err := pades.Sign(context.Background(), signingtest.Contract(t, 1), pades.Options{Credential: p.Council, Level: pades.LevelBT,
			TSA: &tsa.Client{URL: p.TSAURL}})
		noErr(t, err)
		check := func(e *env) Verification {
			r := e.do("POST", "/api/v1/verification", http.Header{"Content-Type": {"application/pdf"}}, res.PDF)
			want(t, r, http.StatusOK)
			var v Verification
			noErr(t, json.Unmarshal([]byte(r.Body), &v))
			return v
		}
		// The test PKI's certificates are valid from the real now, so judge there.
		e := newEnv(t, storetest.Open(t, storetest.Engines[0], testMods))
		e.clock.Set(time.Now())
		if v := check(e); v.Signatures[0].ChainTrusted || v.Signatures[0].Timestamp.Trusted || v.SealedByCouncil {
			t.Fatalf("another authority's signature is not trusted by default: %+v", v.Signatures[0])
		}
		pemFile := signingtest.WriteTemp(t, "roots.pem", signingtest.PEM(p.CA.Cert))
		e2 := newEnvWith(t, db, map[string]string{"DBTP_SIGNING_TRUST_PEM": pemFile})
		e2.clock.Set(time.Now())
		if v := check(e2); !v.Signatures[0].ChainTrusted || !v.Signatures[0].Timestamp.Trusted || !v.Signatures[0].Valid || v.SealedByCouncil {
			t.Fatalf("with its root listed it is valid and trusted, and still not the council's seal: %+v", v.Signatures[0])
		}
	})
}
