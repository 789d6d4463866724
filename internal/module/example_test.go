package module_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The worked example in docs/architecture.md ("How to add a module") is
// compiled as a package of this module, with the migrations it names, so
// the documentation cannot drift from the contract.
func TestArchitectureExampleCompiles(t *testing.T) {
	doc, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "### How to add a module")
	if !ok {
		t.Fatal("docs/architecture.md has no \"How to add a module\" section")
	}
	_, code, ok := strings.Cut(section, "```go\n")
	code, _, ok2 := strings.Cut(code, "```")
	if !ok || !ok2 || !strings.Contains(code, "module.Module") && !strings.Contains(code, "module.Base") {
		t.Fatal("the section has no Go example of a module")
	}
	// A directory starting with "_" is ignored by ./... but builds when
	// named, and sits inside dbtp so it may import dbtp/internal/...
	dir, err := os.MkdirTemp(".", "_docexample")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{"sqlite", "postgres"} {
		if err := os.MkdirAll(filepath.Join(dir, "migrations", d), 0o755); err != nil {
			t.Fatal(err)
		}
		sql := "CREATE TABLE notices (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, body TEXT NOT NULL, expires_at BIGINT NOT NULL);\n"
		if err := os.WriteFile(filepath.Join(dir, "migrations", d, "0001_notices.sql"), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The example must also satisfy the interface, checked by the compiler.
	code += "\nvar _ module.Module = (*Module)(nil)\n"
	if err := os.WriteFile(filepath.Join(dir, "example.go"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "vet", "./"+filepath.Base(dir)).CombinedOutput()
	if err != nil {
		t.Fatalf("the documented example does not compile:\n%s", out)
	}
}
