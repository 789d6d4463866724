package workplaceweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/events"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	dbtpmail "dbtp/internal/mail"
	"dbtp/internal/mail/smtptest"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
	"dbtp/internal/workplace"
)

var calMods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, events.Migrations, workplace.Migrations}

const calPassword = "correct horse battery staple"

// calEnv is the workplace module on a real server over a real database,
// with the real jobs queue, events bus, identity service and an SMTP
// server, as cmd/dbtp builds it; bookings are written as rows with their
// event, as the bookings engine does.
type calEnv struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	id    *identity.Service
	jobs  *jobs.Queue
	bus   *events.Bus
	m     *Module
	srv   *webtest.Server
	smtp  *smtptest.Server
	clock *platformtest.Clock
	org   platform.Org
	users map[string]identity.User
	log   *audit.Log
	// place: a building, floor, a desk and a room with video.
	desk, room workplace.Resource
}

type calLog struct{ t testing.TB }

func (l calLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// calStart is a Monday in British Summer Time, so local and UTC differ.
var calStart = time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)

func newCalEnv(t testing.TB, db *store.DB, env map[string]string, withMail bool) *calEnv {
	t.Helper()
	e := &calEnv{t: t, ctx: context.Background(), db: db, users: map[string]identity.User{}, clock: platformtest.NewClock(calStart)}
	e.log = audittest.NewLog(t, db)
	e.id = identity.New(db, e.log, access.New(e.log), identity.Options{})
	var err error
	e.org, err = e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	calNoErr(t, err)
	sys := platform.System(e.org.ID)
	for _, u := range []struct {
		name string
		role platform.Role
	}{{"Jo Baker", platform.RoleStaff}, {"Kim Adeyemi", platform.RoleWorkplace}, {"Ann Adams", platform.RoleCaseworker}, {"Rita Resident", platform.RoleResident}} {
		first := strings.Fields(u.name)[0]
		usr, err := e.id.CreateUser(e.ctx, sys, identity.NewUser{Email: strings.ToLower(first) + "@northshire.example", Name: u.name,
			Roles: []platform.Role{u.role}, Password: calPassword})
		calNoErr(t, err)
		e.users[first] = usr
	}
	e.node(env, withMail)

	kim := e.subject("Kim")
	b, err := e.m.ws.CreateBuilding(e.ctx, kim, workplace.BuildingInput{Name: "Sessions House", Address: "County Road, Maidstone ME14 1XQ"})
	calNoErr(t, err)
	f, err := e.m.ws.CreateFloor(e.ctx, kim, workplace.FloorInput{BuildingID: b.ID, Name: "Second floor", Level: 2})
	calNoErr(t, err)
	e.desk, err = e.m.ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindDesk, Name: "Desk 2.14", FloorID: f.ID, X: -1, Y: -1})
	calNoErr(t, err)
	e.room, err = e.m.ws.CreateResource(e.ctx, kim, workplace.ResourceInput{Kind: workplace.KindRoom, Name: "Medway Room", FloorID: f.ID, X: -1, Y: -1,
		Capacity: 8, Features: []string{workplace.FeatureVideo}})
	calNoErr(t, err)
	return e
}

// node builds the module as one dbtp node does: its own jobs queue,
// events bus, mail transport and web server, over the shared database.
func (e *calEnv) node(env map[string]string, withMail bool) {
	e.t.Helper()
	var err error
	log, db := e.log, e.db
	// Each node has its own access point, as each process does.
	ap := access.New(log)
	logger := slog.New(slog.NewTextHandler(calLog{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.jobs = jobs.New(db, jobs.Options{Clock: e.clock})
	e.bus, err = events.New(db, e.jobs, ap, log, events.Options{Clock: e.clock})
	calNoErr(e.t, err)
	var transport dbtpmail.Transport
	e.smtp = smtptest.Start(e.t)
	if withMail {
		s, err := dbtpmail.New(dbtpmail.Config{Addr: e.smtp.Addr, From: "Northshire Council <noreply@northshire.example>", StartTLS: dbtpmail.TLSNone})
		calNoErr(e.t, err)
		transport = s
	}
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: e.id.Directory(), Clock: e.clock, Jobs: e.jobs, Events: e.bus, Mail: transport,
		Log: logger, Config: module.Config{BaseURL: "https://dbtp.northshire.example", CouncilName: "Northshire Council",
			Getenv: func(k string) string { return env[k] }}}
	e.m = &Module{}
	calNoErr(e.t, e.m.Init(e.ctx, d))
	// The module's public address is https; the test server's is plain
	// http on loopback (a https base would make the session cookie Secure).
	ws, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, logger, web.WithAuthenticator(e.id))
	calNoErr(e.t, err)
	calNoErr(e.t, e.m.Web(ws))
	calNoErr(e.t, e.m.Start(e.ctx))
	e.srv = webtest.Start(e.t, ws)
}

// newCalEnvOn is a second node on base's database and people.
func newCalEnvOn(t testing.TB, base *calEnv, env map[string]string, withMail bool) *calEnv {
	t.Helper()
	e := *base
	e.t = t
	e.node(env, withMail)
	return &e
}

func calNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *calEnv) subject(first string) *platform.Subject {
	u := e.users[first]
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: e.org.ID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func (e *calEnv) browser(first string) *webtest.Browser {
	e.t.Helper()
	res, err := e.id.SignIn(e.ctx, "northshire", e.users[first].Email, calPassword, "127.0.0.1")
	calNoErr(e.t, err)
	b := e.srv.Browser()
	b.SignIn(res.Token)
	return b
}

// book writes a booking and its event in one write, as the bookings
// engine does, and returns its ID.
func (e *calEnv) book(res workplace.Resource, who string, start time.Time, d time.Duration, status, title string) string {
	e.t.Helper()
	id := platform.NewID("bkg")
	u := e.users[who]
	now := store.Millis(e.clock.Now())
	calNoErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(e.ctx, `INSERT INTO workplace_bookings (id, org_id, resource_id, person_id, person_name, start_at, end_at, status, title, sequence, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`, id, e.org.ID, res.ID, u.ID, u.Name, store.Millis(start), store.Millis(start.Add(d)), status, title, now, now); err != nil {
			return err
		}
		_, err := e.bus.Publish(e.ctx, tx, e.org.ID, workplace.EventBooking, id, workplace.BookingEvent{BookingID: id, Change: "created"})
		return err
	}))
	return id
}

// change updates a booking (bumping its sequence) and publishes change.
func (e *calEnv) change(id, change, status string, start time.Time, d time.Duration) {
	e.t.Helper()
	calNoErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(e.ctx, `UPDATE workplace_bookings SET status = ?, start_at = ?, end_at = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?`,
			status, store.Millis(start), store.Millis(start.Add(d)), store.Millis(e.clock.Now()), id); err != nil {
			return err
		}
		_, err := e.bus.Publish(e.ctx, tx, e.org.ID, workplace.EventBooking, id, workplace.BookingEvent{BookingID: id, Change: change})
		return err
	}))
}

// runJobs runs the due background work as a worker would, and fails the
// test on a workplace job that failed.
func (e *calEnv) runJobs() {
	e.t.Helper()
	for {
		n, err := e.jobs.RunDue(e.ctx)
		calNoErr(e.t, err)
		if n == 0 {
			break
		}
	}
	rows, err := e.db.Query(e.ctx, `SELECT kind, last_error FROM jobs WHERE kind LIKE 'workplace.%' AND last_error <> ''`)
	calNoErr(e.t, err)
	defer rows.Close()
	for rows.Next() {
		var kind, msg string
		calNoErr(e.t, rows.Scan(&kind, &msg))
		e.t.Fatalf("job %s failed: %s", kind, msg)
	}
}

// invite is an emailed invitation, taken apart.
type invite struct {
	subject, text string
	method        string // of the text/calendar part
	calendar      *goical.Calendar
	attachment    []byte
}

func readInvite(t testing.TB, raw string) invite {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	calNoErr(t, err)
	var inv invite
	inv.subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	var walk func(ctype string, body io.Reader)
	walk = func(ctype string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ctype)
		calNoErr(t, err)
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			calNoErr(t, err)
			ct := p.Header.Get("Content-Type")
			if strings.HasPrefix(ct, "multipart/") {
				walk(ct, p)
				continue
			}
			raw, _ := io.ReadAll(p)
			pt, pp, _ := mime.ParseMediaType(ct)
			switch {
			case pt == "text/plain":
				text, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
				calNoErr(t, err)
				inv.text = string(text)
			case pt == "text/calendar" && mt == "multipart/alternative":
				content, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
				calNoErr(t, err)
				inv.method = pp["method"]
				inv.calendar, err = goical.NewDecoder(bytes.NewReader(content)).Decode()
				calNoErr(t, err)
			case pt == "application/ics":
				inv.attachment, _ = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
			}
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body)
	if inv.calendar == nil || inv.attachment == nil {
		t.Fatalf("invitation without its calendar part or attachment: %s", raw)
	}
	return inv
}

func eventOf(t testing.TB, cal *goical.Calendar) goical.Event {
	t.Helper()
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	return evs[0]
}

func propText(t testing.TB, ev goical.Event, name string) string {
	t.Helper()
	p := ev.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	calNoErr(t, err)
	return s
}
