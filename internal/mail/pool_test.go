package mail

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"dbtp/internal/mail/smtptest"
)

func TestPoolKeepsConversationsOpen(t *testing.T) {
	relay := smtptest.Start(t)
	s, err := New(Config{Addr: relay.Addr, From: "Council <noreply@council.example>", StartTLS: TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(s, 2)
	defer p.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Send(ctx, Message{To: "person@example.org", Subject: "Message", Text: strings.Repeat("x", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(relay.Messages()); n != 20 {
		t.Fatalf("%d messages arrived, want 20", n)
	}
	// The relay's refusal is reported, and the conversation goes on.
	relay.FailNext(1)
	if err := p.Send(ctx, Message{To: "person@example.org", Subject: "Refused", Text: "x"}); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("refused: %v", err)
	}
	if err := p.Send(ctx, Message{To: "person@example.org", Subject: "After", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(ctx, Message{To: "not an address", Subject: "x", Text: "x"}); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("bad address: %v", err)
	}
	// Kept conversations the relay dropped are replaced.
	kept := len(p.idle)
	if kept == 0 {
		t.Fatal("no conversation was kept")
	}
	for range kept {
		pc := <-p.idle
		pc.conn.Close()
		p.idle <- pc
	}
	if err := p.Send(ctx, Message{To: "person@example.org", Subject: "Dropped", Text: "x"}); err != nil {
		t.Fatalf("after the relay dropped the kept conversations: %v", err)
	}
	if n := len(relay.Messages()); n != 22 {
		t.Fatalf("%d messages arrived, want 22", n)
	}
}
