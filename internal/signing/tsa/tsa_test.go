package tsa_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/signing/signingtest"
	"dbtp/internal/signing/tsa"
	"github.com/digitorus/timestamp"
)

func TestOwnTSA(t *testing.T) {
	p := signingtest.NewPKI(t)
	before := time.Now().Add(-time.Second)
	tok, err := (&tsa.Client{URL: p.TSAURL}).Stamp(context.Background(), []byte("the signature value"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Time.Before(before.Truncate(time.Second)) || tok.Time.After(time.Now().Add(time.Second)) {
		t.Errorf("time %v is not now", tok.Time)
	}
	ts, err := timestamp.Parse(tok.DER)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte("the signature value"))
	if string(ts.HashedMessage) != string(want[:]) || len(tok.Certificates) == 0 || !tok.Certificates[0].Equal(p.TSA.Chain[0]) {
		t.Errorf("token over %x by %v", ts.HashedMessage, tok.Certificates)
	}
}

// OpenSSL, an independent implementation, verifies a reply of our TSA.
func TestOwnTSAVerifiedByOpenSSL(t *testing.T) {
	signingtest.Need(t, "openssl")
	p := signingtest.NewPKI(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	os.WriteFile(data, []byte("contract bytes"), 0o600)
	query := filepath.Join(dir, "q.tsq")
	run(t, "openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
	q, _ := os.ReadFile(query)
	resp, err := http.Post(p.TSAURL, "application/timestamp-query", strings.NewReader(string(q)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	reply := filepath.Join(dir, "r.tsr")
	f, _ := os.Create(reply)
	if _, err := f.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	f.Close()
	os.WriteFile(filepath.Join(dir, "root.pem"), signingtest.PEM(p.CA.Cert), 0o600)
	out := run(t, "openssl", "ts", "-verify", "-in", reply, "-queryfile", query, "-CAfile", filepath.Join(dir, "root.pem"))
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %s", out)
	}
}

// Our client accepts OpenSSL's replies.
func TestOpenSSLTSA(t *testing.T) {
	p := signingtest.NewPKI(t)
	url := signingtest.OpenSSLTSA(t, p.TSA)
	tok, err := (&tsa.Client{URL: url}).Stamp(context.Background(), []byte("x"), crypto.SHA384)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.DER) == 0 || tok.Time.IsZero() {
		t.Fatalf("%+v", tok)
	}
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	flaky := signingtest.ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	_, err := (&tsa.Client{URL: flaky, Attempts: 3, Backoff: time.Millisecond}).Stamp(ctx, []byte("x"), 0)
	if !tsa.IsTemporary(err) || calls.Load() != 3 {
		t.Fatalf("503: got %v after %d calls, want temporary after 3", err, calls.Load())
	}

	_, err = (&tsa.Client{URL: "http://127.0.0.1:1/", Attempts: 2, Backoff: time.Millisecond}).Stamp(ctx, []byte("x"), 0)
	if !tsa.IsTemporary(err) || !strings.Contains(err.Error(), "unavailable after 2 attempts") {
		t.Fatalf("connection refused: got %v", err)
	}

	refusing := signingtest.ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "who are you", http.StatusUnauthorized)
	})
	_, err = (&tsa.Client{URL: refusing, Backoff: time.Millisecond}).Stamp(ctx, []byte("x"), 0)
	if err == nil || tsa.IsTemporary(err) {
		t.Fatalf("401: got %v, want a permanent error", err)
	}

	garbage := signingtest.ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write([]byte("not asn.1"))
	})
	_, err = (&tsa.Client{URL: garbage, Backoff: time.Millisecond}).Stamp(ctx, []byte("x"), 0)
	if err == nil || tsa.IsTemporary(err) {
		t.Fatalf("garbage: got %v, want a permanent error", err)
	}

	rejecting := signingtest.ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.SystemFailure)
		w.Write(b)
	})
	_, err = (&tsa.Client{URL: rejecting, Attempts: 2, Backoff: time.Millisecond}).Stamp(ctx, []byte("x"), 0)
	if !tsa.IsTemporary(err) {
		t.Fatalf("systemFailure: got %v, want temporary", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = (&tsa.Client{URL: flaky, Attempts: 3, Backoff: time.Hour}).Stamp(cancelled, []byte("x"), 0)
	if !tsa.IsTemporary(err) {
		t.Fatalf("cancelled: got %v, want temporary", err)
	}
}

// Another TSA's token over another digest is refused, whatever it says.
func TestWrongImprint(t *testing.T) {
	p := signingtest.NewPKI(t)
	other := mustQuery(t)
	liar := signingtest.ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		q, err := http.Post(p.TSAURL, "application/timestamp-query", strings.NewReader(string(other)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer q.Body.Close()
		w.Header().Set("Content-Type", "application/timestamp-reply")
		b, _ := io.ReadAll(q.Body)
		w.Write(b)
	})
	_, err := (&tsa.Client{URL: liar, Backoff: time.Millisecond}).Stamp(context.Background(), []byte("mine"), 0)
	if err == nil || tsa.IsTemporary(err) || !strings.Contains(err.Error(), "another digest") {
		t.Fatalf("got %v", err)
	}
}

func mustQuery(t *testing.T) []byte {
	q, err := timestamp.CreateRequest(strings.NewReader("someone else's"), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestServerRefusesBadQueries(t *testing.T) {
	p := signingtest.NewPKI(t)
	resp, err := http.Get(p.TSAURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	resp, err = http.Post(p.TSAURL, "application/timestamp-query", strings.NewReader("junk"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if _, err := timestamp.ParseResponse(b); err == nil || !strings.Contains(err.Error(), "wrong format") {
		t.Errorf("junk query: %v", err)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
