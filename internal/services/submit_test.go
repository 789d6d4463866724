package services

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestSubmitReferencesAndInitialState(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1), equipment())

		c := e.submit(e.rita, "Bins not collected")
		if c.Reference != "COMP-2026-000001" {
			t.Fatalf("reference %q, want COMP-2026-000001", c.Reference)
		}
		if c.State != "stage1" || c.ServiceVersion != 1 || c.ApplicantID != e.rita.UserID || c.UnitID != e.units["Customer Services"] {
			t.Fatalf("case %+v", c)
		}
		if c.Queue != "complaints" || c.Summary != "Bins not collected" || c.Version != 1 {
			t.Fatalf("queue %q summary %q version %d", c.Queue, c.Summary, c.Version)
		}
		// Ten working days from Monday 2 March is Monday 16 March; at risk two working days before.
		if want := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC); !c.DueAt.Equal(want) {
			t.Fatalf("due %v, want %v", c.DueAt, want)
		}
		if want := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC); !c.AtRiskAt.Equal(want) {
			t.Fatalf("at risk %v, want %v", c.AtRiskAt, want)
		}
		if got, _ := e.svc.GetCase(e.ctx, e.rita, c.ID); got.Reference != c.Reference || got.Answers["summary"] != "Bins not collected" || !got.DueAt.Equal(c.DueAt) {
			t.Fatalf("read back %+v", got)
		}

		if c2 := e.submit(e.ray, "Pothole"); c2.Reference != "COMP-2026-000002" {
			t.Fatalf("second reference %q", c2.Reference)
		}
		eq, err := e.svc.Submit(e.ctx, e.cara, "equipment", definition.Answers{"item": "Laptop"}, SubmitOptions{})
		noErr(t, err)
		if eq.Reference != "EQ-2026-000001" {
			t.Fatalf("another prefix has its own sequence: %q", eq.Reference)
		}
		e.clock.Set(time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC))
		if c3 := e.submit(e.rita, "New year"); c3.Reference != "COMP-2027-000001" {
			t.Fatalf("a new year starts again: %q", c3.Reference)
		}

		// On-enter actions: a task with its due date, a message to the applicant.
		tasks, err := e.svc.ListTasks(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if len(tasks) != 1 || tasks[0].Title != "Acknowledge the complaint" || !tasks[0].DueAt.Equal(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("tasks %+v", tasks)
		}
		ms := e.messages(c.ID)
		if len(ms) != 1 || ms[0].To != (Recipient{Kind: ToUser, Value: e.rita.UserID}) ||
			ms[0].Subject != "We have your complaint COMP-2026-000001" || ms[0].Body != "Make a complaint: Stage 1" {
			t.Fatalf("messages %+v", ms)
		}
		tl, err := e.svc.Timeline(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if len(tl) != 1 || tl[0].Kind != EventSubmitted || tl[0].ToState != "stage1" {
			t.Fatalf("timeline %+v", tl)
		}
		if n := countEntries(e.entries(e.org.ID), "case.create", c.ID, audit.Success); n != 1 {
			t.Fatalf("%d case.create entries", n)
		}
	})
}

func TestSubmitRollsBackWithOutboxAndReference(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		e.notifier.fail.Store(true)
		_, err := e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{})
		if err == nil {
			t.Fatal("submission with a failing notifier succeeded")
		}
		var cases, msgs int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM cases").Scan(&cases))
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM service_outbox").Scan(&msgs))
		if cases != 0 || msgs != 0 {
			t.Fatalf("after a failed write: %d cases, %d outbox messages", cases, msgs)
		}
		e.notifier.fail.Store(false)
		if c := e.submit(e.rita, "x"); c.Reference != "COMP-2026-000001" {
			t.Fatalf("the failed submission used up a number: %q", c.Reference)
		}
	})
}

func TestSubmitWhoMayStart(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1), equipment())

		_, err := e.svc.Submit(e.ctx, e.rita, "equipment", definition.Answers{"item": "Drill"}, SubmitOptions{})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.Submit(e.ctx, e.rita, "nope", nil, SubmitOptions{})
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.Submit(e.ctx, e.other, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{})
		wantCode(t, err, platform.CodeNotFound) // another organisation's service does not exist here

		// Anonymous applicants need an email address.
		anon := &platform.Subject{Kind: platform.SubjectAnonymous, OrgID: e.org.ID}
		_, err = e.svc.Submit(e.ctx, anon, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{})
		wantField(t, err, "email")
		_, err = e.svc.Submit(e.ctx, anon, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{ApplicantEmail: "not an email"})
		wantField(t, err, "email")
		c, err := e.svc.Submit(e.ctx, anon, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{ApplicantEmail: "pat@example.com"})
		noErr(t, err)
		if c.ApplicantID != "" || c.ApplicantEmail != "pat@example.com" {
			t.Fatalf("anonymous case %+v", c)
		}
		if ms := e.messages(c.ID); len(ms) != 1 || ms[0].To != (Recipient{Kind: ToEmail, Value: "pat@example.com"}) {
			t.Fatalf("anonymous messages %+v", ms)
		}
		_, err = e.svc.Submit(e.ctx, anon, "equipment", definition.Answers{}, SubmitOptions{ApplicantEmail: "pat@example.com"})
		wantCode(t, err, platform.CodeUnauthorized)

		// Answers: unknown questions and staff-only fields are refused before anything is written.
		_, err = e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "x", "colour": "red"}, SubmitOptions{})
		wantField(t, err, "colour")
		_, err = e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "x", "outcome": "upheld"}, SubmitOptions{})
		wantField(t, err, "outcome")
	})
}

func TestSubmitValidatorRunsBeforeWriting(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		var seen []bool
		e.svc.opts.Validate = func(def *definition.Definition, a definition.Answers, applicant bool) error {
			seen = append(seen, applicant)
			if s, _ := a["summary"].(string); applicant && s == "" {
				return platform.Invalid("Check your answers", platform.FieldError{Field: "summary", Message: "Enter what your complaint is about"})
			}
			return nil
		}
		_, err := e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{}, SubmitOptions{})
		wantField(t, err, "summary")
		var n int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM case_sequences").Scan(&n))
		if n != 0 {
			t.Fatal("a refused submission touched the database")
		}
		c := e.submit(e.rita, "ok")
		_, err = e.svc.Transition(e.ctx, e.cara, c.ID, "resolve", c.Version, definition.Answers{"outcome": "Upheld"})
		noErr(t, err)
		if len(seen) != 3 || seen[0] != true || seen[2] != false {
			t.Fatalf("validator calls (applicant?) %v", seen)
		}
	})
}

func TestAssistedDigital(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1), equipment())
		c, err := e.svc.Submit(e.ctx, e.cara, "complaints", definition.Answers{"summary": "Phoned in"}, SubmitOptions{OnBehalfOf: e.rita.UserID})
		noErr(t, err)
		if c.ApplicantID != e.rita.UserID || c.SubmittedBy != e.cara.UserID {
			t.Fatalf("applicant %q submitted by %q", c.ApplicantID, c.SubmittedBy)
		}
		if _, err := e.svc.GetCase(e.ctx, e.rita, c.ID); err != nil {
			t.Fatalf("the resident cannot read the case made for them: %v", err)
		}
		var found bool
		for _, en := range e.entries(e.org.ID) {
			if en.Action == "case.create" && en.ResourceID == c.ID {
				found = en.ActorID == e.cara.UserID && en.ActingFor == e.rita.UserID
			}
		}
		if !found {
			t.Fatal("the audit entry does not record the caseworker acting for the resident")
		}
		tl, err := e.svc.Timeline(e.ctx, e.rita, c.ID)
		noErr(t, err)
		if len(tl) != 1 || tl[0].ActingFor != e.rita.UserID || !strings.Contains(tl[0].Detail, "behalf") {
			t.Fatalf("timeline %+v", tl)
		}

		_, err = e.svc.Submit(e.ctx, e.ray, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{OnBehalfOf: e.rita.UserID})
		wantCode(t, err, platform.CodeForbidden) // residents do not act for each other
		// Staff of any unit may act for a resident (a front desk helps
		// callers with every service); they still cannot open the case.
		byCarl, err := e.svc.Submit(e.ctx, e.carl, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{OnBehalfOf: e.rita.UserID})
		noErr(t, err)
		_, err = e.svc.GetCase(e.ctx, e.carl, byCarl.ID)
		if err == nil {
			t.Fatal("staff outside the owning unit opened the case they submitted for a resident")
		}
		_, err = e.svc.Submit(e.ctx, e.cara, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{OnBehalfOf: e.other.UserID})
		wantField(t, err, "on_behalf_of") // not a person of this organisation
		_, err = e.svc.Submit(e.ctx, e.admin, "equipment", definition.Answers{}, SubmitOptions{OnBehalfOf: e.rita.UserID})
		wantCode(t, err, platform.CodeForbidden) // the definition turns assisted digital off
	})
}

func TestVersionPinning(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		old := e.submit(e.rita, "Before the change")
		e.publish(complaints(2))
		fresh := e.submit(e.rita, "After the change")
		if fresh.ServiceVersion != 2 || fresh.State != "triage" {
			t.Fatalf("new case on v%d in %s, want v2 in triage", fresh.ServiceVersion, fresh.State)
		}
		// v2 has no "escalate" transition; the v1 case still has it.
		moved, err := e.svc.Transition(e.ctx, e.rita, old.ID, "escalate", old.Version, nil)
		noErr(t, err)
		if moved.State != "stage2" || moved.ServiceVersion != 1 {
			t.Fatalf("v1 case: %s v%d", moved.State, moved.ServiceVersion)
		}
		_, err = e.svc.Transition(e.ctx, e.rita, fresh.ID, "escalate", fresh.Version, nil)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.Transition(e.ctx, e.cara, old.ID, "accept", moved.Version, nil)
		wantCode(t, err, platform.CodeNotFound) // v2's transition does not exist for a v1 case
		ts, err := e.svc.AllowedTransitions(e.ctx, e.cara, fresh)
		noErr(t, err)
		if len(ts) != 1 || ts[0].ID != "accept" {
			t.Fatalf("allowed on the v2 case: %+v", ts)
		}
	})
}

// TestSummaryShowsLabels: a queue's summary line reads as people do: a
// choice by its label, not its stored value, and no internal person IDs.
func TestSummaryShowsLabels(t *testing.T) {
	def := &definition.Definition{
		Fields: []definition.Field{
			{ID: "name", Type: definition.TypeText, Label: "Name"},
			{ID: "area", Type: definition.TypeChoice, Label: "Area", Options: []definition.Option{{Value: "invicta_house", Label: "Invicta House"}}},
			{ID: "manager", Type: definition.TypePerson, Label: "Manager"},
			{ID: "when", Type: definition.TypeDate, Label: "When"},
		},
		ListFields: []string{"name", "area", "manager", "when"},
	}
	got := summarize(def, definition.Answers{"name": "Jo Baker", "area": "invicta_house", "manager": "usr_06h2830vtkbva84fjexvvc21w8", "when": "2026-12-08"})
	if got != "Jo Baker · Invicta House · 8 Dec 2026" {
		t.Fatalf("summary %q", got)
	}
}
