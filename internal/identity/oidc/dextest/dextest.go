// Package dextest runs Dex (https://dexidp.io), a real OpenID Connect
// provider, as a separate process on a loopback port for tests, with the
// built-in password database and static clients written into a temporary
// config. Outside CI a missing binary skips with a clear message; under
// CI=true it fails. .ci/run installs it from the pinned module in .ci/dex.
package dextest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Client is a static OAuth client registered with Dex.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
}

// User is a person in Dex's password database. Dex sends Name as "name",
// EmailVerified as "email_verified" and Groups under the "groups" scope.
type User struct {
	Email, Password, Name, UserID string
	// Unverified makes Dex say email_verified=false.
	Unverified bool
	Groups     []string
}

// Config is what Dex knows.
type Config struct {
	Clients []Client
	Users   []User
}

// Server is a running Dex.
type Server struct {
	// Issuer is the issuer URL, http://127.0.0.1:<port>/dex.
	Issuer string
	log    string
}

// Binary finds dex: $DEX, then PATH, then $GOPATH/bin.
func Binary() (string, error) {
	if p := os.Getenv("DEX"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("dex"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "dex")
	if _, err := os.Stat(p); err != nil {
		return "", errors.New("dex not found (cd .ci/dex && go install github.com/dexidp/dex/cmd/dex)")
	}
	return p, nil
}

// FreeAddr reserves a loopback address for a server that must be named
// before it starts (a redirect URI registered with Dex, say). Another
// process could take the port in between; on loopback that is rare.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Start runs Dex until the test ends and waits until it serves its
// discovery document.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Dex is required under CI=true: %v", err)
		}
		t.Skipf("skipping the Dex test: %v", err)
	}
	dir := t.TempDir()
	addr := FreeAddr(t)
	s := &Server{Issuer: "http://" + addr + "/dex", log: filepath.Join(dir, "dex.log")}

	var clients []map[string]any
	for _, c := range cfg.Clients {
		clients = append(clients, map[string]any{"id": c.ID, "secret": c.Secret, "name": c.ID, "redirectURIs": c.RedirectURIs})
	}
	var users []map[string]any
	for _, u := range cfg.Users {
		// Dex refuses hashes cheaper than cost 10, its minimum.
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), 10)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, map[string]any{"email": u.Email, "hash": string(hash), "username": u.Name,
			"name": u.Name, "userID": u.UserID, "emailVerified": !u.Unverified, "groups": u.Groups})
	}
	// JSON is YAML, which is what Dex reads.
	conf, _ := json.MarshalIndent(map[string]any{
		"issuer":           s.Issuer,
		"storage":          map[string]any{"type": "memory"},
		"web":              map[string]any{"http": addr},
		"oauth2":           map[string]any{"skipApprovalScreen": true, "responseTypes": []string{"code"}},
		"logger":           map[string]any{"level": "debug"},
		"enablePasswordDB": true,
		"staticClients":    clients,
		"staticPasswords":  users,
	}, "", "  ")
	confPath := filepath.Join(dir, "dex.yaml")
	if err := os.WriteFile(confPath, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", confPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its environment must not configure it beyond the file (Dex reads
	// DEX_* variables).
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dex: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("dex log:\n%s", s.Log())
		}
	})
	s.waitReady(t, exited)
	return s
}

// waitReady polls discovery until Dex answers, or fails if it exits.
func (s *Server) waitReady(t testing.TB, exited <-chan struct{}) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get(s.Issuer + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("dex exited at start:\n%s", s.Log())
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("dex did not serve %s within 60s:\n%s", s.Issuer, s.Log())
		}
	}
}

// Log is what Dex has written so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("dex at %s", s.Issuer) }
