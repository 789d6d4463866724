package post

import (
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/httpsms"
	"dbtp/internal/post/provider/httpsms/smstest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestPlatformTextGoesToTheSMSGateway: a module's text message (a
// signer's one-time code) is made a notification of a service of its own,
// delivered by the SMS provider to a real HTTP gateway, once however often
// it is handed over; a number that is not a UK mobile is refused on the
// spot with Notify's words, and nothing is queued.
func TestPlatformTextGoesToTheSMSGateway(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		gw := smstest.Start(t, "gateway-token")
		sms, err := httpsms.New(httpsms.Config{URL: gw.URL, Token: "gateway-token"})
		noErr(t, err)
		e.deliverer(Delivery{Providers: map[string]provider.Provider{KindSMS: sms}})
		m := PlatformText{MessageID: "signing-code:1", OrgID: e.org.ID, Service: "Electronic signatures", To: "07700 900123",
			Body: "Your code is 123456.", Reference: "env_1"}
		id, err := e.ps.SendPlatformText(e.ctx, m)
		noErr(t, err)
		again, err := e.ps.SendPlatformText(e.ctx, m)
		noErr(t, err)
		if again != id {
			t.Fatalf("handed over twice: %s and %s", id, again)
		}
		e.run()
		got := gw.Messages()
		if len(got) != 1 || got[0].To != "+447700900123" || got[0].Body != "Your code is 123456." {
			t.Fatalf("gateway: %+v", got)
		}
		if st := e.state(id); st.Status != StatusSending || st.Provider != "http-sms" {
			t.Fatalf("state: %+v", st)
		}
		var name string
		noErr(t, db.QueryRow(e.ctx, "SELECT s.name FROM post_notifications n JOIN post_services s ON s.id = n.service_id WHERE n.id = ?", id).Scan(&name))
		if name != "Electronic signatures" {
			t.Fatalf("sent through %q", name)
		}

		before := e.deliveriesQueued()
		_, err = e.ps.SendPlatformText(e.ctx, PlatformText{MessageID: "signing-code:2", OrgID: e.org.ID, Service: "Electronic signatures", To: "01632 960000", Body: "x"})
		if platform.CodeOf(err) != platform.CodeInvalid || !strings.Contains(err.Error(), "Not a UK mobile number") {
			t.Fatalf("a landline: %v", err)
		}
		if e.deliveriesQueued() != before {
			t.Fatal("a refused text was queued")
		}
		if _, err := e.ps.SendPlatformText(e.ctx, PlatformText{MessageID: "x", OrgID: e.org.ID, To: "07700 900123", Body: "x"}); platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("no service name: %v", err)
		}
	})
}
