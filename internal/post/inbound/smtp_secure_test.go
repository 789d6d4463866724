package inbound

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"
)

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dbtp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// A connection from an address not on the allow list is told no and
// delivers nothing; one from an allowed network is served.
func TestSMTPReceiverAllowList(t *testing.T) {
	var box inbox
	pdf := TypedLetter("Your reference: COMP-2026-000042")
	for _, c := range []struct {
		allow string
		ok    bool
	}{{"10.0.0.0/8, 192.0.2.7", false}, {"10.0.0.0/8, 127.0.0.0/8", true}, {"127.0.0.1", true}} {
		allow, err := ParseAllow(c.allow)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ListenSMTP("127.0.0.1:0", box.deliver, SMTPOptions{Allow: allow})
		if err != nil {
			t.Fatal(err)
		}
		err = smtp.SendMail(r.Addr(), nil, "scanner@northshire.example", []string{"post@dbtp.test"}, []byte(message("letter.pdf", pdf)))
		r.Close()
		if c.ok && err != nil {
			t.Errorf("allow %q: %v", c.allow, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "554")) {
			t.Errorf("allow %q: err %v, want a 554 refusal", c.allow, err)
		}
	}
	if len(box.got) != 2 {
		t.Fatalf("delivered %d, want 2", len(box.got))
	}
	if _, err := ParseAllow("10.0.0.0/8, scanners"); err == nil || !strings.Contains(err.Error(), "scanners") {
		t.Fatalf("a bad entry: %v", err)
	}
}

// With a certificate the port offers STARTTLS; with RequireTLS a sender
// that does not start TLS is refused before it can send.
func TestSMTPReceiverTLS(t *testing.T) {
	var box inbox
	cfg, pool := selfSigned(t)
	if _, err := ListenSMTP("127.0.0.1:0", box.deliver, SMTPOptions{RequireTLS: true}); err == nil {
		t.Fatal("RequireTLS without a certificate started")
	}
	r, err := ListenSMTP("127.0.0.1:0", box.deliver, SMTPOptions{TLS: cfg, RequireTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pdf := TypedLetter("Your reference: COMP-2026-000042")
	send := func(startTLS bool) error {
		c, err := smtp.Dial(r.Addr())
		if err != nil {
			return err
		}
		defer c.Close()
		if ok, _ := c.Extension("STARTTLS"); !ok {
			t.Fatal("STARTTLS not offered")
		}
		if startTLS {
			if err := c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}); err != nil {
				return err
			}
		}
		if err := c.Mail("scanner@northshire.example"); err != nil {
			return err
		}
		if err := c.Rcpt("post@dbtp.test"); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(message("letter.pdf", pdf))); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		return c.Quit()
	}
	if err := send(false); err == nil || !strings.Contains(err.Error(), "530") {
		t.Fatalf("plain text: %v, want 530", err)
	}
	if err := send(true); err != nil {
		t.Fatal(err)
	}
	if len(box.got) != 1 {
		t.Fatalf("delivered %d, want 1", len(box.got))
	}
}

// A link-local peer comes with its interface's zone (fe80::1%eth0), which
// no prefix contains: the allow list matches the address without it.
func TestAllowListMatchesZonedAddresses(t *testing.T) {
	allow, err := ParseAllow("fe80::/10, 10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseAllow("10.0.0.0/8, fe80::1%eth0"); err == nil || !strings.Contains(err.Error(), "fe80::1%eth0") {
		t.Fatalf("a zoned entry: %v", err)
	}
	l := &allowListener{allow: allow}
	for addr, want := range map[net.Addr]bool{
		&net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0", Port: 25}:     true,
		&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 25}:                   true,
		&net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 25}:                  true,
		&net.TCPAddr{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 25}:           true,
		&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Zone: "eth0", Port: 25}: false,
		&net.TCPAddr{IP: net.ParseIP("10.1.2.4"), Port: 25}:                  false,
	} {
		if got := l.allowed(addr); got != want {
			t.Errorf("%s: allowed %v, want %v", addr, got, want)
		}
	}
}

// Refused connections are warned of once each refusedLogEvery, so a
// scan of the internet cannot fill the log.
func TestRefusedConnectionsLoggedSparingly(t *testing.T) {
	var logged lockedBuffer
	allow, _ := ParseAllow("10.0.0.0/8")
	var box inbox
	r, err := ListenSMTP("127.0.0.1:0", box.deliver, SMTPOptions{Allow: allow, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for range 3 {
		c, err := net.Dial("tcp", r.Addr())
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || !strings.HasPrefix(line, "554 ") {
			t.Fatalf("refused with %q, %v", line, err)
		}
	}
	if n := strings.Count(logged.String(), "connection refused"); n != 1 {
		t.Fatalf("%d warnings for 3 refusals:\n%s", n, logged.String())
	}
}

// lockedBuffer is a log's output read by the test while the listener writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
