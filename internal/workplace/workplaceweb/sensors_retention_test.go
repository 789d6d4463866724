package workplaceweb

import (
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/jobs"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// The retention sweep is a periodic job on the jobs queue, driven by the
// module's clock: it deletes raw readings past retention, keeps recent
// ones, and with two nodes up it runs once an hour, not once per node.
func TestSensorRetentionIsAScheduledJob(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		kim := e.subject("Kim")
		s, _, err := e.m.Store().CreateSensor(e.ctx, kim, workplace.SensorInput{Name: "Desk 2.15 sensor", Kind: workplace.SensorOccupancy,
			TargetKind: workplace.TargetResource, TargetID: e.desk2.ID})
		noErr(t, err)
		one := 1
		now := e.clock.Now()
		old, recent := now.Add(-20*24*time.Hour), now.Add(-24*time.Hour)
		_, err = e.m.Store().BackfillReadings(e.ctx, kim, s.ID, []workplace.PastReading{{At: old, Occupied: &one}, {At: recent, Occupied: &one}})
		noErr(t, err)

		// A second node on the same database, with its own queue.
		q2 := jobs.New(db, jobs.Options{Clock: e.clock})
		d2 := *e.m.d
		d2.Jobs, d2.Events, d2.Access = q2, nil, access.New(e.m.d.Audit)
		noErr(t, (&Module{}).Init(e.ctx, &d2))

		readings := func() (n int) {
			noErr(t, db.QueryRow(e.ctx, `SELECT COUNT(*) FROM workplace_readings WHERE sensor_id = ?`, s.ID).Scan(&n))
			return n
		}
		runs := func() (n int) {
			noErr(t, db.QueryRow(e.ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND state = 'completed'`, retentionKind).Scan(&n))
			return n
		}
		e.runJobs()
		_, err = q2.RunDue(e.ctx)
		noErr(t, err)
		if n := readings(); n != 1 {
			t.Fatalf("%d readings after the sweep, want the recent one", n)
		}
		if n := runs(); n != 1 {
			t.Fatalf("the sweep ran %d times on two nodes, want once", n)
		}
		var every int64
		noErr(t, db.QueryRow(e.ctx, `SELECT every_ms FROM job_schedules WHERE name = ?`, retentionKind).Scan(&every))
		if every != time.Hour.Milliseconds() {
			t.Fatalf("the sweep's schedule is every %d ms", every)
		}

		// An hour on, by the module's clock, it runs again (once), and the
		// reading that has now passed retention goes.
		e.clock.Add(13*24*time.Hour + time.Hour)
		_, err = q2.RunDue(e.ctx)
		noErr(t, err)
		e.runJobs()
		if n := runs(); n != 2 {
			t.Fatalf("the sweep ran %d times, want twice", n)
		}
		if n := readings(); n != 0 {
			t.Fatalf("%d readings after the second sweep", n)
		}
	})
}
