package signing

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

var cerTextCodeRE = regexp.MustCompile(`is (\d{6})\.`)

// TestCodeByTextMessage: an outside party whose sender chose a code by
// text message gets their link by email and the code on their phone,
// never by email; the code unlocks the document; a text that cannot be
// sent says so and can be asked for again at once; a store with no way to
// send texts refuses clearly rather than fall back to email.
func TestCodeByTextMessage(t *testing.T) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		c := newCeremony(t, db, "")
		env, ids := c.insertCeremonyTestEnvelope("Supply contract CT-2026-051", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleSigner, name: "Sam Supplier", email: "sam@acme.example", phone: "+447700900123",
				fields: []Field{{Kind: FieldSignature, Page: 1, X: 72, Y: 90, Width: 200, Height: 50, Required: true}}})
		c.run()
		link := c.last("sam@acme.example", regexp.MustCompile(`(by text message to the mobile number ending 123)`))
		if link == "" {
			t.Fatal("the link's email does not say where the code goes")
		}
		token := c.last("sam@acme.example", cerLinkRE)
		l, err := c.ss.OpenLink(c.ctx, token)
		noErr(t, err)
		if !l.ByText || l.CodeTo != "the mobile number ending 123" {
			t.Fatalf("link: %+v", l)
		}

		// The SMS cannot be sent: a clear refusal, and no minute to wait.
		c.texts.down = errors.New("gateway down")
		err = c.ss.SendCode(c.ctx, token, "198.51.100.7")
		if platform.CodeOf(err) != platform.CodeConflict || !strings.Contains(err.Error(), "could not send the code by text message") {
			t.Fatalf("text not sent: %v", err)
		}
		c.texts.down = nil
		noErr(t, c.ss.SendCode(c.ctx, token, "198.51.100.7"))
		texts := c.texts.texts()
		if len(texts) != 1 || texts[0].To != "+447700900123" || texts[0].OrgID != c.org.ID || texts[0].Reference != env.ID ||
			!strings.Contains(texts[0].Body, "CT-2026-051") {
			t.Fatalf("texts: %+v", texts)
		}
		if ms := c.mails("sam@acme.example"); strings.Contains(strings.Join(ms, "\n"), "Your code is") {
			t.Fatal("the code went by email too")
		}
		code := cerTextCodeRE.FindStringSubmatch(texts[0].Body)
		if code == nil {
			t.Fatalf("no code in %q", texts[0].Body)
		}
		session, err := c.ss.CheckCode(c.ctx, token, code[1], "198.51.100.7")
		noErr(t, err)
		cer, err := c.ss.Open(c.ctx, Actor{Token: token, Session: session})
		noErr(t, err)
		if cer.Envelope.ID != env.ID || c.recipient(ids[0]).IdentifiedBy != "code by text message" {
			t.Fatalf("after the code: %+v, identified by %q", cer.Envelope, c.recipient(ids[0]).IdentifiedBy)
		}
		evs, err := cerEvents(c.ctx, db, env.ID)
		noErr(t, err)
		var identified string
		for _, e := range evs {
			if e.Action == "identified" {
				identified = e.Detail
			}
		}
		if identified != "one-time code by text message to the mobile number ending 123" {
			t.Fatalf("evidence: %q", identified)
		}

		// A node with no way to send texts: refused, not sent by email.
		env2, _ := c.insertCeremonyTestEnvelope("Second contract", signingtest.Contract(t, 1),
			ceremonyRecipient{step: 1, role: RoleSigner, name: "Tess Text", email: "tess@acme.example", phone: "+447700900456",
				fields: []Field{{Kind: FieldSignature, Page: 1, X: 72, Y: 90, Width: 200, Height: 50, Required: true}}})
		c.run()
		ap := access.New(c.log)
		noErr(t, ap.Register(ResourceType, Policy))
		bare := New(db, c.log, ap, Options{Files: c.files, Now: c.clock.Now, Mail: c.ss.opts.Mail, BaseURL: "http://dbtp.test"})
		err = bare.SendCode(c.ctx, c.last("tess@acme.example", cerLinkRE), "198.51.100.7")
		if platform.CodeOf(err) != platform.CodeConflict || !strings.Contains(err.Error(), "cannot send text messages") {
			t.Fatalf("no texts: %v", err)
		}
		if strings.Contains(strings.Join(c.mails("tess@acme.example"), "\n"), "Your code is") {
			t.Fatalf("fell back to email for %s", env2.ID)
		}
	})
}

// TestRecipientsCodeChannel: the sender's choice of email or text message
// for each outside party, with UK mobile numbers checked and written as
// +447...; staff get no code, so no number is kept for them.
func TestRecipientsCodeChannel(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		env := e.draft(e.pat, "Contract")
		_, err := e.ss.SetRecipients(e.ctx, e.pat, e.id.Directory(), env.ID, []RecipientInput{
			{Step: 1, Role: RoleSigner, Name: "A", Email: "a@example.com", CodeBy: CodeBySMS},
			{Step: 1, Role: RoleSigner, Name: "B", Email: "b@example.com", CodeBy: CodeBySMS, Phone: "01632 960000"},
			{Step: 1, Role: RoleSigner, Name: "C", Email: "c@example.com", CodeBy: CodeBySMS, Phone: "+33 6 12 34 56 78"},
			{Step: 1, Role: RoleSigner, Name: "D", Email: "d@example.com", CodeBy: "pigeon"},
			{Step: 1, Role: RoleSigner, Name: "E", Email: "e@example.com", Phone: "07700 9001"},
		})
		for _, f := range []string{"recipients[0].phone", "recipients[1].phone", "recipients[2].phone", "recipients[3].code_by", "recipients[4].phone"} {
			wantField(t, err, f)
		}
		if !strings.Contains(err.Error(), "Check the recipients") || !strings.Contains(platform.AsError(err).Fields[1].Message, "UK mobile") {
			t.Fatalf("messages: %+v", platform.AsError(err).Fields)
		}
		rs, err := e.ss.SetRecipients(e.ctx, e.pat, e.id.Directory(), env.ID, []RecipientInput{
			{Step: 1, Role: RoleSigner, Name: "A", Email: "a@example.com", CodeBy: CodeBySMS, Phone: "+44 (0)7700 900-123"},
			{Step: 1, Role: RoleSigner, Name: "B", Email: "b@example.com", CodeBy: CodeByEmail, Phone: "07700 900456"},
			{Step: 1, Role: RoleSigner, Name: "C", Email: "c@example.com", Phone: "0044 7700 900789"},
			{Step: 1, Role: RoleSigner, UserID: e.cara.UserID, CodeBy: CodeBySMS, Phone: "07700 900999"},
		})
		noErr(t, err)
		if rs[0].Phone != "+447700900123" || rs[1].Phone != "" || rs[2].Phone != "+447700900789" || rs[3].Phone != "" {
			t.Fatalf("phones kept: %q %q %q %q", rs[0].Phone, rs[1].Phone, rs[2].Phone, rs[3].Phone)
		}
	})
}

func TestUKMobile(t *testing.T) {
	for in, want := range map[string]string{"07700 900123": "+447700900123", "+447700900123": "+447700900123", "447700900123": "+447700900123",
		"(07700) 900 123": "+447700900123", "7700900123": "+447700900123", "07624 123456": "+447624123456",
		"01632 960000": "", "+33612345678": "", "0770090012": "", "077009001234": "", "07700 90012x": "", "": "", "+44": ""} {
		got, ok := UKMobile(in)
		if got != want || ok != (want != "") {
			t.Errorf("UKMobile(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
