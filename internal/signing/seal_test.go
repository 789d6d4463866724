package signing

import (
	"bytes"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/verify"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A parallel group of a staff signer and an outside signer, then an
// approver, then a copy: each signature an incremental update, the seal
// B-LT with a real TSA (OpenSSL's), the certificate, the evidence, the
// audit log and EventEnvelope; pdfsig finds every signature valid and
// qpdf --check passes.
func TestSignInStepsAndSeal(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		signingtest.Need(t, "openssl", "pdfsig", "qpdf")
		c := newCeremony(t, db, "")
		c.ss.opts.TSAURL = signingtest.OpenSSLTSA(t, c.pki.TSA)
		env, ids := c.insertCeremonyTestEnvelope("Supply contract CT-2026-017", signingtest.Contract(t, 3),
			ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara, fields: []Field{
				{Kind: FieldSignature, Page: 3, X: 72, Y: 90, Width: 200, Height: 50, Required: true},
				{Kind: FieldDate, Page: 3, X: 300, Y: 90, Width: 100, Height: 20}}},
			ceremonyRecipient{step: 1, role: RoleSigner, name: "Sam Supplier", email: "sam@acme.example", fields: []Field{
				{Kind: FieldSignature, Page: 3, X: 72, Y: 160, Width: 200, Height: 50, Required: true},
				{Kind: FieldText, Page: 3, X: 300, Y: 160, Width: 150, Height: 20, Required: true, Label: "Company number"},
				{Kind: FieldCheckbox, Page: 3, X: 300, Y: 190, Width: 12, Height: 12, Required: true, Label: "I have read the terms"}}},
			ceremonyRecipient{step: 2, role: RoleApprover, user: c.mo},
			ceremonyRecipient{step: 3, role: RoleCopy, name: "Audit Team", email: "audit@northshire.example"})
		c.run()
		cara := Actor{Subject: c.cara, EnvelopeID: env.ID, Addr: "10.0.0.9"}
		sam := c.identify("sam@acme.example")
		cer, err := c.ss.Open(c.ctx, sam)
		noErr(t, err)
		fid := func(kind string) string {
			for _, f := range cer.Fields {
				if f.Kind == kind {
					return f.ID
				}
			}
			t.Fatalf("no %s field", kind)
			return ""
		}

		// Bad input changes nothing.
		wantField(t, c.ss.Sign(c.ctx, sam, Signature{Typed: "Sam Supplier"}), "consent")
		wantField(t, c.ss.Sign(c.ctx, sam, Signature{Consent: true, Kind: "drawn", Drawn: []byte("not a picture")}), "drawn")
		wantField(t, c.ss.Sign(c.ctx, sam, Signature{Consent: true, Typed: "Sam Supplier"}), "field-"+fid(FieldText))
		wantField(t, c.ss.Sign(c.ctx, sam, Signature{Consent: true, Kind: "typed", Typed: " "}), "typed")
		if got := c.envelope(env.ID).CurrentBlob; got != env.CurrentBlob {
			t.Fatal("a refused signature changed the document")
		}

		// The group signs in either order; the step waits for both.
		wantField(t, c.ss.Sign(c.ctx, sam, Signature{Consent: true, Kind: "drawn", Drawn: signingtest.DrawingPNG(t, 3000, 10), Typed: "Sam Supplier"}), "drawn")
		noErr(t, c.ss.Sign(c.ctx, sam, Signature{Consent: true, Kind: "drawn", Drawn: signingtest.DrawingPNG(t, 300, 100), Typed: "Sam Supplier",
			Values: map[string]string{fid(FieldText): "01234567", fid(FieldCheckbox): "yes"}}))
		if got := c.envelope(env.ID).CurrentStep; got != 1 {
			t.Fatalf("step %d after one of two signers", got)
		}
		wantCode(t, c.ss.Approve(c.ctx, Actor{Subject: c.mo, EnvelopeID: env.ID}, true), platform.CodeNotFound) // not Mo's turn yet
		noErr(t, c.ss.Sign(c.ctx, cara, Signature{Consent: true, Typed: "Cara Cabinet"}))
		noErr(t, c.ss.Approve(c.ctx, Actor{Subject: c.mo, EnvelopeID: env.ID, Addr: "10.0.0.8"}, true))
		if got := c.envelope(env.ID).Status; got != EnvelopeSealing {
			t.Fatalf("after everyone acted: %s", got)
		}
		c.run() // the seal job, then the event's delivery
		done := c.envelope(env.ID)
		if done.Status != EnvelopeCompleted || done.CompletedAt.IsZero() {
			t.Fatalf("after the seal job: %+v", done)
		}
		sealed, certificate, err := c.ss.Sealed(c.ctx, c.pat, env.ID)
		noErr(t, err)
		_, _, err = c.ss.Sealed(c.ctx, c.cara, env.ID) // another unit's staff
		wantCode(t, err, platform.CodeForbidden)

		// Independent checks: pdfsig, qpdf; and dbtp's verifier.
		for name, doc := range map[string][]byte{"sealed": sealed, "certificate": certificate} {
			signingtest.QPDFCheck(t, doc)
			cerWantPDFSig(t, c.pki, name, doc, map[string]int{"sealed": 3, "certificate": 1}[name])
		}
		// What the signers gave shows at its place: Sam's company number,
		// tick and drawing, Cara's date (in her revision, after Sam's
		// signature: a permitted change for it, as the verifier says below).
		for _, w := range []struct {
			box  [4]float64
			want string
		}{{[4]float64{300, 160, 450, 180}, "Company number: 01234567"}, {[4]float64{300, 190, 312, 202}, "\u2714"},
			{[4]float64{300, 90, 400, 110}, c.clock.Now().Format("2 January 2006")}, {[4]float64{72, 90, 272, 140}, "Cara Cabinet"}} {
			if got := signingtest.WordsIn(t, sealed, 3, w.box); !strings.Contains(got, w.want) {
				t.Errorf("page 3 at %v shows %q, want %q", w.box, got, w.want)
			}
		}
		// The signature boxes show the whole date and time and how each
		// signer was identified, in words (wrapped, never clipped).
		for _, w := range []struct {
			box  [4]float64
			want []string
		}{{[4]float64{72, 90, 272, 140}, []string{"Signed electronically", "Identified by: signed in to", "staff account"}},
			{[4]float64{72, 160, 272, 210}, []string{"Sam Supplier", "Signed electronically", "Identified by: one-time code sent to s***@acme.example"}}} {
			got := signingtest.WordsIn(t, sealed, 3, w.box)
			for _, want := range w.want {
				if !strings.Contains(got, want) {
					t.Errorf("the signature box at %v shows %q, want %q", w.box, got, want)
				}
			}
			if !regexp.MustCompile(`Signed electronically \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d [A-Z]+`).MatchString(got) {
				t.Errorf("the signature box at %v shows %q: not the whole date and time", w.box, got)
			}
		}
		if got := signingtest.ImagesOn(t, sealed, 3); strings.Join(got, ", ") != "image 300 100, smask 300 100" {
			t.Errorf("page 3's images %q: not Sam's drawn signature", got)
		}
		rep, err := verify.Verify(sealed, verify.Options{Roots: c.pki.Roots, Council: c.pki.Council.Chain[:1]})
		noErr(t, err)
		if len(rep.Signatures) != 3 || !rep.SealedByCouncil {
			t.Fatalf("verifier: %+v", rep)
		}
		for _, s := range rep.Signatures {
			if !s.Valid || len(s.ChangedSince) != 0 {
				t.Fatalf("verifier on %s: valid %v, changed %v, problems %v", s.Field, s.Valid, s.ChangedSince, s.Problems)
			}
		}
		if last := rep.Signatures[2]; last.Level != "PAdES-B-LT" || !strings.Contains(last.Reason, cerSHA256(certificate)) {
			t.Fatalf("the seal: level %s, reason %q", last.Level, last.Reason)
		}
		// Tampering after the seal: pdfsig and our verifier see it.
		bad := bytes.Clone(sealed)
		bad[bytes.Index(bad, []byte("/MediaBox"))+2] ^= 0x20
		if out := c.pki.PDFSig(t, bad); strings.Contains(out, "Signature is Valid") {
			t.Fatalf("pdfsig on a tampered document:\n%s", out)
		}
		if rep, err := verify.Verify(bad, verify.Options{Roots: c.pki.Roots, Council: c.pki.Council.Chain[:1]}); err != nil || rep.SealedByCouncil {
			t.Fatalf("the verifier on a tampered document: %v %+v", err, rep)
		}

		// The evidence, the recipients' record, the audit log, the event.
		evs, err := c.ss.Evidence(c.ctx, c.pat, env.ID)
		noErr(t, err)
		var actions []string
		hashes := map[string]bool{}
		for _, ev := range evs {
			actions = append(actions, ev.Action)
			if ev.DocSHA256 != "" {
				hashes[ev.DocSHA256] = true
			}
		}
		got := strings.Join(actions, " ")
		for _, w := range []string{"code_sent identified viewed", "consented signed", "approved", "sealed completed"} {
			if !strings.Contains(got, w) {
				t.Fatalf("events %q lack %q", got, w)
			}
		}
		if len(hashes) < 4 { // the original, each signature, the sealed
			t.Fatalf("document hashes in the evidence: %v", hashes)
		}
		if r := c.recipient(ids[1]); r.SignatureKind != "drawn" || r.ActedFrom != "198.51.100.7" || r.IdentifiedBy != "code by email" || r.ConsentedAt.IsZero() {
			t.Fatalf("Sam's record: %+v", r)
		}
		page, err := c.log.List(c.ctx, audit.Filter{OrgID: c.org.ID, ResourceType: ResourceType, ResourceID: env.ID})
		noErr(t, err)
		var audited []string
		for _, e := range page.Entries {
			audited = append(audited, e.Action)
		}
		for _, w := range []string{"signing.identified", "signing.signed", "signing.approved", "signing.sealed"} {
			if !strings.Contains(strings.Join(audited, " "), w) {
				t.Fatalf("audit log %v lacks %s", audited, w)
			}
		}
		if len(c.delivered) != 1 || c.delivered[0].Status != EnvelopeCompleted || c.delivered[0].EnvelopeID != env.ID {
			t.Fatalf("EventEnvelope delivered: %+v", c.delivered)
		}
		if ms := c.mails("audit@northshire.example"); len(ms) != 1 || !strings.Contains(ms[0], "attached:") {
			t.Fatalf("the copy recipient's email: %v", ms)
		}
		noErr(t, c.ss.Seal(c.ctx, env.ID)) // again: nothing to do
	})
}

// A TSA that is down leaves the envelope in "sealing" with every
// signature kept; the job seals it once the TSA is back.
func TestSealWaitsForTheTSA(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		real, err := url.Parse(c.pki.TSAURL)
		noErr(t, err)
		proxy := httputil.NewSingleHostReverseProxy(real)
		var down atomic.Bool
		down.Store(true)
		c.ss.opts.TSAURL = signingtest.ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "maintenance", http.StatusServiceUnavailable)
				return
			}
			proxy.ServeHTTP(w, r)
		})
		env, _ := c.insertCeremonyTestEnvelope("Lease of the depot", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara})
		noErr(t, c.ss.Sign(c.ctx, Actor{Subject: c.cara, EnvelopeID: env.ID}, Signature{Consent: true, Typed: "Cara Cabinet"}))
		signed := c.envelope(env.ID).CurrentBlob
		c.run()
		wantCode(t, c.ss.Seal(c.ctx, env.ID), platform.CodeConflict)
		if e := c.envelope(env.ID); e.Status != EnvelopeSealing || e.CurrentBlob != signed || e.SealedBlob != "" {
			t.Fatalf("with the TSA down: %+v", e)
		}
		down.Store(false)
		c.clock.Add(time.Hour) // past the job's backoff
		c.run()
		if e := c.envelope(env.ID); e.Status != EnvelopeCompleted {
			t.Fatalf("with the TSA back: %s", e.Status)
		}
	})
}

// Declining ends the envelope for everyone, with the reason; passing on
// works only where the sender allowed it.
func TestDeclineAndReassign(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		env, ids := c.insertCeremonyTestEnvelope("Framework agreement", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleSigner, name: "Sam Supplier", email: "sam@acme.example", mayReassign: true,
				fields: []Field{{Kind: FieldSignature, Page: 1, X: 72, Y: 90, Width: 200, Height: 50, Required: true}}},
			ceremonyRecipient{step: 1, role: RoleSigner, name: "Dee Director", email: "dee@acme.example"})
		c.run()
		sam, dee := c.identify("sam@acme.example"), c.identify("dee@acme.example")

		wantField(t, c.ss.Reassign(c.ctx, sam, Reassignment{Name: "Pat Partner", Email: "not an address", Reason: "on leave"}), "email")
		wantCode(t, c.ss.Reassign(c.ctx, dee, Reassignment{Name: "X", Email: "x@acme.example", Reason: "busy"}), platform.CodeForbidden)
		noErr(t, c.ss.Reassign(c.ctx, sam, Reassignment{Name: "Pam Partner", Email: "pam@acme.example", Reason: "Sam is on leave"}))
		_, err := c.ss.Open(c.ctx, sam)
		wantCode(t, err, platform.CodeNotFound)
		if got := c.recipient(ids[0]).Status; got != RecipientReassigned {
			t.Fatalf("Sam after passing on: %s", got)
		}
		c.run()
		pam := c.identify("pam@acme.example")
		cer, err := c.ss.Open(c.ctx, pam)
		noErr(t, err)
		if len(cer.Fields) != 1 || cer.Recipient.Step != 1 {
			t.Fatalf("Pam's view: %+v", cer)
		}

		wantField(t, c.ss.Decline(c.ctx, dee, "  "), "reason")
		noErr(t, c.ss.Decline(c.ctx, dee, "The price schedule is wrong"))
		e := c.envelope(env.ID)
		if e.Status != EnvelopeDeclined || !strings.Contains(e.Reason, "The price schedule is wrong") {
			t.Fatalf("after declining: %+v", e)
		}
		_, err = c.ss.Open(c.ctx, pam)
		wantCode(t, err, platform.CodeNotFound) // the others' links die with it
		c.run()
		if len(c.delivered) != 1 || c.delivered[0].Status != EnvelopeDeclined {
			t.Fatalf("EventEnvelope delivered: %+v", c.delivered)
		}
	})
}

// wantPDFSig checks that poppler's pdfsig finds want signatures, each one
// valid, and the certificate trusted. poppler 22.12 (Debian 12) reports
// "Unknown issue with Certificate" for every second signature made with a
// certificate it has already seen in the file (reproduced with pades
// alone: five signatures by one certificate alternate trusted and
// unknown); our steps and seal all use the council's certificate, so that
// answer is accepted there and only there, after a trusted one.
func cerWantPDFSig(t *testing.T, p *signingtest.PKI, name string, doc []byte, want int) {
	t.Helper()
	out := p.PDFSig(t, doc)
	if n := strings.Count(out, "Signature Validation: Signature is Valid."); n != want || strings.Count(out, "Signature #") != want {
		t.Fatalf("%s: pdfsig finds %d valid signatures, want %d:\n%s", name, n, want, out)
	}
	var certs []string
	for _, line := range strings.Split(out, "\n") {
		if _, v, ok := strings.Cut(line, "Certificate Validation: "); ok {
			certs = append(certs, v)
		}
	}
	for i, v := range certs {
		if v != "Certificate is Trusted." && !(i%2 == 1 && v == "Unknown issue with Certificate or corrupted data.") {
			t.Fatalf("%s: pdfsig on signature %d: %s\n%s", name, i+1, v, out)
		}
	}
}
