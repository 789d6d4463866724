package printdrop

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/post/letter"
	"dbtp/internal/post/notify"
	"dbtp/internal/post/provider"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func letterPDF(t *testing.T, pages int) []byte {
	t.Helper()
	var blocks []notify.Block
	for i := 1; i < pages; i++ {
		blocks = append(blocks, notify.Block{Kind: notify.PageBreak})
	}
	pdf, n, err := letter.Render(letter.Letter{Address: []string{"Rita Resident", "12 Mill Lane", "Northtown", "NS2 3BB"}, Heading: "Hello", Blocks: blocks})
	if err != nil || n != pages {
		t.Fatalf("%d pages, %v", n, err)
	}
	return pdf
}

func message(t *testing.T, id string, pages int) provider.Message {
	return provider.Message{ID: id, Kind: "letter", Address: []string{"Rita Resident", "12 Mill Lane", "Northtown", "NS2 3BB"}, PDF: letterPDF(t, pages),
		Postage: "first", LargePrint: pages == 2, Reference: "=HYPERLINK(\"x\")"}
}

func TestFolderBatches(t *testing.T) {
	ctx := context.Background()
	dest, spool := t.TempDir(), t.TempDir()
	var got []Batch
	d, err := New(Options{Spool: spool, Dir: dest, BatchSize: 3, OnBatch: func(_ context.Context, b Batch) error { got = append(got, b); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"a-1", "a-2"} {
		res, err := d.Send(ctx, message(t, id, i+1))
		if err != nil || res.Status != "accepted" || res.Ref != id {
			t.Fatalf("%+v %v", res, err)
		}
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 0 {
		t.Fatalf("a batch went before it was full: %v", entries)
	}
	// The third letter fills the batch.
	if _, err := d.Send(ctx, message(t, "a-3", 1)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Letters) != 3 {
		t.Fatalf("batches %+v", got)
	}
	dir := filepath.Join(dest, got[0].ID)
	names := list(t, dir)
	if strings.Join(names, " ") != "a-1.pdf a-2.pdf a-3.pdf manifest.csv manifest.json" {
		t.Fatalf("batch holds %v", names)
	}
	var m struct {
		Count   int
		Letters []Entry
	}
	b, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil || m.Count != 3 || m.Letters[1].Pages != 2 || !m.Letters[1].LargePrint || m.Letters[0].Postage != "first" ||
		m.Letters[0].Address[3] != "NS2 3BB" {
		t.Fatalf("manifest %s (%v)", b, err)
	}
	f, _ := os.Open(filepath.Join(dir, "manifest.csv"))
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 4 || rows[0][0] != "id" || rows[2][2] != "2" || rows[1][5] != `'=HYPERLINK("x")` || rows[1][9] != "NS2 3BB" {
		t.Fatalf("csv %v (%v)", rows, err)
	}
	// The spool holds only the sent marks; a flush with nothing waiting
	// writes nothing.
	if left := list(t, spool); len(left) != 1 || left[0] != sentDir {
		t.Fatalf("spool keeps %v", left)
	}
	if b, err := d.Flush(ctx); err != nil || b.ID != "" || len(list(t, dest)) != 1 {
		t.Fatalf("empty flush %+v %v", b, err)
	}
}

func TestNoLetterTwiceAfterACrash(t *testing.T) {
	ctx := context.Background()
	dest, spool := t.TempDir(), t.TempDir()
	d, err := New(Options{Spool: spool, Dir: dest})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Send(ctx, message(t, "b-1", 1)); err != nil {
		t.Fatal(err)
	}
	// The process died after the batch was renamed into place but before
	// the spool was cleared: the plan and the letter are still spooled.
	p, err := d.newPlan()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"b-1.pdf": letterPDF(t, 1)}
	files["manifest.json"], files["manifest.csv"] = manifests(p.Letters)
	if err := folder(dest).put(ctx, p.ID, files); err != nil {
		t.Fatal(err)
	}
	b, err := d.Flush(ctx)
	if err != nil || b.ID != p.ID {
		t.Fatalf("%+v %v", b, err)
	}
	if batches := list(t, dest); len(batches) != 1 {
		t.Fatalf("the letter went twice: %v", batches)
	}
	if left := list(t, spool); len(left) != 1 {
		t.Fatalf("spool keeps %v", left)
	}
}

// TestCheckAndIdempotent: Check follows a letter from the spool to the
// printer, and sending it again after its batch went sends nothing.
func TestCheckAndIdempotent(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	d, err := New(Options{Spool: t.TempDir(), Dir: dest})
	if err != nil {
		t.Fatal(err)
	}
	var p provider.Provider = d
	if ip, ok := p.(interface{ Idempotent() bool }); !ok || !ip.Idempotent() {
		t.Fatal("not idempotent")
	}
	if _, err := d.Check(ctx, "g-1"); err == nil {
		t.Fatal("an unknown letter has a status")
	}
	if _, err := d.Check(ctx, "../x"); err == nil {
		t.Fatal("a path was looked up")
	}
	m := message(t, "g-1", 1)
	if _, err := d.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if st, err := d.Check(ctx, "g-1"); err != nil || st != "accepted" {
		t.Fatalf("spooled: %q %v", st, err)
	}
	// Sent twice before its batch: one letter.
	if _, err := d.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	b, err := d.Flush(ctx)
	if err != nil || len(b.Letters) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	if st, err := d.Check(ctx, "g-1"); err != nil || st != "received" {
		t.Fatalf("sent: %q %v", st, err)
	}
	// Sent again after: nothing spooled, nothing sent.
	res, err := d.Send(ctx, m)
	if err != nil || res.Status != "received" {
		t.Fatalf("%+v %v", res, err)
	}
	if b, err := d.Flush(ctx); err != nil || b.ID != "" || len(list(t, dest)) != 1 {
		t.Fatalf("sent again: %+v %v", b, err)
	}
}

// TestOnBatchFails: the batch reached the printer but recording it failed
// (the database was down): the next flush records it without sending it
// again.
func TestOnBatchFails(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	var told []string
	fail := true
	d, err := New(Options{Spool: t.TempDir(), Dir: dest, OnBatch: func(_ context.Context, b Batch) error {
		if fail {
			return errors.New("database down")
		}
		told = append(told, b.ID)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Send(ctx, message(t, "e-1", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Flush(ctx); err == nil || !strings.Contains(err.Error(), "database down") {
		t.Fatalf("flush: %v", err)
	}
	fail = false
	b, err := d.Flush(ctx)
	if err != nil || len(told) != 1 || told[0] != b.ID || len(list(t, dest)) != 1 {
		t.Fatalf("told %v, batches %v, %v", told, list(t, dest), err)
	}
	if b, err := d.Flush(ctx); err != nil || b.ID != "" || len(told) != 1 {
		t.Fatalf("an empty flush told %v (%v)", told, err)
	}
}

func TestRefusesWhatIsNotALetter(t *testing.T) {
	d, err := New(Options{Spool: t.TempDir(), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []provider.Message{
		{ID: "x", Kind: "email"},
		{ID: "../../etc/passwd", Kind: "letter", PDF: []byte("%PDF-1.3"), Address: []string{"a"}},
		{ID: "x", Kind: "letter", PDF: []byte("hello"), Address: []string{"a"}},
		{ID: "x", Kind: "letter", PDF: []byte("%PDF-1.3"), Address: []string{"a"}, Postage: "pigeon"},
	} {
		if _, err := d.Send(context.Background(), m); !provider.IsPermanent(err) {
			t.Fatalf("%+v: %v", m, err)
		}
	}
	if _, err := New(Options{Spool: t.TempDir()}); err == nil {
		t.Fatal("no destination accepted")
	}
}

// sftpServer is a real SSH server on loopback serving SFTP from memory;
// failWrites makes it refuse to write a file whose name contains it.
type sftpServer struct {
	addr, hostKey string
	failWrites    atomic.Value // string
	handlers      sftp.Handlers
}

type failingWriter struct {
	sftp.FileWriter
	s *sftpServer
}

func (f failingWriter) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	if bad, _ := f.s.failWrites.Load().(string); bad != "" && strings.Contains(r.Filepath, bad) {
		return nil, errors.New("disk full")
	}
	return f.FileWriter.Filewrite(r)
}

func startSFTP(t *testing.T) *sftpServer {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
		if c.User() == "printer" && string(pw) == "s3cret" {
			return nil, nil
		}
		return nil, errors.New("no")
	}}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &sftpServer{addr: ln.Addr().String(), hostKey: string(ssh.MarshalAuthorizedKey(signer.PublicKey())), handlers: sftp.InMemHandler()}
	s.failWrites.Store("")
	handlers := s.handlers
	handlers.FilePut = failingWriter{FileWriter: s.handlers.FilePut, s: s}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				_, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					c.Close()
					return
				}
				go ssh.DiscardRequests(reqs)
				for nc := range chans {
					if nc.ChannelType() != "session" {
						nc.Reject(ssh.UnknownChannelType, "session only")
						continue
					}
					ch, in, err := nc.Accept()
					if err != nil {
						continue
					}
					go func() {
						for req := range in {
							ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
							req.Reply(ok, nil)
							if ok {
								go func() {
									sftp.NewRequestServer(ch, handlers).Serve()
									ch.Close()
								}()
							}
						}
					}()
				}
			}()
		}
	}()
	return s
}

func TestSFTPDrop(t *testing.T) {
	ctx := context.Background()
	srv := startSFTP(t)
	conf := &SFTP{Addr: srv.addr, User: "printer", Password: "s3cret", HostKey: srv.hostKey, Dir: "/drop", Timeout: 10 * time.Second}
	d, err := New(Options{Spool: t.TempDir(), SFTP: conf})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c-1", "c-2"} {
		if _, err := d.Send(ctx, message(t, id, 1)); err != nil {
			t.Fatal(err)
		}
	}
	// The server fails while the batch is half written: nothing appears
	// but the hidden partial folder, and the letters stay spooled.
	srv.failWrites.Store("manifest.csv")
	if _, err := d.Flush(ctx); err == nil || !strings.Contains(err.Error(), "manifest.csv") {
		t.Fatalf("flush through a failing server: %v", err)
	}
	c := srv.client(t, conf)
	if names := sftpList(t, c, "/drop"); len(names) != 1 || !strings.HasPrefix(names[0], ".partial-") {
		t.Fatalf("after a failed batch the drop holds %v", names)
	}
	// The server mends: the same batch goes whole, the partial replaced.
	srv.failWrites.Store("")
	b, err := d.Flush(ctx)
	if err != nil || len(b.Letters) != 2 {
		t.Fatalf("%+v %v", b, err)
	}
	if names := sftpList(t, c, "/drop"); len(names) != 1 || names[0] != b.ID {
		t.Fatalf("the drop holds %v", names)
	}
	if names := sftpList(t, c, "/drop/"+b.ID); strings.Join(names, " ") != "c-1.pdf c-2.pdf manifest.csv manifest.json" {
		t.Fatalf("the batch holds %v", names)
	}
	f, err := c.Open("/drop/" + b.ID + "/c-2.pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(f)
	f.Close()
	if Pages(pdf) != 1 || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("the PDF came through as %d bytes", len(pdf))
	}

	// A server whose host key is not the one configured is refused.
	wrong := *conf
	wrong.HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHm7bQe5CuQXFNlgCvPRQmNDVzdVEzgXAKvLcrD0xV6z"
	d2, _ := New(Options{Spool: t.TempDir(), SFTP: &wrong})
	d2.Send(ctx, message(t, "d-1", 1))
	if _, err := d2.Flush(ctx); err == nil || !strings.Contains(err.Error(), "host key") {
		t.Fatalf("an unknown server was trusted: %v", err)
	}
}

func (s *sftpServer) client(t *testing.T, conf *SFTP) *sftp.Client {
	t.Helper()
	c, done, err := conf.dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(done)
	return c
}

func sftpList(t *testing.T, c *sftp.Client, dir string) []string {
	t.Helper()
	fis, err := c.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range fis {
		names = append(names, fi.Name())
	}
	sort.Strings(names)
	return names
}

func list(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestPages(t *testing.T) {
	for _, n := range []int{1, 3} {
		if got := Pages(letterPDF(t, n)); got != n {
			t.Fatalf("Pages = %d, want %d", got, n)
		}
	}
	if Pages([]byte("%PDF-1.7 <</Type/Pages/Kids[]/Count 4>>")) != 4 {
		t.Fatal("/Count not read")
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{"DBTP_POST_PRINT_SFTP": "sftp://printer@print.example/in", "DBTP_POST_PRINT_SFTP_PASSWORD": "pw",
		"DBTP_POST_PRINT_SFTP_HOST_KEY": "ssh-ed25519 AAAA", "DBTP_POST_PRINT_BATCH": "20"}
	s, ok, err := FromEnv(func(k string) string { return env[k] }, "/data")
	if err != nil || !ok || s.SFTP.Addr != "print.example:22" || s.SFTP.Dir != "/in" || s.BatchSize != 20 || s.Spool != "/data/post-print-spool" || s.Every != 15*time.Minute {
		t.Fatalf("%+v %v %v", s, ok, err)
	}
	if _, ok, err := FromEnv(func(string) string { return "" }, "/data"); ok || err != nil {
		t.Fatal("nothing set but a provider made")
	}
	for k, v := range map[string]string{"DBTP_POST_PRINT_SFTP_HOST_KEY": "", "DBTP_POST_PRINT_BATCH": "many", "DBTP_POST_PRINT_SFTP": "ftp://x"} {
		bad := map[string]string{}
		for k2, v2 := range env {
			bad[k2] = v2
		}
		bad[k] = v
		if _, _, err := FromEnv(func(k string) string { return bad[k] }, "/data"); err == nil || !strings.Contains(err.Error(), "DBTP_POST_PRINT") {
			t.Fatalf("%s=%q: %v", k, v, err)
		}
	}
}

// TestConcurrentSends: letters sent from many goroutines at once all
// arrive, each exactly once, across however many batches.
func TestConcurrentSends(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	d, err := New(Options{Spool: t.TempDir(), Dir: dest, BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	pdf := letterPDF(t, 1)
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		go func() {
			m := message(t, "", 1)
			m.ID, m.PDF = "f-"+strconv.Itoa(i), pdf
			_, err := d.Send(ctx, m)
			errs <- err
		}()
	}
	for i := 0; i < 40; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, b := range list(t, dest) {
		for _, f := range list(t, filepath.Join(dest, b)) {
			if strings.HasSuffix(f, ".pdf") {
				seen[f]++
			}
		}
	}
	if len(seen) != 40 {
		t.Fatalf("%d letters arrived", len(seen))
	}
	for f, n := range seen {
		if n != 1 {
			t.Fatalf("%s arrived %d times", f, n)
		}
	}
}

func TestSentMarksAreForgotten(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	spool := t.TempDir()
	d, err := New(Options{Spool: spool, Dir: t.TempDir(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	d.Send(ctx, message(t, "h-1", 1))
	if _, err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(SentKept + time.Hour)
	d.Send(ctx, message(t, "h-2", 1))
	if _, err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if marks := list(t, filepath.Join(spool, sentDir)); strings.Join(marks, " ") != "h-2" {
		t.Fatalf("marks %v", marks)
	}
}
