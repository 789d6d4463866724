package mqtt

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// mosquitto is a real Mosquitto broker on a free loopback port with two
// accounts: dbtp (which alone may read the sensors' topics) and device
// (which may only publish to them).
type mosquitto struct {
	addr string
}

func startMosquitto(t *testing.T) *mosquitto {
	t.Helper()
	bin, passwd := tool(t, "mosquitto"), tool(t, "mosquitto_passwd")
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	for i, u := range [][2]string{{"dbtp", "dbtp-password"}, {"device", "device-password"}} {
		args := []string{"-b", pw, u[0], u[1]}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command(passwd, args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v\n%s", err, out)
		}
	}
	acl := filepath.Join(dir, "acl")
	noErr(t, os.WriteFile(acl, []byte("user dbtp\ntopic read dbtp/#\n\nuser device\ntopic write dbtp/#\n"), 0o600))
	addr := freeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(dir, "mosquitto.conf")
	// Run as root, Mosquitto drops to the "mosquitto" user, which cannot
	// read the test's private folder: tell it to stay who we are.
	me, err := user.Current()
	noErr(t, err)
	noErr(t, os.WriteFile(conf, []byte(fmt.Sprintf("user %s\nlistener %s %s\nallow_anonymous false\npassword_file %s\nacl_file %s\npersistence false\nlog_dest stderr\n",
		me.Username, port, host, pw, acl)), 0o600))
	logf, err := os.Create(filepath.Join(dir, "mosquitto.log"))
	noErr(t, err)
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	noErr(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			out, _ := os.ReadFile(logf.Name())
			t.Logf("mosquitto log:\n%s", out)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return &mosquitto{addr: addr}
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(logf.Name())
			t.Fatalf("mosquitto exited at start:\n%s", out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto did not listen on %s", addr)
		}
	}
}

// received wraps the real ingester to tell the test when the subscriber
// has handled a message: Submit and DeadLetter return once it is stored
// or queued.
type received struct {
	Ingest
	ch chan struct{}
}

func (r received) Submit(ctx context.Context, s workplace.SensorAuth, source string, p []byte, wait bool) (workplace.Result, error) {
	res, err := r.Ingest.Submit(ctx, s, source, p, wait)
	r.ch <- struct{}{}
	return res, err
}

func (r received) DeadLetter(ctx context.Context, s workplace.SensorAuth, source, reason string, p []byte) error {
	err := r.Ingest.DeadLetter(ctx, s, source, reason, p)
	r.ch <- struct{}{}
	return err
}

func TestSubscriberToMosquitto(t *testing.T) {
	tool(t, "mosquitto_pub")
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		m := startMosquitto(t)
		e := newEnv(t, db, workplace.IngestOptions{})
		rec := received{Ingest: e.in, ch: make(chan struct{}, 100)}
		_, err := StartSubscriber(e.ctx, SubscriberOptions{URL: "mqtt://" + m.addr, Username: "dbtp", Password: "dbtp-password",
			ClientID: "dbtp-" + string(db.Dialect()), Sensors: e.ws, Ingest: rec, OrgID: e.orgID})
		noErr(t, err)
		desk, secret := e.sensor("Desk sensor", e.desk)
		room, roomSecret := e.sensor("Room sensor", e.room)
		noErr(t, e.ws.RevokeSensor(e.ctx, e.kim, room.ID))
		topic := Topic("northshire", desk.ID)
		// send publishes as the broker's device account and waits until
		// dbtp has handled the message.
		send := func(topic, msg string) {
			t.Helper()
			out, err := pub(t, m.addr, "device", "device-password", topic, msg)
			if err != nil {
				t.Fatalf("mosquitto_pub: %v\n%s", err, out)
			}
			select {
			case <-rec.ch:
			case <-time.After(30 * time.Second):
				t.Fatalf("dbtp never received %s", msg)
			}
		}
		send(topic, fmt.Sprintf(`{"sensor":%q,"secret":%q,"id":"m0","occupied":false}`, desk.ID, secret))
		good := fmt.Sprintf(`{"sensor":%q,"secret":%q,"id":"m1","occupied":true}`, desk.ID, secret)
		send(topic, good)
		send(topic, good) // a duplicate
		send(topic, fmt.Sprintf(`{"sensor":%q,"secret":"wrong","id":"m2","occupied":true}`, desk.ID))
		send(topic, fmt.Sprintf(`{"sensor":%q,"secret":%q,"id":"m3","occupied":true}`, room.ID, roomSecret)) // names another sensor than its topic
		send(Topic("northshire", room.ID), fmt.Sprintf(`{"sensor":%q,"secret":%q,"id":"m4","occupied":true}`, room.ID, roomSecret))
		send(topic, `{"sensor": "`+desk.ID+`", "occupied": tr`)
		send(Topic("northshire", "sns_nobody"), `{"sensor":"sns_nobody","secret":"x","occupied":true}`)

		if n := e.count(`SELECT COUNT(*) FROM workplace_readings WHERE sensor_id = ?`, desk.ID); n != 2 {
			t.Fatalf("%d readings stored, want 2 (m0 and m1 once)", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM workplace_readings WHERE sensor_id <> ?`, desk.ID); n != 0 {
			t.Fatalf("%d readings of other sensors stored", n)
		}
		reasons := e.deadLetters()
		for _, want := range []string{"wrong credential", "names sensor " + room.ID, "revoked credential", "malformed JSON", "unknown sensor"} {
			if !hasReason(reasons, want) {
				t.Errorf("no dead letter saying %q in %q", want, reasons)
			}
		}
		// No dead letter keeps a secret.
		if n := e.count(`SELECT COUNT(*) FROM workplace_dead_letters WHERE payload LIKE ? OR payload LIKE ?`, "%"+secret+"%", "%"+roomSecret+"%"); n != 0 {
			t.Fatalf("%d dead letters keep a sensor's secret", n)
		}
	})
}
