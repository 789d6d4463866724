package workplace

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The batch is written with multi-row statements; what each reading
// became must still be counted one by one: repeats of stored readings
// and repeats within the batch are duplicates, a revoked sensor's
// readings dead letters, and the aggregates count each stored reading
// once.
func TestIngestBatchCountsEachReading(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s := e.site()
		mk := func(name string) SensorAuth {
			sn, _, err := e.ws.CreateSensor(e.ctx, e.kim, SensorInput{Name: name, Kind: SensorOccupancy, TargetKind: TargetResource, TargetID: s.desk1.ID})
			noErr(t, err)
			return SensorAuth{ID: sn.ID, OrgID: e.org.ID, Kind: SensorOccupancy, TargetID: s.desk1.ID}
		}
		a, b, c := mk("A"), mk("B"), mk("C")
		// Written only when flushed: the mixed batch below is one write.
		in := e.ingester(IngestOptions{FlushEvery: time.Hour})

		r, err := in.Submit(e.ctx, a, SourceHTTP, []byte(`{"id":"old","occupied":true}`), true)
		noErr(t, err)
		if r.Accepted != 1 {
			t.Fatalf("first reading: %+v", r)
		}
		// 600 new readings (more than one statement's worth), one already
		// stored and one repeated within the submission.
		var p []string
		for i := range 600 {
			p = append(p, fmt.Sprintf(`{"id":"n%d","occupied":%v}`, i, i%3 == 0))
		}
		p = append(p, `{"id":"old","occupied":true}`, `{"id":"n5","occupied":true}`, `{"occupied":"maybe"}`)
		r, err = in.Submit(e.ctx, a, SourceHTTP, []byte("["+strings.Join(p, ",")+"]"), true)
		noErr(t, err)
		if r.Accepted != 600 || r.Duplicate != 2 || r.Rejected != 1 || !strings.Contains(r.Reasons[602], "occupied") {
			t.Fatalf("big submission: %+v", r)
		}

		// One batch from three sensors, C revoked after it was let in.
		noErr(t, e.ws.RevokeSensor(e.ctx, e.kim, c.ID))
		t0 := e.clock.Now()
		e.clock.Add(time.Minute)
		for i := range 10 {
			_, err := in.Submit(e.ctx, b, SourceMQTT, fmt.Appendf(nil, `{"id":"b%d","occupied":true}`, i), false)
			noErr(t, err)
		}
		_, err = in.Submit(e.ctx, b, SourceMQTT, []byte(`{"id":"b3","occupied":true}`), false)
		noErr(t, err)
		_, err = in.Submit(e.ctx, c, SourceMQTT, []byte(`[{"id":"c1","occupied":true},{"id":"c2","occupied":false},{"id":"c3","occupied":true}]`), false)
		noErr(t, err)
		noErr(t, in.Flush(e.ctx))

		for _, w := range []struct {
			what string
			q    string
			args []any
			want int
		}{
			{"A's readings", `SELECT COUNT(*) FROM workplace_readings WHERE sensor_id = ?`, []any{a.ID}, 601},
			{"A's aggregated samples", `SELECT SUM(samples) FROM workplace_sensor_buckets WHERE sensor_id = ?`, []any{a.ID}, 601},
			{"A's occupied samples", `SELECT SUM(occupied_samples) FROM workplace_sensor_buckets WHERE sensor_id = ?`, []any{a.ID}, 201},
			{"B's readings", `SELECT COUNT(*) FROM workplace_readings WHERE sensor_id = ?`, []any{b.ID}, 10},
			{"B's aggregated samples", `SELECT SUM(samples) FROM workplace_sensor_buckets WHERE sensor_id = ?`, []any{b.ID}, 10},
			{"C's readings", `SELECT COUNT(*) FROM workplace_readings WHERE sensor_id = ?`, []any{c.ID}, 0},
			{"C's dead letters", `SELECT COUNT(*) FROM workplace_dead_letters WHERE sensor_id = ? AND reason = 'revoked credential'`, []any{c.ID}, 3},
			{"C's aggregates", `SELECT COUNT(*) FROM workplace_sensor_buckets WHERE sensor_id = ?`, []any{c.ID}, 0},
			{"A seen at its last batch", `SELECT COUNT(*) FROM workplace_sensors WHERE id = ? AND last_seen_at = ?`, []any{a.ID, store.Millis(t0)}, 1},
			{"B seen at the batch", `SELECT COUNT(*) FROM workplace_sensors WHERE id = ? AND last_seen_at = ?`, []any{b.ID, store.Millis(e.clock.Now())}, 1},
			{"C not seen", `SELECT COUNT(*) FROM workplace_sensors WHERE id = ? AND last_seen_at = 0`, []any{c.ID}, 1},
		} {
			if n := e.count(w.q, w.args...); n != w.want {
				t.Errorf("%s: %d, want %d", w.what, n, w.want)
			}
		}

		// The summary counts every reading once, whichever way it went.
		e.clock.Add(20 * time.Minute)
		_, err = in.Submit(e.ctx, a, SourceHTTP, []byte(`{"id":"last","occupied":false}`), true)
		noErr(t, err)
		page, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Action: "workplace.sensor_ingest"})
		noErr(t, err)
		if len(page.Entries) != 1 {
			t.Fatalf("%d ingestion summaries, want 1", len(page.Entries))
		}
		if detail := page.Entries[0].Detail; !strings.HasPrefix(detail, "612 readings accepted, 3 duplicates ignored, 4 dead-lettered since") {
			t.Fatalf("summary: %q", page.Entries[0].Detail)
		}
	})
}
