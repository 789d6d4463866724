package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/blob"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// cli runs dbtp in-process with its own environment and captured output.
type cli struct {
	t   *testing.T
	env map[string]string
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	e := &cliEnv{stdout: &out, stderr: &errb, getenv: func(k string) string { return c.env[k] }}
	code := run(context.Background(), e, args)
	return result{code, out.String(), errb.String()}
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("dbtp %s: exit %d: %s%s", strings.Join(args, " "), r.code, r.stderr, r.stdout)
	}
	return r.stdout
}

func (c *cli) fails(code int, wantErr string, args ...string) {
	c.t.Helper()
	r := c.run(args...)
	if r.code != code {
		c.t.Fatalf("dbtp %s: exit %d, want %d; stderr %q", strings.Join(args, " "), r.code, code, r.stderr)
	}
	if lines := strings.Count(r.stderr, "\n"); lines != 1 {
		c.t.Fatalf("dbtp %s: want one line on stderr, got %d: %q", strings.Join(args, " "), lines, r.stderr)
	}
	if !strings.Contains(r.stderr, wantErr) {
		c.t.Fatalf("dbtp %s: stderr %q lacks %q", strings.Join(args, " "), r.stderr, wantErr)
	}
}

func TestEveryVerbHasHelp(t *testing.T) {
	c := &cli{t: t}
	for name := range verbs {
		args := append(strings.Fields(name), "--help")
		out := c.ok(args...)
		if !strings.Contains(out, "Usage: dbtp "+name) {
			t.Errorf("%s --help: %q", name, out)
		}
	}
	if out := c.ok("--help"); !strings.Contains(out, "audit verify") {
		t.Errorf("top-level help lacks verbs: %q", out)
	}
	if out := c.ok("user"); !strings.Contains(out, "reset-password") {
		t.Errorf("group help: %q", out)
	}
}

func TestBadInputIsOneClearLine(t *testing.T) {
	c := &cli{t: t, env: map[string]string{}}
	c.fails(2, "unknown command", "frobnicate")
	c.fails(2, "flag provided but not defined: -nope", "migrate", "--nope")
	c.fails(2, "unexpected argument", "version", "extra")
	c.fails(2, "missing argument", "user", "disable", "--data", t.TempDir(), "--org", "x")
	c.fails(2, "--slug is required", "org", "add", "--data", keyedDir(t)) // keyed: a first start warns to back the new key up
	c.fails(1, "postgres://", "migrate", "--database-url", "mysql://nope")
	c.env["DBTP_SESSION_IDLE"] = "soon"
	c.fails(2, "DBTP_SESSION_IDLE", "serve")
	delete(c.env, "DBTP_SESSION_IDLE")
	c.fails(2, "--log-level", "serve", "--log-level", "loud", "--data", t.TempDir())
	c.fails(2, "--brand", "serve", "--brand-colour", "red", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
}

// keyedDir is a fresh data folder that already has its blob master key.
func keyedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := blob.WriteMasterKeyFile(filepath.Join(dir, "blob.key")); err != nil {
		t.Fatal(err)
	}
	return dir
}

var passwordLine = regexp.MustCompile(`password: (\S+)`)
var tokenLine = regexp.MustCompile(`(?m)^(dbtp_\S+)$`)
var tokenID = regexp.MustCompile(`token (tok_\S+) for`)

// The admin verbs end to end, on both engines, with the data flags given by
// environment twins on one side and by flags on the other.
func TestAdminVerbs(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			c := &cli{t: t, env: map[string]string{"DBTP_DATA": dir}}
			if d == store.Postgres {
				c.env["DBTP_DATABASE_URL"] = storetest.PostgresURL(t)
			}
			if out := c.ok("migrate"); !strings.Contains(out, "applied identity") {
				t.Fatalf("migrate: %q", out)
			}
			if out := c.ok("migrate"); !strings.Contains(out, "up to date") {
				t.Fatalf("second migrate: %q", out)
			}
			c.ok("org", "add", "--slug", "kent", "--name", "Kent County Council")
			c.ok("org", "add", "--slug", "cskl", "--name", "Commercial Services Kent Ltd", "--kind", "trading-company")
			c.fails(1, "kind", "org", "add", "--slug", "x", "--name", "X", "--kind", "club")
			if out := c.ok("org", "list"); !strings.Contains(out, "Commercial Services Kent Ltd") || !strings.Contains(out, "trading-company") {
				t.Fatalf("org list: %q", out)
			}
			out := c.ok("user", "add", "--org", "kent", "--email", "ada@kent.example", "--name", "Ada", "--roles", "admin")
			if m := passwordLine.FindStringSubmatch(out); m == nil || len(m[1]) < 12 {
				t.Fatalf("no generated password in %q", out)
			}
			c.ok("user", "add", "--org", "kent", "--email", "sam@kent.example", "--name", "Sam", "--roles", "staff")
			c.fails(1, "email", "user", "add", "--org", "kent", "--email", "sam@kent.example", "--name", "Sam again")
			c.fails(1, "no business unit \"Nowhere\"", "user", "add", "--org", "kent", "--email", "x@kent.example", "--name", "X", "--units", "Nowhere")
			c.fails(2, "unknown role", "user", "add", "--org", "kent", "--email", "x@kent.example", "--name", "X", "--roles", "wizard")
			c.fails(1, "no organisation", "user", "list", "--org", "nowhere")
			if out := c.ok("user", "list", "--org", "kent"); !strings.Contains(out, "sam@kent.example") || !strings.Contains(out, "admin") {
				t.Fatalf("user list: %q", out)
			}
			// Segregation at the CLI too: the trading company has no such user.
			c.fails(1, "no user", "user", "disable", "--org", "cskl", "sam@kent.example")
			out = c.ok("user", "reset-password", "--org", "kent", "sam@kent.example")
			if !strings.Contains(out, "new password for sam@kent.example") {
				t.Fatalf("reset: %q", out)
			}
			out = c.ok("token", "create", "--org", "kent", "--user", "sam@kent.example", "--name", "ledger sync")
			secret, id := tokenLine.FindStringSubmatch(out), tokenID.FindStringSubmatch(out)
			if secret == nil || id == nil {
				t.Fatalf("token create: %q", out)
			}
			if out := c.ok("token", "list", "--org", "kent"); !strings.Contains(out, "ledger sync") || strings.Contains(out, secret[1]) {
				t.Fatalf("token list must show the token but never its secret: %q", out)
			}
			// The metrics scope is for the host organisation's admins.
			if out := c.ok("token", "create", "--org", "kent", "--user", "ada@kent.example", "--name", "prometheus", "--scopes", "metrics"); !strings.Contains(out, "[metrics]") {
				t.Fatalf("metrics token: %q", out)
			}
			c.fails(1, "admin", "token", "create", "--org", "kent", "--user", "sam@kent.example", "--name", "x", "--scopes", "metrics")
			c.ok("token", "revoke", "--org", "kent", id[1])
			if out := c.ok("token", "list", "--org", "kent", "--user", "sam@kent.example"); !strings.Contains(out, "revoked") {
				t.Fatalf("after revoke: %q", out)
			}
			c.ok("user", "disable", "--org", "kent", "sam@kent.example")
			if out := c.ok("user", "list", "--org", "kent"); !strings.Contains(out, "disabled") {
				t.Fatalf("after disable: %q", out)
			}
			if out := c.ok("audit", "verify"); !strings.Contains(out, "audit log OK") {
				t.Fatalf("verify: %q", out)
			}

			// Tamper with one audit entry directly in the database.
			db := rawDB(t, d, dir, c.env["DBTP_DATABASE_URL"])
			var idx int64
			if err := db.QueryRow("SELECT MIN(idx) FROM audit_entries WHERE action = 'user.disable'").Scan(&idx); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(rebind(d, "UPDATE audit_entries SET data = ? WHERE idx = ?"), []byte("forged"), idx); err != nil {
				t.Fatal(err)
			}
			c.fails(1, "first bad entry is", "audit", "verify")

			// A database from a newer dbtp is refused.
			if _, err := db.Exec("INSERT INTO schema_migrations (module, version, name, applied_at) VALUES ('identity', 99, '0099_future.sql', 0)"); err != nil {
				t.Fatal(err)
			}
			c.fails(1, "newer dbtp", "migrate")
		})
	}
}

func rebind(d store.Dialect, q string) string {
	if d == store.Postgres {
		return strings.Replace(strings.Replace(q, "?", "$1", 1), "?", "$2", 1)
	}
	return q
}

func rawDB(t *testing.T, d store.Dialect, dir, url string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+dir+"/dbtp.db?_pragma=busy_timeout(5000)"
	if d == store.Postgres {
		driver, dsn = "pgx", url
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
