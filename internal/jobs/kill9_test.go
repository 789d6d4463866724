package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The child process: it opens the database named by the environment and
// either enqueues jobs, printing each ID once its commit has returned, or
// claims a job whose handler announces itself and then hangs. The parent
// kills it with SIGKILL at those points.
func TestKill9JobsChild(t *testing.T) {
	mode := os.Getenv("DBTP_JOBS_CHILD")
	if mode == "" {
		t.Skip("child mode runs only from the kill -9 tests")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: os.Getenv("DBTP_JOBS_DIR"), DatabaseURL: os.Getenv("DBTP_JOBS_URL")})
	if err != nil {
		t.Fatal(err)
	}
	q := jobs.New(db, jobs.Options{Node: "child", PollInterval: 10 * time.Millisecond})
	must(t, q.Handle("test.work", jobs.Kind{Timeout: time.Minute, Handler: func(ctx context.Context, j jobs.Job) error {
		fmt.Printf("started %s\n", j.ID)
		<-ctx.Done()
		return ctx.Err()
	}}))
	switch mode {
	case "enqueue":
		for i := 0; ; i++ {
			var id string
			err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := q.Enqueue(ctx, tx, jobs.Enqueued{Kind: "test.work", Key: fmt.Sprint("k", i)})
				id = fmt.Sprint("k", i)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("acked %s\n", id)
		}
	case "run":
		q.Run(ctx)
	}
}

func startChild(t *testing.T, mode, dir, url string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9JobsChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DBTP_JOBS_CHILD="+mode, "DBTP_JOBS_DIR="+dir, "DBTP_JOBS_URL="+url)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

// openShared opens a migrated database a child process can open too.
func openShared(t *testing.T, d store.Dialect) (db *store.DB, dir, url string) {
	dir = t.TempDir()
	if d == store.Postgres {
		url = storetest.PostgresURL(t)
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir, DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), mods); err != nil {
		t.Fatal(err)
	}
	return db, dir, url
}

// Every job whose enqueue was acknowledged before kill -9 runs after restart.
func TestJobsEnqueuedSurviveKill9(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, dir, url := openShared(t, d)
			cmd, out := startChild(t, "enqueue", dir, url)
			acked := map[string]bool{}
			for out.Scan() {
				if key, ok := strings.CutPrefix(out.Text(), "acked "); ok {
					acked[key] = true
				}
				if len(acked) == 50 {
					break
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if len(acked) < 50 {
				t.Fatalf("child acknowledged only %d jobs", len(acked))
			}
			q := newQueue(t, db, platformtest.NewClock(time.Now().Add(time.Second)), "parent")
			ran := map[string]bool{}
			must(t, q.Handle("test.work", jobs.Kind{Handler: func(_ context.Context, j jobs.Job) error { ran[j.Key] = true; return nil }}))
			if _, err := q.RunDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			for k := range acked {
				if !ran[k] {
					t.Fatalf("acknowledged job %s was lost", k)
				}
			}
		})
	}
}

// A job whose node is killed while running it runs again once the lease
// has run out, and is recorded as its second attempt.
func TestJobRunningAtKill9RunsAgain(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, dir, url := openShared(t, d)
			q := newQueue(t, db, platformtest.NewClock(time.Now()), "parent")
			var again jobs.Job
			must(t, q.Handle("test.work", jobs.Kind{Timeout: time.Minute, Handler: func(_ context.Context, j jobs.Job) error { again = j; return nil }}))
			if _, err := q.EnqueueNow(context.Background(), jobs.Enqueued{Kind: "test.work"}); err != nil {
				t.Fatal(err)
			}
			cmd, out := startChild(t, "run", dir, url)
			for out.Scan() && !strings.HasPrefix(out.Text(), "started ") {
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			// Before the lease ends nobody takes it; after, the parent does.
			runDue(t, q, 0)
			late := newQueue(t, db, platformtest.NewClock(time.Now().Add(2*time.Minute+time.Second)), "parent")
			must(t, late.Handle("test.work", jobs.Kind{Timeout: time.Minute, Handler: func(_ context.Context, j jobs.Job) error { again = j; return nil }}))
			runDue(t, late, 1)
			if again.Attempt != 2 {
				t.Fatalf("rerun attempt = %d, want 2", again.Attempt)
			}
			j, _ := late.Get(context.Background(), again.ID)
			if j.State != jobs.Completed {
				t.Fatalf("state = %s", j.State)
			}
		})
	}
}
