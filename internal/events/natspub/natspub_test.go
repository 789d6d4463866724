package natspub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/events"
	"dbtp/internal/events/natspub"
	"dbtp/internal/jobs"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// startNATS runs a real nats-server with JetStream on a free loopback port.
func startNATS(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nats-server is required under CI=true (Debian package nats-server)")
		}
		t.Skip("skipping: nats-server not installed (Debian package nats-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-js", "-sd", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	// Wait for the server to accept connections (bounded).
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := nats.Connect(url)
		if err == nil {
			nc.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Events published in dbtp reach the JetStream stream once each, even when
// the bus delivers one twice.
func TestEventsReachJetStreamOnce(t *testing.T) {
	url := startNATS(t)
	db := storetest.Open(t, store.SQLite, []store.Migrations{audit.Migrations, jobs.Migrations, events.Migrations})
	ctx := context.Background()
	log := audittest.NewLog(t, db)
	q := jobs.New(db, jobs.Options{})
	bus, err := events.New(db, q, access.New(log), log, events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := natspub.New(ctx, natspub.Config{URL: url, Stream: "DBTP"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := bus.Subscribe("nats", []string{"*"}, pub.Publish); err != nil {
		t.Fatal(err)
	}
	var first events.Event
	for i, typ := range []string{"case.submitted", "case.transitioned"} {
		if err := db.Write(ctx, func(tx *store.Tx) error {
			e, err := bus.Publish(ctx, tx, "org_kent", typ, fmt.Sprint("cas_", i), map[string]string{"reference": "COMP-2026-000001"})
			if i == 0 {
				first = e
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	// At least once: a repeated delivery of the same event is de-duplicated.
	if err := pub.Publish(ctx, first); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(ctx, "DBTP")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d messages, want 2", info.State.Msgs)
	}
	msg, err := st.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ ID, Type string }
	if err := json.Unmarshal(msg.Data, &body); err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "dbtp.org_kent.case.submitted" || body.ID != first.ID || msg.Header.Get("Nats-Msg-Id") != first.ID {
		t.Fatalf("first message: subject %s, body %+v, id header %q", msg.Subject, body, msg.Header.Get("Nats-Msg-Id"))
	}
}
