package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"dbtp/internal/store"
)

// Two processes writing to one SQLite file (a server and a CLI verb, say)
// must never surface "database is locked": the second waits its turn.
func TestTwoWritersOnOneFileNeverSeeLocked(t *testing.T) {
	dir := t.TempDir()
	open := func() *store.DB {
		db, err := store.Open(context.Background(), store.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	if _, err := a.Migrate(context.Background(), mods("m1")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 800)
	for i := range 800 {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES (?, 'o', ?)", fmt.Sprint(i), i)
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("write failed: %v", err)
		}
	}
	if got := count(t, a); got != 800 {
		t.Fatalf("rows = %d, want 800", got)
	}
}

// An acknowledged write survives kill -9: a child process writes and prints
// each ID once Write has returned; the parent kills it mid-stream and checks
// every acknowledged row is in the file.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	if os.Getenv("DBTP_KILL9_CHILD") != "" {
		t.Skip("child mode runs only through TestKill9Child")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DBTP_KILL9_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "ack "); ok {
			acked[id] = true
			if len(acked) == 300 {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("child acknowledged only %d writes before it ended", len(acked))
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(context.Background(), "SELECT id FROM items")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	present := map[string]bool{}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		present[id] = true
	}
	for id := range acked {
		if !present[id] {
			t.Fatalf("acknowledged write %s lost after kill -9", id)
		}
	}
}

// TestKill9Child is the writer process of the test above; it does nothing
// when run normally.
func TestKill9Child(t *testing.T) {
	dir := os.Getenv("DBTP_KILL9_CHILD")
	if dir == "" {
		return
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, mods("m1")); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := strconv.Itoa(w*1_000_000 + i)
				err := db.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES (?, 'o', ?)", id, w*1_000_000+i)
					return err
				})
				if err != nil {
					return
				}
				mu.Lock()
				fmt.Println("ack " + id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// Power-loss durability rests on these settings: WAL with synchronous=FULL
// syncs the log at every commit. A change here must be a deliberate one.
func TestSQLiteIsConfiguredForDurability(t *testing.T) {
	db, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sync int
	var mode string
	if err := db.QueryRow(context.Background(), "PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if sync != 2 || mode != "wal" {
		t.Fatalf("synchronous=%d journal_mode=%s, want 2 (FULL) and wal", sync, mode)
	}
}
