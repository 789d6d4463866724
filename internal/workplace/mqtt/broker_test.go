package mqtt

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// pub runs Debian's mosquitto_pub against addr at QoS 1 over MQTT 5:
// when it exits the broker has acknowledged (so stored) the message.
func pub(t *testing.T, addr, user, pass, topic, msg string) (string, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool(t, "mosquitto_pub"), "-h", host, "-p", port, "-V", "mqttv5", "-q", "1",
		"-i", "t-"+user, "-u", user, "-P", pass, "-t", topic, "-s")
	cmd.Stdin = strings.NewReader(msg)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestEmbeddedBrokerWithMosquittoClients(t *testing.T) {
	tool(t, "mosquitto_pub")
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, workplace.IngestOptions{})
		b, err := StartBroker(e.ctx, BrokerOptions{Addr: "127.0.0.1:0", Sensors: e.ws, Ingest: e.in, OrgSlug: e.slug})
		noErr(t, err)
		defer b.Close()
		desk, deskSecret := e.sensor("Desk sensor", e.desk)
		room, roomSecret := e.sensor("Room sensor", e.room)
		gone, goneSecret := e.sensor("Old sensor", e.room)
		noErr(t, e.ws.RevokeSensor(e.ctx, e.kim, gone.ID))
		deskTopic := Topic("northshire", desk.ID)
		stored := func(id string) int {
			return e.count(`SELECT COUNT(*) FROM workplace_readings WHERE sensor_id = ?`, id)
		}

		// A good reading is stored by the time the publisher is acknowledged.
		good := `{"id":"m1","at":"` + time.Now().UTC().Format(time.RFC3339) + `","occupied":true}`
		if out, err := pub(t, b.Addr(), desk.ID, deskSecret, deskTopic, good); err != nil {
			t.Fatalf("publish: %v\n%s", err, out)
		}
		if n := stored(desk.ID); n != 1 {
			t.Fatalf("%d readings after one message", n)
		}
		// The same message again is acknowledged and ignored.
		if out, err := pub(t, b.Addr(), desk.ID, deskSecret, deskTopic, good); err != nil {
			t.Fatalf("publish again: %v\n%s", err, out)
		}
		if n := stored(desk.ID); n != 1 {
			t.Fatalf("%d readings after a duplicate", n)
		}
		// Malformed and oversized payloads are acknowledged (so the device
		// does not resend them forever) and dead-lettered.
		for _, msg := range []string{`{"occupied": tru`, `{"occupied":"maybe"}`, `{"occupied":true,"pad":"` + strings.Repeat("x", 5000) + `"}`} {
			if out, err := pub(t, b.Addr(), desk.ID, deskSecret, deskTopic, msg); err != nil {
				t.Fatalf("publish bad payload: %v\n%s", err, out)
			}
		}
		// Wrong password, revoked and unknown sensors cannot connect.
		if out, err := pub(t, b.Addr(), desk.ID, "not-the-secret", deskTopic, good); err == nil {
			t.Fatalf("a wrong password was accepted: %s", out)
		}
		if out, err := pub(t, b.Addr(), gone.ID, goneSecret, Topic("northshire", gone.ID), good); err == nil {
			t.Fatalf("a revoked sensor was accepted: %s", out)
		}
		if out, err := pub(t, b.Addr(), "sns_nobody", "x", Topic("northshire", "sns_nobody"), good); err == nil {
			t.Fatalf("an unknown sensor was accepted: %s", out)
		}
		// A sensor cannot publish as another.
		pub(t, b.Addr(), desk.ID, deskSecret, Topic("northshire", room.ID), `{"id":"spoof","occupied":true}`) //nolint:errcheck // refused either way
		if n := stored(room.ID); n != 0 {
			t.Fatalf("a sensor published %d readings as another", n)
		}

		reasons := e.deadLetters()
		for _, want := range []string{"malformed JSON", "bad value: occupied", "payload too large", "connection refused: wrong credential",
			"connection refused: revoked credential", "not allowed to publish to " + Topic("northshire", room.ID)} {
			if !hasReason(reasons, want) {
				t.Errorf("no dead letter saying %q in %q", want, reasons)
			}
		}
		if len(reasons) != 6 {
			t.Errorf("%d dead letters, want 6: %q", len(reasons), reasons)
		}
		// Nothing crashed: the broker still takes readings, from the other
		// sensor too.
		if out, err := pub(t, b.Addr(), room.ID, roomSecret, Topic("northshire", room.ID), `{"id":"r1","count":5}`); err != nil {
			t.Fatalf("publish after bad input: %v\n%s", err, out)
		}
		if n := stored(room.ID); n != 1 || stored(desk.ID) != 1 {
			t.Fatalf("readings after bad input: room %d desk %d", n, stored(desk.ID))
		}
	})
}
