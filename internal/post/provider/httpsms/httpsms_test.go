package httpsms_test

import (
	"context"
	"testing"

	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/httpsms"
	"dbtp/internal/post/provider/httpsms/smstest"
)

func TestGateway(t *testing.T) {
	ctx := context.Background()
	g := smstest.Start(t, "gateway-token")
	p, err := httpsms.New(httpsms.Config{URL: g.URL + "/", Token: "gateway-token"})
	if err != nil {
		t.Fatal(err)
	}
	m := provider.Message{ID: "n-1", Kind: "sms", To: "+447700900123", Sender: "NCC", Text: "Your bins go on Tuesday"}
	res, err := p.Send(ctx, m)
	if err != nil || res.Status != "sending" || res.Ref == "" {
		t.Fatalf("send: %+v %v", res, err)
	}
	again, err := p.Send(ctx, m)
	if err != nil || again.Ref != res.Ref || len(g.Messages()) != 1 {
		t.Fatalf("a repeated id: %+v %v, %d messages", again, err, len(g.Messages()))
	}
	if got := g.Messages()[0]; got.To != m.To || got.From != "NCC" || got.Body != m.Text {
		t.Fatalf("gateway got %+v", got)
	}
	for gw, want := range map[string]string{"sending": "sending", "delivered": "delivered", "failed": "permanent-failure", "expired": "temporary-failure"} {
		g.SetStatus(res.Ref, gw)
		if st, err := p.Check(ctx, res.Ref); err != nil || st != want {
			t.Fatalf("%s: %q %v", gw, st, err)
		}
	}
	if _, err := p.Send(ctx, provider.Message{ID: "n-2", Kind: "sms", To: "+441632960000", Text: "landline"}); !provider.IsPermanent(err) {
		t.Fatalf("a landline: %v", err)
	}
	if _, err := p.Send(ctx, provider.Message{ID: "n-3", Kind: "email", To: "a@example.org"}); !provider.IsPermanent(err) {
		t.Fatalf("an email: %v", err)
	}
	g.SetDown(true)
	if _, err := p.Send(ctx, provider.Message{ID: "n-4", Kind: "sms", To: "+447700900124", Text: "x"}); err == nil || provider.IsPermanent(err) {
		t.Fatalf("gateway down: want a temporary error, got %v", err)
	}
	bad, _ := httpsms.New(httpsms.Config{URL: g.URL, Token: "wrong"})
	g.SetDown(false)
	if _, err := bad.Send(ctx, provider.Message{ID: "n-5", Kind: "sms", To: "+447700900125", Text: "x"}); err == nil || provider.IsPermanent(err) {
		t.Fatalf("wrong token: want a temporary error (messages wait for the setting to be fixed), got %v", err)
	}
	if _, err := httpsms.New(httpsms.Config{URL: "sms.example.net"}); err == nil {
		t.Fatal("a URL without a scheme was accepted")
	}
}
