package signing

import (
	"context"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Staff are emailed when their turn comes (a link to sign signed in),
// and the sender and the staff among the recipients when the envelope is
// sealed (a link to download it, no attachment); a staff signer of
// another unit's envelope may download the sealed copy, nobody else.
func TestStaffEmails(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		c.ss.opts.PersonEmail = func(_ context.Context, _, userID string) string {
			if userID == c.pat.UserID {
				return "pat@northshire.example"
			}
			return ""
		}
		env, _ := c.insertCeremonyTestEnvelope("Staff contract", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara, email: "cara@northshire.example", fields: []Field{
				{Kind: FieldSignature, Page: 1, X: 72, Y: 90, Width: 200, Height: 64, Required: true}}},
			ceremonyRecipient{step: 2, role: RoleApprover, user: c.mo, email: "mo@northshire.example"})
		c.run()
		if ms := c.mails("cara@northshire.example"); len(ms) != 1 || !strings.Contains(ms[0], "http://dbtp.test/envelopes/"+env.ID+"/sign") {
			t.Fatalf("Cara's turn: %q", ms)
		}
		if ms := c.mails("mo@northshire.example"); len(ms) != 0 {
			t.Fatalf("Mo emailed before his turn: %q", ms)
		}
		noErr(t, c.ss.Sign(c.ctx, Actor{Subject: c.cara, EnvelopeID: env.ID}, Signature{Consent: true, Typed: "Cara Cabinet"}))
		c.run()
		if ms := c.mails("mo@northshire.example"); len(ms) != 1 || !strings.Contains(ms[0], "Please approve") {
			t.Fatalf("Mo's turn: %q", ms)
		}
		noErr(t, c.ss.Approve(c.ctx, Actor{Subject: c.mo, EnvelopeID: env.ID}, true))
		c.run()
		if got := c.envelope(env.ID).Status; got != EnvelopeCompleted {
			t.Fatalf("after everyone: %s", got)
		}
		for to, link := range map[string]string{"pat@northshire.example": "/envelopes/" + env.ID + "\n",
			"cara@northshire.example": "/envelopes/" + env.ID + "/documents/sealed.pdf", "mo@northshire.example": "/envelopes/" + env.ID + "/documents/sealed.pdf"} {
			ms := c.mails(to)
			if len(ms) == 0 || !strings.Contains(ms[len(ms)-1], "Completed: Staff contract") || !strings.Contains(ms[len(ms)-1], "http://dbtp.test"+link) ||
				strings.Contains(ms[len(ms)-1], "application/pdf") {
				t.Fatalf("completion to %s: %q", to, ms)
			}
		}
		rc, _, err := c.ss.EnvelopeDocument(c.ctx, c.cara, env.ID, DocSealed)
		noErr(t, err)
		rc.Close()
		_, _, err = c.ss.EnvelopeDocument(c.ctx, c.cara, env.ID, DocOriginal)
		wantCode(t, err, platform.CodeForbidden)
		_, _, err = c.ss.EnvelopeDocument(c.ctx, c.rita, env.ID, DocSealed)
		wantCode(t, err, platform.CodeForbidden)
	})
}
