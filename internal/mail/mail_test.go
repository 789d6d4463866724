package mail_test

import (
	"context"
	"errors"
	"io"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"dbtp/internal/mail"
	"dbtp/internal/mail/smtptest"
)

func read(t *testing.T, raw string) (*netmail.Message, string) {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(m.Body)
	return m, string(body)
}

func TestSend(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.New(mail.Config{Addr: srv.Addr, From: "Kent County Council <noreply@kent.example>", StartTLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	text := "Your code is 123456.\n.A line starting with a dot\nCafé – ünïcode and a long line " + strings.Repeat("x", 100)
	if err := s.Send(context.Background(), mail.Message{To: "pat@example.com", Subject: "Your code – Kent", Text: text,
		ReplyTo: "Customer Services <contact@kent.example>"}); err != nil {
		t.Fatal(err)
	}
	ms := srv.Messages()
	if len(ms) != 1 || ms[0].From != "noreply@kent.example" || len(ms[0].To) != 1 || ms[0].To[0] != "pat@example.com" {
		t.Fatalf("envelope %+v", ms)
	}
	m, body := read(t, ms[0].Data)
	for k, want := range map[string]string{"MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "quoted-printable", "To": "<pat@example.com>", "Reply-To": `"Customer Services" <contact@kent.example>`} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if subj, err := new(mimeDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil || subj != "Your code – Kent" {
		t.Errorf("subject %q %v", subj, err)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := m.Header.Get("Message-ID"); !strings.HasSuffix(id, "@kent.example>") {
		t.Errorf("Message-ID %q", id)
	}
	decoded := strings.TrimSuffix(decodeQP(t, body), "\r\n")
	if decoded != strings.ReplaceAll(text, "\n", "\r\n") {
		t.Errorf("body %q", decoded)
	}
	for _, line := range strings.Split(body, "\r\n") {
		if len(line) > 76 {
			t.Errorf("line longer than 76: %q", line)
		}
	}
}

func TestAuthOnLoopback(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("dbtp", "s3cret"))
	cfg := mail.Config{Addr: srv.Addr, From: "noreply@kent.example", Username: "dbtp", Password: "wrong", StartTLS: mail.TLSOpportunistic}
	s, _ := mail.New(cfg)
	err := s.Send(context.Background(), mail.Message{To: "pat@example.com", Subject: "x", Text: "x"})
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad password: %v", err)
	}
	cfg.Password = "s3cret"
	s, _ = mail.New(cfg)
	if strings.Contains(s.String(), "s3cret") {
		t.Fatalf("String shows the password: %s", s)
	}
	if err := s.Send(context.Background(), mail.Message{To: "pat@example.com", Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if ms := srv.Messages(); len(ms) != 1 || ms[0].Auth != "dbtp" {
		t.Fatalf("%+v", ms)
	}
}

func TestRequireTLS(t *testing.T) {
	srv := smtptest.Start(t)
	s, _ := mail.New(mail.Config{Addr: srv.Addr, From: "noreply@kent.example"}) // default: require
	err := s.Send(context.Background(), mail.Message{To: "pat@example.com", Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sent without TLS: %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("message delivered")
	}
}

func TestRefusesInjection(t *testing.T) {
	srv := smtptest.Start(t)
	s, _ := mail.New(mail.Config{Addr: srv.Addr, From: "noreply@kent.example", StartTLS: mail.TLSNone})
	for _, m := range []mail.Message{
		{To: "pat@example.com\r\nBcc: eve@example.com", Subject: "x"},
		{To: "pat@example.com", Subject: "x\r\nBcc: eve@example.com"},
		{To: "pat@example.com", Subject: "x\nBcc: eve@example.com"},
		{To: "not an address", Subject: "x"},
		{To: "a@example.com, b@example.com", Subject: "x"},
		// A reply-to address is one address on one line, or nothing.
		{To: "pat@example.com", Subject: "x", ReplyTo: "contact@kent.example\r\nBcc: eve@example.com"},
		{To: "pat@example.com", Subject: "x", ReplyTo: "contact@kent.example\nBcc: eve@example.com"},
		{To: "pat@example.com", Subject: "x", ReplyTo: "contact@kent.example, eve@example.com"},
		{To: "pat@example.com", Subject: "x", ReplyTo: "not an address"},
	} {
		if err := s.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("message delivered")
	}
	for _, cfg := range []mail.Config{{Addr: "nohost", From: "a@b.example"}, {Addr: srv.Addr, From: "x\r\ny"},
		{Addr: srv.Addr, From: "a@b.example", StartTLS: "maybe"}} {
		if _, err := mail.New(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}

func TestTimeout(t *testing.T) {
	// A relay that accepts the connection and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(2 * time.Second)
		}
	}()
	s, _ := mail.New(mail.Config{Addr: ln.Addr().String(), From: "a@b.example", StartTLS: mail.TLSNone, Timeout: 200 * time.Millisecond})
	start := time.Now()
	if err := s.Send(context.Background(), mail.Message{To: "pat@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("no error")
	}
	if time.Since(start) > time.Second {
		t.Fatal("timeout not applied")
	}
}
