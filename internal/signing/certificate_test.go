package signing

import (
	"bytes"
	"testing"
	"time"
)

func TestCP1252(t *testing.T) {
	for in, want := range map[string]string{
		"Plain text 123":          "Plain text 123",
		"\u201cCara\u201d \u00a3": "\x93Cara\x94 \xa3",
		"caf\u00e9 \u20ac5":       "caf\xe9 \x805",
		"\u4e2d\u6587":            "..", // not in the code page
	} {
		if got := cp1252(in); got != want {
			t.Errorf("cp1252(%q) = %q, want %q", in, got, want)
		}
	}
}

// The certificate's page content is stored uncompressed (see
// completionCertificate), so its words are in the file as written.
func TestCompletionCertificateText(t *testing.T) {
	doc := benchCertificate(t)
	for _, want := range []string{"Completion certificate", "Cara Test", "\x93Cara\x94", "Step 1: Cara Test"} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("the certificate lacks %q", want)
		}
	}
}

func benchCertificate(tb testing.TB) []byte {
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	env := Envelope{ID: "env-1", Title: "Contract", SenderName: "Sam Sender", SentAt: at.Add(-time.Hour), OriginalSHA256: "ab12"}
	rs := []Recipient{{Step: 1, Name: "Cara Test", Role: RoleSigner, Email: "cara@example.org", Status: RecipientSigned,
		SignatureKind: "typed", SignatureText: "Cara", ConsentedAt: at, ActedAt: at, ActedFrom: "127.0.0.1", IdentifiedBy: "staff sign-in"}}
	var evs []Event
	for i := 0; i < 12; i++ {
		evs = append(evs, Event{At: at, Action: "viewed", ActorName: "Cara Test", Address: "127.0.0.1", DocSHA256: "cd34"})
	}
	doc, err := completionCertificate(env, rs, evs, "Test Council", "ef56", at)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func BenchmarkCompletionCertificate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchCertificate(b)
	}
}
