// Package storetest gives tests real databases: a fresh SQLite file, and a
// fresh PostgreSQL database in a throwaway cluster (initdb + pg_ctl) or on the
// server named by DBTP_TEST_DATABASE_URL. Outside CI a missing PostgreSQL
// skips with a clear message; under CI=true it fails.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dbtp/internal/store"
)

// Engines lists the dialects every store test runs on.
var Engines = []store.Dialect{store.SQLite, store.Postgres}

// Each runs fn once per engine as a subtest, each with a fresh, migrated database.
func Each(t *testing.T, mods []store.Migrations, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Engines {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d, mods))
		})
	}
}

// Open returns a fresh migrated database of dialect d, closed when t ends.
func Open(t testing.TB, d store.Dialect, mods []store.Migrations) *store.DB {
	t.Helper()
	opts := store.Options{DataDir: t.TempDir()}
	if d == store.Postgres {
		opts.DatabaseURL = PostgresURL(t)
	}
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), mods); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

var dbCounter atomic.Int64

// PostgresURL creates an empty database and returns its URL, skipping (or
// failing under CI=true) when no PostgreSQL can be had.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("skipping PostgreSQL: %v (install postgresql or set DBTP_TEST_DATABASE_URL)", err)
	}
	name := fmt.Sprintf("dbtp_test_%d_%d", os.Getpid(), dbCounter.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

var (
	srvOnce sync.Once
	srvURL  string
	srvErr  error
	srvStop func()
)

// server returns the admin URL of a PostgreSQL server, starting a throwaway
// cluster the first time if DBTP_TEST_DATABASE_URL is not set.
func server() (string, error) {
	srvOnce.Do(func() {
		if u := os.Getenv("DBTP_TEST_DATABASE_URL"); u != "" {
			srvURL = u
			return
		}
		srvURL, srvStop, srvErr = startCluster()
	})
	return srvURL, srvErr
}

// Main wraps testing.M so the throwaway cluster is stopped after the tests.
// Use it from TestMain in packages that open PostgreSQL.
func Main(m interface{ Run() int }) {
	code := m.Run()
	if srvStop != nil {
		srvStop()
	}
	os.Exit(code)
}

func pgBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("%s not found", name)
}

func startCluster() (string, func(), error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return "", nil, err
	}
	pgctl, err := pgBin("pg_ctl")
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "dbtp-pg-")
	if err != nil {
		return "", nil, err
	}
	// PostgreSQL refuses to run as root; run it as the postgres user then.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", nil, err
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", filepath.Base(name), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-locale"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200", port, dir)
	if err := run(pgctl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() {
		run(pgctl, "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	}
	u := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	// Wait until it accepts connections (pg_ctl -w usually guarantees this).
	deadline := time.Now().Add(30 * time.Second)
	for {
		db, _ := sql.Open("pgx", u)
		err = db.Ping()
		db.Close()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		stop()
		return "", nil, err
	}
	return u, stop, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// SQLitePlan is SQLite's EXPLAIN QUERY PLAN of query, its steps joined by
// "; ", for tests that a look-up seeks the index meant for it: a partial
// index, say, which the planner may use only when the query repeats its
// condition. Arguments are placeholders' values (any will do).
func SQLitePlan(t testing.TB, db *store.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
