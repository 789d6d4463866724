package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServicesValidate(t *testing.T) {
	good, err := os.ReadFile("../../internal/services/definition/builtin/complaints.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	okFile := write("complaints.yaml", string(good))
	bad := write("bad.yaml", strings.NewReplacer("version: 2", "version: 0", "      to: stage2\n", "      to: stage3\n").Replace(string(good)))
	missing := filepath.Join(dir, "missing.yaml")

	c := &cli{t: t, env: map[string]string{}}
	if out := c.ok("services", "validate", okFile); out != "ok: "+okFile+": complaints v2 (15 fields, 7 states)\n" {
		t.Errorf("good file: %q", out)
	}
	r := c.run("services", "validate", okFile, bad, missing)
	if r.code != 1 || r.stderr != "dbtp services validate: 2 of 3 definitions have problems\n" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"ok: " + okFile + ": complaints v2",
		bad + ":5:10: version: want 1 or more",
		bad + `:263:11: workflow.transitions[3].to: unknown state "stage3"`,
		missing + ": cannot read: no such file or directory",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	c.fails(1, "the definition has problems", "services", "validate", bad)
	c.fails(2, "missing argument", "services", "validate")
	c.fails(2, "flag provided but not defined", "services", "validate", "--strict", okFile)

	if out := c.ok("services", "schema"); !strings.Contains(out, `"$id": "https://dbtp.example/schemas/service-definition.json"`) {
		t.Errorf("schema: %.200s", out)
	}
}
