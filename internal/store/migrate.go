package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are one module's schema changes, embedded beside its code as
// migrations/sqlite/NNNN_name.sql and migrations/postgres/NNNN_name.sql.
type Migrations struct {
	Module string
	FS     fs.FS // holds sqlite/ and postgres/ folders
}

type migration struct {
	version int
	name    string
	sql     string
}

func (m Migrations) load(d Dialect) ([]migration, error) {
	entries, err := fs.ReadDir(m.FS, string(d))
	if err != nil {
		return nil, fmt.Errorf("module %s has no %s migrations: %w", m.Module, d, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("module %s: migration %q must be named NNNN_name.sql", m.Module, e.Name())
		}
		b, err := fs.ReadFile(m.FS, path.Join(string(d), e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, mg := range out {
		if mg.version != i+1 {
			return nil, fmt.Errorf("module %s: migrations must be numbered 1, 2, 3...; found %s", m.Module, mg.name)
		}
	}
	return out, nil
}

// Applied is one recorded migration.
type Applied struct {
	Module  string
	Version int
	Name    string
	At      time.Time
}

// Migrate applies every pending migration of every module, each in its own
// transaction together with its record. It refuses to touch a database that a
// newer dbtp has migrated further than this binary knows. It returns what it
// applied.
func (db *DB) Migrate(ctx context.Context, mods []Migrations) ([]Applied, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.dialect == Postgres {
		// Several nodes may start together; one migrates, the others wait.
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7201)"); err != nil {
			return nil, err
		}
		defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7201)")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL,
		PRIMARY KEY (module, version))`); err != nil {
		return nil, fmt.Errorf("cannot create schema_migrations: %w", err)
	}
	current, err := db.currentVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	known := map[string]int{}
	plans := map[string][]migration{}
	for _, m := range mods {
		ms, err := m.load(db.dialect)
		if err != nil {
			return nil, err
		}
		known[m.Module] = len(ms)
		plans[m.Module] = ms
	}
	for mod, v := range current {
		if k, ok := known[mod]; !ok || v > k {
			return nil, fmt.Errorf("the database was migrated by a newer dbtp (module %s is at version %d, this binary knows %d); upgrade dbtp before starting it", mod, v, k)
		}
	}
	var applied []Applied
	for _, m := range mods {
		for _, mg := range plans[m.Module] {
			if mg.version <= current[m.Module] {
				continue
			}
			if err := db.applyOne(ctx, conn, m.Module, mg); err != nil {
				return applied, err
			}
			applied = append(applied, Applied{Module: m.Module, Version: mg.version, Name: mg.name, At: time.Now().UTC()})
		}
	}
	return applied, nil
}

func (db *DB) currentVersions(ctx context.Context, conn *sql.Conn) (map[string]int, error) {
	rows, err := conn.QueryContext(ctx, "SELECT module, MAX(version) FROM schema_migrations GROUP BY module")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var m string
		var v int
		if err := rows.Scan(&m, &v); err != nil {
			return nil, err
		}
		out[m] = v
	}
	return out, rows.Err()
}

func (db *DB) applyOne(ctx context.Context, conn *sql.Conn, module string, mg migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, mg.sql); err != nil {
		tx.Rollback()
		return fmt.Errorf("migration %s/%s failed: %w", module, mg.name, err)
	}
	if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)"),
		module, mg.version, mg.name, time.Now().UnixMilli()); err != nil {
		tx.Rollback()
		return fmt.Errorf("recording migration %s/%s: %w", module, mg.name, err)
	}
	return tx.Commit()
}

// AppliedMigrations lists what has been applied, oldest first.
func (db *DB) AppliedMigrations(ctx context.Context) ([]Applied, error) {
	rows, err := db.Query(ctx, "SELECT module, version, name, applied_at FROM schema_migrations ORDER BY applied_at, module, version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Applied
	for rows.Next() {
		var a Applied
		var at int64
		if err := rows.Scan(&a.Module, &a.Version, &a.Name, &at); err != nil {
			return nil, err
		}
		a.At = Time(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// EmbeddedMigrations names a module's migrations held in dir of an embedded
// file system (dir then holds the sqlite/ and postgres/ folders). It panics
// only if the embed directive and dir disagree, a mistake no test run misses.
func EmbeddedMigrations(module string, fsys fs.FS, dir string) Migrations {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("store: migrations of %s: %v", module, err))
	}
	return Migrations{Module: module, FS: sub}
}
