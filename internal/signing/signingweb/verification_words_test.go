package signingweb

import (
	"testing"

	"dbtp/internal/signing/verify"
)

// Signatures are headed by who made them, in words: a person's name
// (made with the council's certificate, so never "the seal"), the seal as
// the council's; certificate subjects as names.
func TestVerificationWords(t *testing.T) {
	for _, c := range []struct {
		sig  verify.Signature
		want string
	}{
		{verify.Signature{Field: "Signature of Ann Example (rcp_1)", Signer: "Kent County Council seal", SealedByCouncil: true}, "Ann Example"},
		{verify.Signature{Field: "Signature of Ann (rcp_1)", Name: "Ann Example", SealedByCouncil: true}, "Ann Example"},
		{verify.Signature{Field: "Seal of Kent County Council", Name: "x", SealedByCouncil: true}, "Council seal"},
		{verify.Signature{Field: "Signature1", SealedByCouncil: true}, "Council seal"},
		{verify.Signature{Field: "Signature1", Signer: "Someone Else"}, "Someone Else"},
	} {
		if got := sigHeading(c.sig, or(c.sig.Signer, "an unknown signer")); got != c.want {
			t.Errorf("%+v headed %q, want %q", c.sig, got, c.want)
		}
	}
	for dn, want := range map[string]string{
		"CN=Kent County Council seal,O=Kent County Council,C=GB": "Kent County Council seal",
		"CN=Time stamps,O=Acme\\, Ltd,C=GB":                      "Time stamps (Acme, Ltd)",
		"O=Kent County Council,C=GB":                             "Kent County Council",
	} {
		if got := dnName(dn); got != want {
			t.Errorf("dnName(%q) = %q, want %q", dn, got, want)
		}
	}
}

func TestEvidenceWords(t *testing.T) {
	for in, want := range map[string]string{
		"1 page(s)": "1 page", "3 page(s), made from the template": "3 pages, made from the template",
		"2 recipient(s); expires 2026-12-29": "2 recipients; expires on 29 December 2026",
	} {
		if got := eventDetail(in); got != want {
			t.Errorf("eventDetail(%q) = %q, want %q", in, got, want)
		}
	}
	if eventName("code_sent") != "One-time code sent" || eventName("new_thing") != "New thing" {
		t.Errorf("event names: %q, %q", eventName("code_sent"), eventName("new_thing"))
	}
}
