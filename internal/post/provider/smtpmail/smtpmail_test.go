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
		Text: "Dear Rita,\n\nYour bins go on Tuesday.", HTML: "<p>Dear Rita,</p><p>Your bins go on Tuesday.</p>"})
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
