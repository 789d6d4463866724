package smtpmail_test

import (
	"context"
	"strings"
	"testing"

	"dbtp/internal/mail"
	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/smtpmail"
	"dbtp/internal/post/provider/smtpmail/smtpdtest"
)

func sender(t *testing.T, addr string) *smtpmail.Provider {
	t.Helper()
	s, err := mail.New(mail.Config{Addr: addr, From: "Northshire Council <noreply@northshire.example>", StartTLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	return smtpmail.New(s)
}

func TestSendToARealServer(t *testing.T) {
	srv := smtpdtest.Start(t, "")
	p := sender(t, srv.Addr)
	res, err := p.Send(context.Background(), provider.Message{ID: "n1", Kind: "email", To: "rita@example.org", Subject: "Your bin collection – Tuesday",
		Text: "Dear Rita,\n\nYour bins go on Tuesday.", HTML: "<p>Dear Rita,</p><p>Your bins go on Tuesday.</p>", ReplyTo: "contact@northshire.example"})
	if err != nil || res.Status != "delivered" {
		t.Fatalf("send: %+v, %v", res, err)
	}
	ms := srv.Messages()
	if len(ms) != 1 {
		t.Fatalf("%d messages saved", len(ms))
	}
	m := ms[0]
	if m.To != "rita@example.org" || m.Subject != "Your bin collection – Tuesday" || !strings.Contains(m.Body, "Your bins go on Tuesday.") ||
		!strings.Contains(m.Body, "text/html") || !strings.Contains(m.Header.Get("Content-Type"), "multipart/alternative") {
		t.Fatalf("saved message: %+v", m)
	}
	// The service's reply-to address is the message's Reply-To.
	if rt := m.Header.Get("Reply-To"); rt != "<contact@northshire.example>" {
		t.Fatalf("Reply-To %q", rt)
	}
	// Without one, there is no Reply-To header at all.
	_, err = p.Send(context.Background(), provider.Message{ID: "n2", Kind: "email", To: "rita@example.org", Subject: "No reply-to", Text: "x"})
	noErr(t, err)
	if ms := srv.Messages(); len(ms) != 2 || ms[1].Header.Get("Reply-To") != "" || len(ms[1].Header["Reply-To"]) != 0 {
		t.Fatalf("a message without a reply-to: %+v", ms[len(ms)-1])
	}
}

// A reply-to address that would add a header of its own (a Bcc) is
// refused for good and nothing reaches the server.
func TestReplyToCannotInjectHeaders(t *testing.T) {
	srv := smtpdtest.Start(t, "")
	p := sender(t, srv.Addr)
	for _, rt := range []string{"contact@northshire.example\r\nBcc: eve@example.org", "contact@northshire.example\nBcc: eve@example.org",
		"contact@northshire.example, eve@example.org"} {
		_, err := p.Send(context.Background(), provider.Message{Kind: "email", To: "rita@example.org", Subject: "x", Text: "x", ReplyTo: rt})
		if !provider.IsPermanent(err) {
			t.Fatalf("reply-to %q: %v", rt, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages saved", n)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPermanentAndTemporaryFailures(t *testing.T) {
	srv := smtpdtest.Start(t, "")
	p := sender(t, srv.Addr)
	ctx := context.Background()
	_, err := p.Send(ctx, provider.Message{Kind: "email", To: "bounce@example.org", Subject: "x", Text: "x"})
	if !provider.IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("refused mailbox: %v", err)
	}
	_, err = p.Send(ctx, provider.Message{Kind: "email", To: "not an address", Subject: "x", Text: "x"})
	if !provider.IsPermanent(err) {
		t.Fatalf("bad address: %v", err)
	}
	_, err = p.Send(ctx, provider.Message{Kind: "sms", To: "+447700900123", Text: "x"})
	if !provider.IsPermanent(err) {
		t.Fatalf("text message: %v", err)
	}
	down := sender(t, smtpdtest.FreeAddr(t))
	_, err = down.Send(ctx, provider.Message{Kind: "email", To: "rita@example.org", Subject: "x", Text: "x"})
	if err == nil || provider.IsPermanent(err) {
		t.Fatalf("relay down: want a temporary error, got %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages saved", n)
	}
}
