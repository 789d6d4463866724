// Package blobtest gives tests a real S3-compatible server: versitygw (the
// Versity S3 Gateway, Apache-2.0) with its posix backend, started on a
// loopback port over a temporary directory. Outside CI a missing binary skips
// with a clear message; under CI=true it fails. .ci/run installs it with
// `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0`.
package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"dbtp/internal/blob"
)

// Server is a running versitygw.
type Server struct {
	t      testing.TB
	bin    string
	Root   string // the posix root: Root/<bucket>/<object name> are the stored files
	Addr   string // 127.0.0.1:port
	Bucket string
	access string
	secret string
	log    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Binary finds versitygw: $VERSITYGW, then PATH, then $GOPATH/bin (where
// go install puts it).
func Binary() (string, error) {
	if p := os.Getenv("VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "versitygw")
	if _, err := os.Stat(p); err != nil {
		return "", errors.New("versitygw not found (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
	}
	return p, nil
}

// Start runs a fresh server with one empty bucket, stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("an S3-compatible server is required under CI=true: %v", err)
		}
		t.Skipf("skipping S3 tests: %v", err)
	}
	s := &Server{
		t: t, bin: bin, Root: t.TempDir(), Bucket: "dbtp-test",
		access: "dbtp-test-access", secret: randomHex(20),
	}
	s.log = filepath.Join(t.TempDir(), "versitygw.log")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = "127.0.0.1:" + strconv.Itoa(port)
	s.start()
	t.Cleanup(s.Kill)
	c, err := minio.New(s.Addr, &minio.Options{Creds: credentials.NewStaticV4(s.access, s.secret, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(context.Background(), s.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return s
}

// Config is the blob.S3Config that reaches this server.
func (s *Server) Config() blob.S3Config {
	return blob.S3Config{Endpoint: s.Addr, Bucket: s.Bucket, AccessKey: s.access, SecretKey: s.secret, Region: "us-east-1"}
}

// Kill stops the server at once (SIGKILL), as a crash would, and waits for
// the process to be gone. Killing a stopped server does nothing.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts the server again on the same address and directory.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.start()
}

func (s *Server) start() {
	s.t.Helper()
	log, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(s.bin, "--port", s.Addr, "--access", s.access, "--secret", s.secret, "--quiet", "posix", s.Root)
	cmd.Stdout, cmd.Stderr = log, log
	// Its environment must not configure it beyond our flags.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.Root}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start versitygw: %v", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(s.exited) }()
	// Wait until it accepts connections, or give up if it exits.
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-s.exited:
			out, _ := os.ReadFile(s.log)
			s.cmd = nil
			s.t.Fatalf("versitygw exited at start: %s", out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("versitygw did not listen on %s within 30s", s.Addr)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("versitygw at %s over %s", s.Addr, s.Root) }

// File is the path of the file in which the server keeps the object of this
// name, for tests that damage stored bytes behind the store's back.
func (s *Server) File(name string) string {
	return filepath.Join(s.Root, s.Bucket, filepath.FromSlash(name))
}

// Disk returns a store on the local disk under a temporary directory, with
// a new master key: what a test of code that keeps files needs.
func Disk(t testing.TB) *blob.Store {
	t.Helper()
	d, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k, err := blob.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	return blob.New(d, k)
}
