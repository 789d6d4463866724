package postweb

import (
	"log/slog"
	"strings"
	"testing"

	"dbtp/internal/module"
	"dbtp/internal/post/inbound"
)

// The SMTP port's security settings: each mistake is named at start, and
// good settings reach the receiver.
func TestInboundSMTPSecuritySettings(t *testing.T) {
	part := func(settings map[string]string) *inboundPart {
		return &inboundPart{m: &Module{d: &module.Deps{Log: slog.New(slog.DiscardHandler),
			Config: module.Config{Getenv: func(k string) string { return settings[k] }}}}}
	}
	for _, c := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{envSMTPAllow: "10.0.0.0/8, scanners"}, envSMTPAllow + ": not an address or network: scanners"},
		{map[string]string{envSMTPCert: "/etc/dbtp/smtp.pem"}, "give both or neither"},
		{map[string]string{envSMTPCert: "/nonexistent/cert.pem", envSMTPKey: "/nonexistent/key.pem"}, envSMTPCert},
		{map[string]string{envSMTPRequireTLS: "true"}, "needs a certificate"},
		{map[string]string{envSMTPRequireTLS: "sometimes"}, "want true or false"},
	} {
		var opts inbound.SMTPOptions
		err := part(c.settings).smtpSecurity(&opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.settings, err, c.want)
		}
	}
	var opts inbound.SMTPOptions
	if err := part(map[string]string{envSMTPAllow: "10.20.0.0/16, 192.0.2.7"}).smtpSecurity(&opts); err != nil {
		t.Fatal(err)
	}
	if len(opts.Allow) != 2 || opts.Allow[1].String() != "192.0.2.7/32" || opts.TLS != nil || opts.RequireTLS {
		t.Fatalf("options %+v", opts)
	}
}
