package workplace

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// ingester runs an ingester for the test's life.
func (e *env) ingester(opts IngestOptions) *Ingester {
	e.t.Helper()
	in := e.ws.NewIngester(opts)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
	return in
}

func TestSensorRegistryAndCredentials(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		sn, secret, err := e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "Desk 1.01 sensor", Kind: SensorOccupancy, TargetKind: TargetResource, TargetID: s.desk1.ID})
		noErr(t, err)
		if len(secret) < 40 || sn.ID == "" {
			t.Fatalf("sensor %+v secret %q", sn, secret)
		}
		// The secret is kept only as a hash.
		if e.count(`SELECT COUNT(*) FROM workplace_sensors WHERE secret_hash = ?`, secret) != 0 || e.count(`SELECT COUNT(*) FROM workplace_sensors WHERE secret_hash = ?`, hashSecret(secret)) != 1 {
			t.Fatal("the secret is not stored as its hash alone")
		}
		auth, err := e.ws.AuthenticateSensor(e.ctx, sn.ID, secret)
		noErr(t, err)
		if auth.OrgID != e.org.ID || auth.TargetID != s.desk1.ID || auth.Kind != SensorOccupancy {
			t.Fatalf("auth %+v", auth)
		}
		_, err = e.ws.AuthenticateSensor(e.ctx, sn.ID, secret+"x")
		if err != ErrBadSecret {
			t.Fatalf("wrong secret: %v", err)
		}
		if _, err = e.ws.AuthenticateSensor(e.ctx, "sns_nope", secret); err != ErrUnknownSensor {
			t.Fatalf("unknown sensor: %v", err)
		}

		// Bad input names the field; only workplace managers keep sensors.
		_, _, err = e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "Desk 1.01 sensor", Kind: SensorOccupancy})
		wantField(t, err, "name")
		_, _, err = e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "X", Kind: "smoke"})
		wantField(t, err, "kind")
		_, _, err = e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "X", Kind: SensorOccupancy, TargetKind: TargetResource, TargetID: "res_nope"})
		wantField(t, err, "target")
		_, _, err = e.ws.CreateSensor(e.ctx, e.sid, SensorInput{Name: "Mine", Kind: SensorOccupancy})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ws.Sensors(e.ctx, e.sid)
		wantCode(t, err, platform.CodeForbidden)
		others, err := e.ws.Sensors(e.ctx, e.other)
		noErr(t, err)
		if len(others) != 0 {
			t.Fatalf("another organisation sees %+v", others)
		}

		// Mapping moves it; the listing names the place.
		noErr(t, e.ws.MapSensor(e.ctx, e.kim, sn.ID, TargetZone, s.zone.ID))
		got, err := e.ws.Sensor(e.ctx, e.kim, sn.ID)
		noErr(t, err)
		if got.TargetKind != TargetZone || got.TargetName != s.zone.Name {
			t.Fatalf("mapped sensor %+v", got)
		}
		wantCode(t, e.ws.MapSensor(e.ctx, e.other, sn.ID, "", ""), platform.CodeNotFound)

		// Revoked: refused at once on this node.
		noErr(t, e.ws.RevokeSensor(e.ctx, e.kim, sn.ID))
		if _, err := e.ws.AuthenticateSensor(e.ctx, sn.ID, secret); err != ErrRevoked {
			t.Fatalf("revoked sensor: %v", err)
		}
		noErr(t, e.ws.RevokeSensor(e.ctx, e.kim, sn.ID)) // again: a no-op
		wantCode(t, e.ws.RevokeSensor(e.ctx, e.kim, "sns_nope"), platform.CodeNotFound)
		// Registration, mapping and revocation are audited.
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action IN ('workplace.sensor_register', 'workplace.sensor_map', 'workplace.sensor_revoke')`); n != 3 {
			t.Fatalf("%d audit entries for the registry, want 3", n)
		}
	})
}

func TestIngestIsIdempotentToleratesSkewAndDeadLetters(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		occ, _, err := e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "Desk sensor", Kind: SensorOccupancy, TargetKind: TargetResource, TargetID: s.desk1.ID})
		noErr(t, err)
		env, _, err := e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "Air", Kind: SensorEnvironment, TargetKind: TargetZone, TargetID: s.zone.ID})
		noErr(t, err)
		in := e.ingester(IngestOptions{})
		oa := SensorAuth{ID: occ.ID, OrgID: e.org.ID, Kind: SensorOccupancy, TargetID: s.desk1.ID}
		ea := SensorAuth{ID: env.ID, OrgID: e.org.ID, Kind: SensorEnvironment, TargetID: s.zone.ID}
		now := e.clock.Now()
		at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
		submit := func(a SensorAuth, payload string) Result {
			t.Helper()
			r, err := in.Submit(e.ctx, a, SourceHTTP, []byte(payload), true)
			noErr(t, err)
			return r
		}

		r := submit(oa, `{"id":"m1","at":"`+at(0)+`","occupied":true}`)
		if r.Accepted != 1 {
			t.Fatalf("first reading: %+v", r)
		}
		// The same message again, by ID or (without one) by time: ignored.
		if r := submit(oa, `{"id":"m1","at":"`+at(0)+`","occupied":true}`); r.Duplicate != 1 || r.Accepted != 0 {
			t.Fatalf("repeat by id: %+v", r)
		}
		submit(oa, `{"at":"`+at(time.Minute)+`","count":3}`)
		if r := submit(oa, `[{"at":"`+at(time.Minute)+`","count":3},{"id":"m2","occupied":false}]`); r.Duplicate != 1 || r.Accepted != 1 {
			t.Fatalf("repeat by time in a batch: %+v", r)
		}
		// A clock an hour fast (or a year) is replaced by the receipt time,
		// with the skew noted; one five minutes slow is believed.
		submit(oa, `{"id":"fast","at":"`+at(time.Hour)+`","occupied":true}`)
		submit(oa, `{"id":"future","at":"2099-01-01T00:00:00Z","occupied":true}`)
		submit(oa, `{"id":"slow","at":"`+at(-5*time.Minute)+`","occupied":true}`)
		var atMs, skew int64
		noErr(t, db.QueryRow(e.ctx, `SELECT at, skew_ms FROM workplace_readings WHERE msg_key = 'i:fast'`).Scan(&atMs, &skew))
		if atMs != store.Millis(now) || skew != time.Hour.Milliseconds() {
			t.Fatalf("fast clock stored at %v skew %d", store.Time(atMs), skew)
		}
		noErr(t, db.QueryRow(e.ctx, `SELECT at, skew_ms FROM workplace_readings WHERE msg_key = 'i:slow'`).Scan(&atMs, &skew))
		if atMs != store.Millis(now.Add(-5*time.Minute)) || skew != 0 {
			t.Fatalf("slow clock stored at %v skew %d", store.Time(atMs), skew)
		}
		if n := e.count(`SELECT COUNT(*) FROM workplace_readings WHERE at > ?`, store.Millis(now.Add(time.Minute))); n != 0 {
			t.Fatalf("%d readings in the future", n)
		}
		r = submit(ea, `{"temperature":21.5,"humidity":40,"co2":612}`)
		if r.Accepted != 1 {
			t.Fatalf("environment: %+v", r)
		}

		// Bad input is dead-lettered with its reason, never stored.
		for _, c := range []struct {
			a            SensorAuth
			payload, why string
		}{
			{oa, `{"occupied": tru`, "malformed JSON"},
			{oa, `not json`, "malformed JSON"},
			{oa, `{"occupied":"yes"}`, "bad value: occupied"},
			{oa, `{"count":-2}`, "count must be from 0"},
			{oa, `{"temperature":20}`, "occupancy sensor sends"},
			{ea, `{"temperature":900}`, "temperature must be"},
			{oa, `{"at":"yesterday","occupied":true}`, "RFC 3339"},
			{oa, `{"occupied":true,"pad":"` + strings.Repeat("x", MaxPayload) + `"}`, "payload too large"},
		} {
			res, err := in.Submit(e.ctx, c.a, SourceMQTT, []byte(c.payload), true)
			noErr(t, err)
			if res.Rejected != 1 || !strings.Contains(res.Reasons[0], c.why) {
				t.Errorf("%s: %+v, want a dead letter saying %q", c.payload[:min(len(c.payload), 30)], res, c.why)
			}
		}
		dl, err := e.ws.DeadLetters(e.ctx, e.kim, 0)
		noErr(t, err)
		if len(dl) != 8 || dl[0].SensorName == "" || len(dl[0].Payload) > 512 || dl[0].Size <= MaxPayload {
			t.Fatalf("dead letters: %d, newest %+v", len(dl), dl[0])
		}
		_, err = e.ws.DeadLetters(e.ctx, e.sid, 0)
		wantCode(t, err, platform.CodeForbidden)

		// A revoked sensor's readings, even those already authenticated,
		// are dead-lettered by the write itself.
		noErr(t, e.ws.RevokeSensor(e.ctx, e.kim, occ.ID))
		if r := submit(oa, `{"id":"late","occupied":true}`); r.Rejected != 1 || r.Reasons[0] != "revoked credential" {
			t.Fatalf("after revocation: %+v", r)
		}
		if n := e.count(`SELECT COUNT(*) FROM workplace_readings WHERE sensor_id = ?`, occ.ID); n != 6 {
			t.Fatalf("%d readings stored, want 6", n)
		}
		// The aggregates count each stored reading once.
		if n := e.count(`SELECT SUM(samples) FROM workplace_sensor_buckets WHERE sensor_id = ?`, occ.ID); n != 6 {
			t.Fatalf("aggregates count %d readings, want 6", n)
		}
		// No audit entry per reading: one summary per organisation when it
		// is due (here at the end of the run).
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'workplace.sensor_ingest'`); n != 0 {
			t.Fatalf("%d ingestion audit entries before the summary is due", n)
		}
		e.clock.Add(20 * time.Minute)
		submit(ea, `{"temperature":21}`)
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'workplace.sensor_ingest'`); n != 1 {
			t.Fatalf("%d ingestion summaries, want 1", n)
		}
	})
}

func TestRetentionDeletesRawReadingsKeepsAggregates(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		sn, _, err := e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "Desk sensor", Kind: SensorOccupancy, TargetKind: TargetResource, TargetID: s.desk1.ID})
		noErr(t, err)
		in := e.ingester(IngestOptions{})
		a := SensorAuth{ID: sn.ID, OrgID: e.org.ID, Kind: SensorOccupancy, TargetID: s.desk1.ID}
		// Three weeks of 120 readings a day, each day's sent in one batch;
		// the first seven days (the seventh's minutes before the clock's
		// hour) are past 14 days.
		day0 := e.clock.Now()
		for d := 0; d < 21; d++ {
			e.clock.Set(day0.Add(time.Duration(d) * 24 * time.Hour))
			var b strings.Builder
			b.WriteString("[")
			for m := 0; m < 120; m++ {
				if m > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"at":"%s","occupied":%v}`, e.clock.Now().Add(time.Duration(m-120)*time.Second*5).Format(time.RFC3339), m%3 == 0)
			}
			b.WriteString("]")
			r, err := in.Submit(e.ctx, a, SourceHTTP, []byte(b.String()), true)
			noErr(t, err)
			if r.Accepted != 120 {
				t.Fatalf("day %d: %+v", d, r)
			}
		}
		before := e.count(`SELECT COUNT(*) FROM workplace_readings`)
		aggBefore := e.count(`SELECT SUM(samples) FROM workplace_sensor_buckets`)
		p, err := e.ws.PruneSensorData(e.ctx, Retention{Raw: 14 * 24 * time.Hour, Aggregates: 365 * 24 * time.Hour, DeadLetters: 24 * time.Hour, Batch: 50})
		noErr(t, err)
		after := e.count(`SELECT COUNT(*) FROM workplace_readings`)
		if before != 21*120 || p.Readings != 7*120 || after != before-int(p.Readings) {
			t.Fatalf("readings %d -> %d, pruned %+v", before, after, p)
		}
		if n := e.count(`SELECT COUNT(*) FROM workplace_readings WHERE at < ?`, store.Millis(e.clock.Now().Add(-14*24*time.Hour))); n != 0 {
			t.Fatalf("%d raw readings past retention", n)
		}
		if n := e.count(`SELECT SUM(samples) FROM workplace_sensor_buckets`); n != aggBefore {
			t.Fatalf("aggregates lost readings: %d -> %d", aggBefore, n)
		}
		if db.Dialect() == store.SQLite && p.FreePages == 0 {
			t.Fatal("SQLite: the deleted readings freed no pages for reuse")
		}
	})
}

func TestOccupiedDuring(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		now := e.clock.Now()
		// No sensor: not sensed.
		occ, sensed, err := e.ws.OccupiedDuring(e.ctx, e.org.ID, s.desk1.ID, now, now.Add(time.Hour))
		noErr(t, err)
		if occ || sensed {
			t.Fatal("a desk without a sensor is sensed")
		}
		sn, _, err := e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: "Zone counter", Kind: SensorOccupancy, TargetKind: TargetZone, TargetID: s.zone.ID})
		noErr(t, err)
		in := e.ingester(IngestOptions{})
		a := SensorAuth{ID: sn.ID, OrgID: e.org.ID, Kind: SensorOccupancy, TargetID: s.zone.ID}
		_, err = in.Submit(e.ctx, a, SourceHTTP, []byte(`{"at":"`+now.Format(time.RFC3339)+`","count":0}`), true)
		noErr(t, err)
		// The zone's counter covers desk 1 (in the zone), not desk 2.
		occ, sensed, err = e.ws.OccupiedDuring(e.ctx, e.org.ID, s.desk1.ID, now, now.Add(time.Hour))
		noErr(t, err)
		if occ || !sensed {
			t.Fatalf("empty zone: occupied %v sensed %v", occ, sensed)
		}
		if _, sensed, _ := e.ws.OccupiedDuring(e.ctx, e.org.ID, s.desk2.ID, now, now.Add(time.Hour)); sensed {
			t.Fatal("desk 2 is outside the zone")
		}
		_, err = in.Submit(e.ctx, a, SourceHTTP, []byte(`{"at":"`+now.Add(10*time.Minute).Format(time.RFC3339)+`","count":2}`), true)
		noErr(t, err)
		occ, sensed, err = e.ws.OccupiedDuring(e.ctx, e.org.ID, s.desk1.ID, now, now.Add(time.Hour))
		noErr(t, err)
		if !occ || !sensed {
			t.Fatalf("people counted: occupied %v sensed %v", occ, sensed)
		}
		// Another organisation's question about the desk finds nothing.
		if _, sensed, _ := e.ws.OccupiedDuring(e.ctx, e.other.OrgID, s.desk1.ID, now, now.Add(time.Hour)); sensed {
			t.Fatal("another organisation's sensor answered")
		}
		// A revoked sensor is no longer a working one.
		noErr(t, e.ws.RevokeSensor(e.ctx, e.kim, sn.ID))
		if _, sensed, _ := e.ws.OccupiedDuring(e.ctx, e.org.ID, s.desk1.ID, now, now.Add(time.Hour)); sensed {
			t.Fatal("a revoked sensor still senses")
		}
	})
}
