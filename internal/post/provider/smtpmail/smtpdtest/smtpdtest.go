// Package smtpdtest runs a real SMTP server for tests: aiosmtpd, from
// Debian's python3-aiosmtpd package, on a loopback port, with a handler
// (savehandler.py, beside this file) that saves every message it accepts
// as a file and refuses recipients whose address starts with "bounce"
// with a permanent 550. Outside CI a missing package skips the test with
// a clear message; under CI=true it fails.
package smtpdtest

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

//go:embed savehandler.py
var handler []byte

// Python is Debian's interpreter, which has the package; a pyenv or venv
// python3 earlier on PATH may not.
const Python = "/usr/bin/python3"

// Server is a running aiosmtpd.
type Server struct {
	Addr string // host:port to dial
	Dir  string // where messages are saved
	t    testing.TB
	cmd  *exec.Cmd
	errs bytes.Buffer
}

// Message is one saved message.
type Message struct {
	To      string // the envelope recipients
	Header  mail.Header
	Body    string
	Subject string
}

// Available reports whether aiosmtpd can run here.
func Available() bool {
	return exec.Command(Python, "-c", "import aiosmtpd").Run() == nil
}

func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("smtpdtest: %s (apt-get install python3-aiosmtpd)", why)
	}
	t.Skipf("smtpdtest: %s (apt-get install python3-aiosmtpd)", why)
}

// FreeAddr is a loopback address nothing listens on now: a server that is
// "down" until Start(t, addr) brings it up there.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Start runs aiosmtpd on addr ("" for a free port) until the test ends
// or Stop, and returns once it accepts connections.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	if !Available() {
		skipOrFail(t, Python+" cannot import aiosmtpd")
	}
	if addr == "" {
		addr = FreeAddr(t)
	}
	dir := t.TempDir()
	lib := t.TempDir()
	if err := os.WriteFile(filepath.Join(lib, "savehandler.py"), handler, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: addr, Dir: dir, t: t}
	s.cmd = exec.Command(Python, "-m", "aiosmtpd", "-n", "-l", addr, "-c", "savehandler.Save", dir)
	s.cmd.Env = append(os.Environ(), "PYTHONPATH="+lib)
	s.cmd.Stdout, s.cmd.Stderr = &s.errs, &s.errs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) || s.cmd.ProcessState != nil {
			t.Fatalf("aiosmtpd did not start on %s: %v\n%s", addr, err, s.errs.String())
		}
		time.Sleep(20 * time.Millisecond) // waiting for a process to listen, not timing a result
	}
}

// Stop ends the server (a provider that is down); it is safe to call twice.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// Messages are the messages saved so far, oldest first.
func (s *Server) Messages() []Message {
	s.t.Helper()
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		s.t.Fatal(err)
	}
	type file struct {
		name string
		at   time.Time
	}
	var fs []file
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			s.t.Fatal(err)
		}
		fs = append(fs, file{e.Name(), info.ModTime()})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].at.Before(fs[j].at) })
	var out []Message
	for _, f := range fs {
		b, err := os.ReadFile(filepath.Join(s.Dir, f.name))
		if err != nil {
			s.t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			s.t.Fatalf("%s: %v", f.name, err)
		}
		body, _ := io.ReadAll(m.Body)
		dec := new(mime.WordDecoder)
		subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			subj = m.Header.Get("Subject")
		}
		out = append(out, Message{To: m.Header.Get("X-Envelope-To"), Header: m.Header, Body: string(body), Subject: subj})
	}
	return out
}

// String names the server for test messages.
func (s *Server) String() string { return fmt.Sprintf("aiosmtpd on %s", s.Addr) }
