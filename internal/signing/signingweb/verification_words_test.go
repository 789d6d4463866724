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
