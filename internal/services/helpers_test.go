package services

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/blob"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, Migrations}

// weekendCalendar is the test's working-day calendar: Saturdays and Sundays
// are the only days off, so expected due dates are easy to work out by hand.
type weekendCalendar struct{}

func (weekendCalendar) AddWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
			n--
		}
	}
	return t
}

// failingNotifier records through the real outbox, then fails when told to,
// so a test can see the outbox row roll back with the write.
type failingNotifier struct {
	out  *Outbox
	fail atomic.Bool
}

func (n *failingNotifier) Notify(ctx context.Context, tx *store.Tx, m Message) error {
	if err := n.out.Notify(ctx, tx, m); err != nil {
		return err
	}
	if n.fail.Load() {
		return errors.New("post room on fire")
	}
	return nil
}

// env is a council with units, staff and residents, and a second
// organisation, on a fresh database with the real audit log and access point.
type env struct {
	t        testing.TB
	ctx      context.Context
	db       *store.DB
	log      *audit.Log
	id       *identity.Service
	svc      *Service
	files    *blob.Store
	clock    *platformtest.Clock
	notifier *failingNotifier
	org      platform.Org
	sys      *platform.Subject
	units    map[string]string // name -> ID

	admin, rita, ray, cara, carl, mona, lou, sam *platform.Subject
	other                                        *platform.Subject // admin of another organisation
}

// start is a Monday morning, so working-day arithmetic is easy to follow.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	noErr(t, ap.Register("case", CasePolicy))
	e := &env{t: t, ctx: context.Background(), db: db, log: log, clock: platformtest.NewClock(start), units: map[string]string{}}
	e.id = identity.New(db, log, ap, identity.Options{Clock: e.clock})
	e.notifier = &failingNotifier{out: NewOutbox(db, nil)}
	e.files = blobtest.Disk(t)
	e.svc = New(db, log, ap, Options{Calendar: weekendCalendar{}, Notifier: e.notifier, Clock: e.clock, UnitID: e.id.UnitID,
		UserExists: e.id.UserExists, Files: e.files,
		Person: func(ctx context.Context, orgID, id string) (platform.Person, error) {
			return e.id.Directory().Person(ctx, platform.System(orgID), id)
		}})

	e.org = e.mustOrg("northshire", "Northshire Council", platform.OrgCouncil)
	e.sys = platform.System(e.org.ID)
	for _, name := range []string{"Customer Services", "Finance", "Legal", "Stores"} {
		u, err := e.id.CreateUnit(e.ctx, e.sys, name)
		noErr(t, err)
		e.units[name] = u.ID
	}
	cs, fin, legal := e.units["Customer Services"], e.units["Finance"], e.units["Legal"]
	e.admin = e.user(e.sys, "admin", platform.RoleAdmin)
	e.rita = e.user(e.sys, "rita", platform.RoleResident)
	e.ray = e.user(e.sys, "ray", platform.RoleResident)
	e.cara = e.user(e.sys, "cara", platform.RoleCaseworker, cs)
	e.carl = e.user(e.sys, "carl", platform.RoleCaseworker, fin)
	e.mona = e.user(e.sys, "mona", platform.RoleManager, cs)
	e.lou = e.user(e.sys, "lou", platform.RoleManager, cs, legal)
	e.sam = e.user(e.sys, "sam", platform.RoleStaff)
	other := e.mustOrg("northshire-trading", "Northshire Trading Ltd", platform.OrgTradingCompany)
	e.other = e.user(platform.System(other.ID), "boss", platform.RoleAdmin)
	return e
}

func (e *env) mustOrg(slug, name string, kind platform.OrgKind) platform.Org {
	e.t.Helper()
	o, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: slug, Name: name, Kind: kind})
	noErr(e.t, err)
	return o
}

// user creates a user with one role (and units) and returns their subject.
func (e *env) user(sys *platform.Subject, name string, role platform.Role, units ...string) *platform.Subject {
	e.t.Helper()
	u, err := e.id.CreateUser(e.ctx, sys, identity.NewUser{Email: name + "@" + sys.OrgID + ".example", Name: strings.ToUpper(name[:1]) + name[1:],
		Roles: []platform.Role{role}, BusinessUnits: units})
	noErr(e.t, err)
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
}

func boolPtr(b bool) *bool { return &b }

// complaints is a two-stage complaints service. v2 adds a triage state
// before stage 1 and drops the applicant's own escalation.
func complaints(version int) *definition.Definition {
	d := &definition.Definition{
		ID: "complaints", Version: version, Title: "Make a complaint", ReferencePrefix: "COMP", OwnerUnit: "Customer Services",
		Classification: platform.Official, Retention: "complaints-6y",
		Start: definition.Start{Who: []definition.Audience{definition.AudienceResidents, definition.AudienceAnonymous}},
		Fields: []definition.Field{
			{ID: "summary", Type: definition.TypeText, Label: "What is your complaint about", Required: true},
			{ID: "details", Type: definition.TypeLongText, Label: "Tell us what happened"},
			{ID: "evidence", Type: definition.TypeFile, Label: "Evidence", MaxBytes: 1024},
			{ID: "outcome", Type: definition.TypeLongText, Label: "Outcome", Internal: true},
		},
		ListFields: []string{"summary"},
		Workflow: definition.Workflow{
			Initial: "stage1",
			States: []definition.State{
				{ID: "stage1", Label: "Stage 1", SLADays: 10, AtRiskDays: 2,
					Escalation: &definition.Escalate{NotifyRole: platform.RoleManager, Queue: "complaints-escalated"},
					OnEnter: []definition.Action{
						{Assign: &definition.Assign{Queue: "complaints"}},
						{Task: &definition.Task{Title: "Acknowledge the complaint", DueDays: 2}},
						{Notify: &definition.Notify{To: "applicant", Template: "complaint-received", Subject: "We have your complaint {{reference}}", Body: "{{title}}: {{state}}"}},
					}},
				{ID: "stage2", Label: "Stage 2", SLADays: 20},
				{ID: "resolved", Label: "Resolved", Terminal: true, OnEnter: []definition.Action{
					{Notify: &definition.Notify{To: "applicant", Subject: "Your complaint {{reference}} is {{state}}"}}}},
				{ID: "ombudsman", Label: "Referred to the Ombudsman", Terminal: true},
			},
			Transitions: []definition.Transition{
				{ID: "resolve", Label: "Resolve", From: []string{"stage1", "stage2"}, To: "resolved",
					Roles: []platform.Role{platform.RoleCaseworker, platform.RoleManager}, Requires: []string{"outcome"}},
				{ID: "escalate", Label: "Escalate to stage 2", From: []string{"stage1"}, To: "stage2", Applicant: true},
				{ID: "refer", Label: "Refer to the Ombudsman", From: []string{"stage2"}, To: "ombudsman",
					Roles: []platform.Role{platform.RoleManager}, Units: []string{"Legal"}},
			},
		},
	}
	if version >= 2 {
		d.Workflow.Initial = "triage"
		d.Workflow.States = append([]definition.State{{ID: "triage", Label: "Triage", SLADays: 2}}, d.Workflow.States...)
		d.Workflow.Transitions = []definition.Transition{
			{ID: "accept", Label: "Accept", From: []string{"triage"}, To: "stage1", Roles: []platform.Role{platform.RoleCaseworker}},
			d.Workflow.Transitions[0],
		}
	}
	return d
}

// equipment is a staff-only service with its own reference prefix.
func equipment() *definition.Definition {
	return &definition.Definition{
		ID: "equipment", Version: 1, Title: "Collect equipment", ReferencePrefix: "EQ", OwnerUnit: "Stores",
		Classification: platform.Official,
		Start:          definition.Start{Who: []definition.Audience{definition.AudienceStaff}, AssistedDigital: boolPtr(false)},
		Fields:         []definition.Field{{ID: "item", Type: definition.TypeText, Label: "Item"}},
		Workflow: definition.Workflow{Initial: "requested", States: []definition.State{
			{ID: "requested", Label: "Requested", SLADays: 3},
			{ID: "collected", Label: "Collected", Terminal: true},
		}, Transitions: []definition.Transition{
			{ID: "collect", Label: "Collected", From: []string{"requested"}, To: "collected"},
		}},
	}
}

// publish publishes definitions as the admin.
func (e *env) publish(defs ...*definition.Definition) {
	e.t.Helper()
	for _, d := range defs {
		_, err := e.svc.PublishDefinition(e.ctx, e.admin, d, []byte("id: "+d.ID+"\n"))
		noErr(e.t, err)
	}
}

func (e *env) submit(sub *platform.Subject, summary string) Case {
	e.t.Helper()
	c, err := e.svc.Submit(e.ctx, sub, "complaints", definition.Answers{"summary": summary}, SubmitOptions{})
	noErr(e.t, err)
	return c
}

// entries lists the audit entries of org, newest first.
func (e *env) entries(orgID string) []audit.Entry {
	e.t.Helper()
	p, err := e.log.List(e.ctx, audit.Filter{OrgID: orgID, Limit: 500})
	noErr(e.t, err)
	return p.Entries
}

func countEntries(entries []audit.Entry, action, resourceID string, outcome audit.Outcome) int {
	n := 0
	for _, en := range entries {
		if en.Action == action && en.Outcome == outcome && (resourceID == "" || en.ResourceID == resourceID) {
			n++
		}
	}
	return n
}

func (e *env) messages(caseID string) []Message {
	e.t.Helper()
	ms, err := e.notifier.out.ForCase(e.ctx, e.org.ID, caseID)
	noErr(e.t, err)
	return ms
}

func wantCode(t testing.TB, err error, code platform.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := platform.CodeOf(err); got != code {
		t.Fatalf("got %s (%v), want %s", got, err, code)
	}
}

func wantField(t testing.TB, err error, field string) {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a field error on %s", err, field)
	}
	for _, f := range pe.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("got fields %+v, want one on %s", pe.Fields, field)
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
