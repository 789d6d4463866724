package workplace

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/events"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// bookMods are the workplace's tables with the jobs and events the
// bookings publish through.
var bookMods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, events.Migrations, Migrations}

// holiday is the bank holiday the booking tests' calendar knows.
var holiday = time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC) // Good Friday

// newBookEnv is newEnv with the store publishing to a real event bus and
// knowing one bank holiday.
func newBookEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	e := newEnv(t, db)
	q := jobs.New(db, jobs.Options{Clock: e.clock})
	bus, err := events.New(db, q, e.ws.access, e.log, events.Options{Clock: e.clock})
	noErr(t, err)
	noErr(t, bus.Declare(EventBooking))
	e.ws = New(db, e.log, e.ws.access, Options{Now: e.clock.Now, Events: bus, Holiday: func(d time.Time) (string, bool) {
		if d.Format("2006-01-02") == holiday.Format("2006-01-02") {
			return "Good Friday", true
		}
		return "", false
	}})
	return e
}

// count is a COUNT(*) query's answer.
func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	noErr(e.t, e.db.QueryRow(e.ctx, q, args...).Scan(&n))
	return n
}

// written counts the rows a booking writes, to show a refusal wrote none.
func (e *env) written() [3]int {
	return [3]int{e.count(`SELECT COUNT(*) FROM workplace_bookings`), e.count(`SELECT COUNT(*) FROM workplace_claims`),
		e.count(`SELECT COUNT(*) FROM events`)}
}

// refused checks that err is a refusal naming field (or, with field "",
// of the given code) whose message contains want, and that nothing was
// written since before.
func (e *env) refused(err error, before [3]int, code platform.Code, field, want string) {
	e.t.Helper()
	pe := platform.AsError(err)
	if err == nil || pe.Code != code {
		e.t.Fatalf("want %s refusal, got %v", code, err)
	}
	if field != "" {
		wantField(e.t, err, field)
	}
	said := err.Error()
	for _, f := range pe.Fields {
		said += " | " + f.Message
	}
	if !strings.Contains(said, want) {
		e.t.Fatalf("want a message saying %q, got %q", want, said)
	}
	if after := e.written(); after != before {
		e.t.Fatalf("a refusal wrote rows: %v -> %v", before, after)
	}
}

// book books and fails the test on an error.
func (e *env) book(sub *platform.Subject, in BookInput) Booking {
	e.t.Helper()
	res, err := e.ws.Book(e.ctx, sub, in)
	noErr(e.t, err)
	return res.Bookings[0]
}

// claimsOf counts a booking's claims.
func (e *env) claimsOf(id string) int {
	return e.count(`SELECT COUNT(*) FROM workplace_claims WHERE holder_id = ?`, id)
}

// staffN is a made-up member of staff (the access rules need no more).
func (e *env) staffN(i int) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_staff" + strconv.Itoa(i), Name: "Staff " + strconv.Itoa(i), OrgID: e.org.ID,
		Roles: []platform.Role{platform.RoleStaff}}
}

// events lists the changes published for a booking, in order.
func (e *env) changes(id string) []string {
	e.t.Helper()
	rows, err := e.db.Query(e.ctx, `SELECT data FROM events WHERE type = ? AND subject = ? ORDER BY id`, EventBooking, id)
	noErr(e.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var data string
		noErr(e.t, rows.Scan(&data))
		_, after, _ := strings.Cut(data, `"change":"`)
		change, _, _ := strings.Cut(after, `"`)
		out = append(out, change)
	}
	return out
}

// close closes a building for a day, as the places part's closures do.
func (e *env) close(day, buildingID, reason string) {
	e.t.Helper()
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, `INSERT INTO workplace_closures (id, org_id, day, kind, building_id, reason, created_at) VALUES (?, ?, ?, '', ?, ?, 0)`,
			platform.NewID("cls"), e.org.ID, day, buildingID, reason)
		return err
	}))
}
