package signing

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// An outside party's link works only for them (a code to their email
// first), only at their turn, and not after they acted; every refusal
// says nothing about the document.
func TestLinksOnlyAtTheirTurnAndOnlyForThem(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		title := "Supply contract CT-2026-017 with Acme Widgets"
		env, ids := c.insertCeremonyTestEnvelope(title, signingtest.Contract(t, 2),
			ceremonyRecipient{step: 1, role: RoleSigner, name: "Sam Supplier", email: "sam@acme.example",
				fields: []Field{{Kind: FieldSignature, Page: 2, X: 72, Y: 90, Width: 200, Height: 50, Required: true}}},
			ceremonyRecipient{step: 2, role: RoleSigner, name: "Gus Guarantor", email: "gus@guarantor.example"})
		c.run()
		if got := c.recipient(ids[0]).Status; got != RecipientNotified {
			t.Fatalf("step 1's signer is %s, want notified", got)
		}
		if got := c.recipient(ids[1]).Status; got != RecipientWaiting {
			t.Fatalf("step 2's signer is %s before their turn", got)
		}
		if len(c.mails("gus@guarantor.example")) != 0 {
			t.Fatal("step 2's signer was emailed before their turn")
		}
		refused := func(what string, err error) {
			t.Helper()
			wantCode(t, err, platform.CodeNotFound)
			if strings.Contains(err.Error(), "CT-2026") || strings.Contains(err.Error(), "Acme") {
				t.Fatalf("%s: the refusal tells about the document: %v", what, err)
			}
		}

		// Out of order: a link for step 2 (leaked from an earlier send) is
		// refused while step 1 is under way, and resending does nothing.
		early := newSecret()
		noErr(t, db.Write(c.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(c.ctx, "UPDATE signing_recipients SET token_hash = ? WHERE id = ?", hashSecret(early), ids[1])
			return err
		}))
		_, err := c.ss.OpenLink(c.ctx, early)
		refused("a link out of order", err)
		refused("a code out of order", c.ss.SendCode(c.ctx, early, "203.0.113.5"))
		noErr(t, c.ss.SendLink(c.ctx, ids[1]))
		if len(c.mails("gus@guarantor.example")) != 0 {
			t.Fatal("a link was sent out of turn")
		}
		_, err = c.ss.OpenLink(c.ctx, "made-up-token")
		refused("an unknown link", err)

		// Forwarded: whoever holds the link sees only where the code goes;
		// the code goes to Sam; without it nothing opens.
		token := c.last("sam@acme.example", cerLinkRE)
		l, err := c.ss.OpenLink(c.ctx, token)
		noErr(t, err)
		if l.CodeTo != "s***@acme.example" {
			t.Fatalf("the code goes to %q", l.CodeTo)
		}
		forwarded := Actor{Token: token, Addr: "203.0.113.5"}
		_, err = c.ss.Open(c.ctx, forwarded)
		refused("a forwarded link without a code", err)
		_, err = c.ss.Document(c.ctx, forwarded)
		refused("the document without a code", err)
		refused("signing without a code", c.ss.Sign(c.ctx, forwarded, Signature{Consent: true, Typed: "Mallory"}))
		noErr(t, c.ss.SendCode(c.ctx, token, "203.0.113.5"))
		if !strings.Contains(c.mails("sam@acme.example")[1], "Your code is") {
			t.Fatal("the code did not go to the recipient's own address")
		}
		// Guessing: five wrong codes spend it, even the right one after.
		right := c.last("sam@acme.example", cerCodeRE)
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		for i := 0; i < 5; i++ {
			_, err := c.ss.CheckCode(c.ctx, token, wrong, "203.0.113.5")
			wantField(t, err, "code")
		}
		_, err = c.ss.CheckCode(c.ctx, token, right, "203.0.113.5")
		wantField(t, err, "code")
		_, err = c.ss.CheckCode(c.ctx, token, "12ab", "203.0.113.5")
		wantField(t, err, "code")
		// One code a minute at most; a code expires after ten minutes.
		wantCode(t, c.ss.SendCode(c.ctx, token, "198.51.100.7"), platform.CodeRateLimited)
		c.clock.Add(time.Minute)
		noErr(t, c.ss.SendCode(c.ctx, token, "198.51.100.7"))
		c.clock.Add(11 * time.Minute)
		_, err = c.ss.CheckCode(c.ctx, token, c.last("sam@acme.example", cerCodeRE), "198.51.100.7")
		wantField(t, err, "code")

		// Sam, with a fresh code, sees the document; another session does not.
		sam := c.identify("sam@acme.example")
		cer, err := c.ss.Open(c.ctx, sam)
		noErr(t, err)
		if cer.Envelope.Title != title || len(cer.Fields) != 1 || cer.Recipient.IdentifiedBy != "code by email" {
			t.Fatalf("Sam's view: %+v", cer)
		}
		doc, err := c.ss.Document(c.ctx, sam)
		noErr(t, err)
		if !bytes.HasPrefix(doc, []byte("%PDF-")) {
			t.Fatal("the document is not a PDF")
		}
		_, err = c.ss.Open(c.ctx, Actor{Token: token, Session: newSecret()})
		refused("another browser's made-up session", err)

		// A session lasts an hour; then a new code is needed.
		c.clock.Add(61 * time.Minute)
		_, err = c.ss.Open(c.ctx, sam)
		refused("an expired session", err)
		sam = c.identify("sam@acme.example")

		// After Sam signs, Sam's link is dead and Gus's turn comes.
		noErr(t, c.ss.Sign(c.ctx, sam, Signature{Consent: true, Typed: "Sam Supplier"}))
		_, err = c.ss.Open(c.ctx, sam)
		refused("a link after acting", err)
		_, err = c.ss.OpenLink(c.ctx, early)
		refused("the leaked step-2 link", err) // only a link sent at the turn works
		c.run()
		if _, err := c.ss.OpenLink(c.ctx, c.last("gus@guarantor.example", cerLinkRE)); err != nil {
			t.Fatalf("Gus's link at his turn: %v", err)
		}
		if got := c.envelope(env.ID).CurrentStep; got != 2 {
			t.Fatalf("current step %d, want 2", got)
		}
	})
}

// Staff sign when signed in, only on envelopes where it is their turn;
// they find them in ToSign.
func TestStaffSignSignedInAtTheirTurn(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		env, ids := c.insertCeremonyTestEnvelope("Key decision 21/00097", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleApprover, user: c.mo},
			ceremonyRecipient{step: 2, role: RoleSigner, user: c.cara})
		cara := Actor{Subject: c.cara, EnvelopeID: env.ID, Addr: "10.0.0.9"}
		_, err := c.ss.Open(c.ctx, cara)
		wantCode(t, err, platform.CodeNotFound)
		if list, err := c.ss.ToSign(c.ctx, c.cara); err != nil || len(list) != 0 {
			t.Fatalf("Cara's tasks before her turn: %v %v", list, err)
		}
		_, err = c.ss.Open(c.ctx, Actor{Subject: c.other, EnvelopeID: env.ID})
		wantCode(t, err, platform.CodeNotFound)
		mo := Actor{Subject: c.mo, EnvelopeID: env.ID, Addr: "10.0.0.8"}
		wantCode(t, c.ss.Sign(c.ctx, mo, Signature{Consent: true, Typed: "Mo"}), platform.CodeConflict) // an approver approves
		wantField(t, c.ss.Approve(c.ctx, mo, false), "consent")
		noErr(t, c.ss.Approve(c.ctx, mo, true))
		if r := c.recipient(ids[0]); r.Status != RecipientApproved || r.IdentifiedBy != "signed in" || r.ActedFrom != "10.0.0.8" {
			t.Fatalf("Mo after approving: %+v", r)
		}
		list, err := c.ss.ToSign(c.ctx, c.cara)
		noErr(t, err)
		if len(list) != 1 || list[0].ID != env.ID {
			t.Fatalf("Cara's tasks: %+v", list)
		}
		if _, err := c.ss.Open(c.ctx, cara); err != nil {
			t.Fatal(err)
		}
		if got := c.recipient(ids[1]).Status; got != RecipientViewed {
			t.Fatalf("Cara after opening: %s", got)
		}
		// The evidence says how they were identified in words: "by
		// signing in", not "by signed in".
		noErr(t, c.ss.Sign(c.ctx, cara, Signature{Consent: true, Typed: "Cara Cabinet"}))
		evs, err := cerEvents(c.ctx, db, env.ID)
		noErr(t, err)
		said := map[string]string{}
		for _, e := range evs {
			said[e.Action] = e.Detail
		}
		if said["approved"] != "identified by signing in" || !strings.HasSuffix(said["signed"], "\u201d, identified by signing in") {
			t.Fatalf("the evidence of approving and signing: %q, %q", said["approved"], said["signed"])
		}
	})
}

// Two signers of a parallel group signing at the same moment both get
// their signature in: the second signs again over the first's update.
func TestParallelSignersAtOnce(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		env, ids := c.insertCeremonyTestEnvelope("Partnership agreement", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara},
			ceremonyRecipient{step: 1, role: RoleSigner, user: c.mo},
			ceremonyRecipient{step: 2, role: RoleSigner, user: c.pat})
		errs := make(chan error, 2)
		for _, who := range []*platform.Subject{c.cara, c.mo} {
			go func() {
				errs <- c.ss.Sign(c.ctx, Actor{Subject: who, EnvelopeID: env.ID}, Signature{Consent: true, Typed: who.Name})
			}()
		}
		noErr(t, <-errs)
		noErr(t, <-errs)
		for _, id := range ids[:2] {
			if got := c.recipient(id).Status; got != RecipientSigned {
				t.Fatalf("%s is %s", id, got)
			}
		}
		e := c.envelope(env.ID)
		if e.CurrentStep != 2 {
			t.Fatalf("step %d after the group signed", e.CurrentStep)
		}
		doc, err := c.ss.readBlob(c.ctx, e.CurrentBlob)
		noErr(t, err)
		if n := bytes.Count(doc, []byte("/ETSI.CAdES.detached")); n != 2 {
			t.Fatalf("the document has %d signatures, want 2", n)
		}

		// Two approvers at once: the step still moves on.
		env, _ = c.insertCeremonyTestEnvelope("Budget transfer", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleApprover, user: c.cara},
			ceremonyRecipient{step: 1, role: RoleApprover, user: c.mo},
			ceremonyRecipient{step: 2, role: RoleSigner, user: c.pat})
		for _, who := range []*platform.Subject{c.cara, c.mo} {
			go func() { errs <- c.ss.Approve(c.ctx, Actor{Subject: who, EnvelopeID: env.ID}, true) }()
		}
		noErr(t, <-errs)
		noErr(t, <-errs)
		if e := c.envelope(env.ID); e.CurrentStep != 2 {
			t.Fatalf("step %d after both approved at once", e.CurrentStep)
		}
	})
}
