package postweb

import (
	"context"
	"encoding/base64"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// scanEmail is a scanner's "scan to email" with one PDF attached.
func scanEmail(id, name string, pdf []byte) string {
	enc := base64.StdEncoding.EncodeToString(pdf)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	return "From: MFD-2 <scanner@northshire.example>\r\nTo: post@dbtp.test\r\nSubject: Scan\r\nMessage-ID: <" + id + ">\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nScanned.\r\n--B\r\nContent-Type: application/pdf; name=\"" + name +
		"\"\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--B--\r\n"
}

// waitItems waits (the receiver and the poller work in the background)
// until the post room holds n items, and returns them.
func (e *env) waitItems(n int) []post.InboundItem {
	e.t.Helper()
	sys := platform.System(e.org.ID)
	deadline := time.Now().Add(30 * time.Second)
	for {
		items, err := e.m.Inbound().List(e.ctx, sys, post.InboundFilter{})
		noErr(e.t, err)
		if len(items) >= n || time.Now().After(deadline) {
			if len(items) != n {
				e.t.Fatalf("%d items, want %d", len(items), n)
			}
			return items
		}
		<-time.After(50 * time.Millisecond)
	}
}

// TestInboundSMTP: with DBTP_POST_INBOUND_SMTP_ADDR set, dbtp takes
// scanned post by email on its own port, for the host council, and
// refuses what is not a scan with the reason.
func TestInboundSMTP(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_INBOUND_SMTP_ADDR": "127.0.0.1:0", "DBTP_POST_INBOUND_SMTP_TO": "post@dbtp.test",
			"DBTP_POST_INBOUND_SMTP_ALLOW": "10.0.0.0/8, 127.0.0.1", "DBTP_POST_TESSERACT": "/nonexistent/tesseract"})
		addr := e.m.SMTPAddr()
		if addr == "" {
			t.Fatal("no SMTP port")
		}
		pdf := scannedLetter("ASC-2026-000042")
		noErr(t, smtp.SendMail(addr, nil, "scanner@northshire.example", []string{"post@dbtp.test"}, []byte(scanEmail("m1@northshire.example", "scan.pdf", pdf))))
		items := e.waitItems(1)
		if it := items[0]; it.Source != post.SourceEmail || it.Sender != "scanner@northshire.example" || it.Name != "scan.pdf" || it.Status != post.InboundReading {
			t.Fatalf("item %+v", it)
		}
		locked := []byte("%PDF-1.6\ntrailer<</Root 1 0 R/Encrypt 2 0 R>>\n%%EOF")
		err := smtp.SendMail(addr, nil, "scanner@northshire.example", []string{"post@dbtp.test"}, []byte(scanEmail("m2@northshire.example", "locked.pdf", locked)))
		if err == nil || !strings.Contains(err.Error(), "encrypted PDF") {
			t.Fatalf("encrypted by email: %v", err)
		}
		e.waitItems(1)
	})
}

type literal struct{ *strings.Reader }

func (l literal) Size() int64 { return int64(l.Len()) }

// TestInboundIMAP: with DBTP_POST_IMAP_* set, dbtp collects scanned post
// from the mailbox (go-imap's in-memory server on a loopback port), each
// message once.
func TestInboundIMAP(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		mem := imapmemserver.New()
		u := imapmemserver.NewUser("post", "secret")
		noErr(t, u.Create("INBOX", nil))
		for i, name := range []string{"first.pdf", "second.pdf"} {
			_, err := u.Append("INBOX", literal{strings.NewReader(scanEmail(name+"@northshire.example", name, scannedLetter("ASC-2026-00004"+string(rune('1'+i)))))}, &imap.AppendOptions{})
			noErr(t, err)
		}
		mem.AddUser(u)
		srv := imapserver.New(&imapserver.Options{NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		}, InsecureAuth: true, Caps: imap.CapSet{imap.CapIMAP4rev1: {}}})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		noErr(t, err)
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_IMAP_ADDR": ln.Addr().String(), "DBTP_POST_IMAP_SECURITY": "none",
			"DBTP_POST_IMAP_USER": "post", "DBTP_POST_IMAP_PASSWORD": "secret", "DBTP_POST_IMAP_EVERY": "1s", "DBTP_POST_TESSERACT": "/nonexistent/tesseract"})
		items := e.waitItems(2)
		names := items[0].Name + " " + items[1].Name
		if !strings.Contains(names, "first.pdf") || !strings.Contains(names, "second.pdf") || items[0].Source != post.SourceIMAP {
			t.Fatalf("items %+v", items)
		}
		// A later poll takes the new message and not the first two again.
		_, err = u.Append("INBOX", literal{strings.NewReader(scanEmail("third@northshire.example", "third.pdf", scannedLetter("X")))}, &imap.AppendOptions{})
		noErr(t, err)
		e.waitItems(3)
		e.m.Stop()
		var n int
		noErr(t, db.QueryRow(context.Background(), "SELECT COUNT(*) FROM post_inbound").Scan(&n))
		if n != 3 {
			t.Fatalf("%d items", n)
		}
	})
}
