package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A council's own definitions in the data folder's services/ directory are
// published to the host organisation at start; a broken one stops the start
// with the file, line and problem named, and nothing is published.
func TestDataFolderDefinitions(t *testing.T) {
	src, err := os.ReadFile("../../internal/services/definition/builtin/complaints.yaml")
	if err != nil {
		t.Fatal(err)
	}
	own := strings.Replace(string(src), "\nid: complaints\n", "\nid: council-complaints\n", 1)
	if own == string(src) {
		t.Fatal("could not rename the copied definition")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "services"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "services", "council-complaints.yaml"), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	func() {
		r := startDemo(t, dir)
		ctx := context.Background()
		host, err := r.app.identity.HostOrg(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sub, _, err := r.app.orgSubject(ctx, host.Slug)
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.app.services().GetDefinition(ctx, sub, "council-complaints", 0)
		if err != nil || p.Def.Title == "" {
			t.Fatalf("the council's own definition was not published: %v", err)
		}
	}()

	broken := strings.Replace(own, "\nversion: 2\n", "\nversion: 3\nwidget: true\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "services", "council-complaints-v2.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, env: map[string]string{}}
	c.fails(1, `council-complaints-v2.yaml`, "serve", "--data", dir, "--addr", "127.0.0.1:0", "--log-level", "error")
	r := c.run("serve", "--data", dir, "--addr", "127.0.0.1:0", "--log-level", "error")
	if !strings.Contains(r.stderr, "widget") {
		t.Fatalf("the problem is not named: %q", r.stderr)
	}
}
