package signing

import (
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"

	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A checkbox's label is printed beside its box in the revision the
// signer signs, ticked or not, so the page says what the tick answers;
// pdftotext reads it on the box's line. A box near the right margin still
// gets its label, smaller.
//
// On a one-page contract the signature's object number is a suffix of a
// later object's ("5 0 obj" inside "15 0 obj"), which once made the
// signer's step panic placing the signature; both lengths are signed.
func TestCheckboxLabelPrinted(t *testing.T) {
	for _, pages := range []int{2, 1} {
		t.Run(fmt.Sprintf("%d-pages", pages), func(t *testing.T) { checkboxLabelsPrinted(t, pages) })
	}
}

func checkboxLabelsPrinted(t *testing.T, pages int) {
	storetest.Each(t, cerMods, func(t *testing.T, db *store.DB) {
		signingtest.Need(t, "pdftotext")
		c := newCeremony(t, db, "")
		env, _ := c.insertCeremonyTestEnvelope("Declaration", signingtest.Contract(t, pages),
			ceremonyRecipient{step: 1, role: RoleSigner, user: c.cara, fields: []Field{
				{Kind: FieldSignature, Page: pages, X: 72, Y: 90, Width: 200, Height: 64, Required: true},
				{Kind: FieldCheckbox, Page: pages, X: 72, Y: 300, Width: 14, Height: 14, Label: "I have read the terms"},
				{Kind: FieldCheckbox, Page: pages, X: 72, Y: 330, Width: 14, Height: 14, Label: "Send me a copy by post"},
				{Kind: FieldCheckbox, Page: pages, X: 500, Y: 360, Width: 14, Height: 14, Label: "Insured"}}})
		c.run()
		cara := Actor{Subject: c.cara, EnvelopeID: env.ID, Addr: "10.0.0.9"}
		cer, err := c.ss.Open(c.ctx, cara)
		noErr(t, err)
		values := map[string]string{}
		for _, f := range cer.Fields {
			if f.Kind == FieldCheckbox && f.Label != "Send me a copy by post" {
				values[f.ID] = "yes"
			}
		}
		noErr(t, c.ss.Sign(c.ctx, cara, Signature{Consent: true, Kind: "typed", Typed: "Cara Cabinet", Values: values}))
		rc, _, err := c.files.Open(c.ctx, c.envelope(env.ID).CurrentBlob)
		noErr(t, err)
		doc, err := io.ReadAll(rc)
		rc.Close()
		noErr(t, err)
		out, err := exec.Command("pdftotext", "-layout", signingtest.WriteTemp(t, "signed.pdf", doc), "-").CombinedOutput()
		noErr(t, err)
		text := string(out)
		for _, want := range []string{"\u2714 I have read the terms", "Send me a copy by post", "\u2714 Insured"} {
			if !strings.Contains(text, want) {
				t.Errorf("pdftotext lacks %q:\n%s", want, text)
			}
		}
	})
}
