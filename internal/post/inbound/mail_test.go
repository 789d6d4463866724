package inbound

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// message is an email as a scanner sends one: a line of text and the
// scan attached in base64.
func message(name string, scan []byte) string {
	enc := base64.StdEncoding.EncodeToString(scan)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	return "From: Scanner <scanner@northshire.example>\r\nTo: post@dbtp.test\r\nSubject: Scan from MFD-2\r\nMessage-ID: <scan-1@northshire.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nScanned by MFD-2\r\n" +
		"--XYZ\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--XYZ--\r\n"
}

type inbox struct {
	mu   sync.Mutex
	got  []Mail
	fail error
}

func (b *inbox) deliver(_ context.Context, m Mail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.got = append(b.got, m)
	return nil
}

func TestSMTPReceiver(t *testing.T) {
	var box inbox
	r, err := ListenSMTP("127.0.0.1:0", box.deliver, SMTPOptions{To: []string{"post@dbtp.test"}, MaxBytes: 200 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pdf := TypedLetter("Your reference: COMP-2026-000042")
	if err := smtp.SendMail(r.Addr(), nil, "scanner@northshire.example", []string{"post@dbtp.test"}, []byte(message("letter.pdf", pdf))); err != nil {
		t.Fatal(err)
	}
	if len(box.got) != 1 || len(box.got[0].Scans) != 1 {
		t.Fatalf("got %+v", box.got)
	}
	m := box.got[0]
	if s := m.Scans[0]; s.Name != "letter.pdf" || s.MediaType != PDF || string(s.Content) != string(pdf) || m.From != "scanner@northshire.example" || m.MessageID != "scan-1@northshire.example" {
		t.Fatalf("mail %+v", m)
	}
	// Refusals, each with its reason and nothing delivered.
	for _, c := range []struct{ to, body, want string }{
		{"someone@dbtp.test", message("a.pdf", pdf), "550"},
		{"post@dbtp.test", message("notes.txt", []byte("just text")), "no scanned post attached"},
		{"post@dbtp.test", message("big.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 300<<10)...)), "552"},
	} {
		err := smtp.SendMail(r.Addr(), nil, "x@northshire.example", []string{c.to}, []byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("to %s: err %v, want %q", c.to, err, c.want)
		}
	}
	box.fail = Reject(errors.New("the scan is encrypted"))
	if err := smtp.SendMail(r.Addr(), nil, "x@northshire.example", []string{"post@dbtp.test"}, []byte(message("a.pdf", pdf))); err == nil || !strings.Contains(err.Error(), "the scan is encrypted") {
		t.Errorf("rejected: %v", err)
	}
	box.fail = errors.New("database down")
	if err := smtp.SendMail(r.Addr(), nil, "x@northshire.example", []string{"post@dbtp.test"}, []byte(message("a.pdf", pdf))); err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("temporary: %v", err)
	}
	if len(box.got) != 1 {
		t.Fatalf("delivered %d", len(box.got))
	}
}

// imapServer is go-imap's in-memory server on a loopback port with one
// mailbox holding msgs.
func imapServer(t *testing.T, msgs ...string) (string, *imapmemserver.User) {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("post", "secret")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := u.Append("INBOX", literal(m), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
		return mem.NewSession(), nil, nil
	}, InsecureAuth: true, Caps: imap.CapSet{imap.CapIMAP4rev1: {}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), u
}

type lit struct{ *strings.Reader }

func (l lit) Size() int64 { return int64(l.Len()) }

func literal(s string) imap.LiteralReader { return lit{strings.NewReader(s)} }

func TestPollIMAP(t *testing.T) {
	pdf := TypedLetter("Your reference: COMP-2026-000042")
	huge := message("huge.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 200<<10)...))
	addr, _ := imapServer(t, message("one.pdf", pdf), message("notes.txt", []byte("text only")), message("two.pdf", pdf), huge)
	cfg := IMAPConfig{Addr: addr, Security: "none", Username: "post", Password: "secret", MaxBytes: 100 << 10}
	ctx := context.Background()
	var box inbox
	box.fail = errors.New("database down")
	if res, err := PollIMAP(ctx, cfg, box.deliver); err == nil || res.Kept != 0 {
		t.Fatalf("poll while failing: %+v %v", res, err)
	}
	box.fail = nil
	res, err := PollIMAP(ctx, cfg, box.deliver)
	if err != nil || res.Kept != 2 || res.Refused != 2 || len(box.got) != 2 || box.got[1].Scans[0].Name != "two.pdf" {
		t.Fatalf("poll: %+v %v %+v", res, err, box.got)
	}
	// Each message is collected once: the next poll finds nothing new.
	if res, err := PollIMAP(ctx, cfg, box.deliver); err != nil || res.Kept+res.Refused != 0 {
		t.Fatalf("second poll: %+v %v", res, err)
	}
	// The refused ones (no scan; too large) are flagged for a person.
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("post", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	found, err := c.Search(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagFlagged}}, nil).Wait()
	if err != nil || len(found.AllSeqNums()) != 2 || found.AllSeqNums()[0] != 2 || found.AllSeqNums()[1] != 4 {
		t.Fatalf("flagged: %+v %v", found, err)
	}
	if _, err := PollIMAP(ctx, IMAPConfig{Addr: addr, Security: "none", Username: "post", Password: "wrong"}, box.deliver); err == nil {
		t.Fatal("wrong password polled")
	}
}
