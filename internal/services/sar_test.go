package services

import (
	"bytes"
	"testing"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services/calendar"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// sarEnv adds what a subject access request needs to env: the built-in
// definition, its owning unit, and an information governance officer
// (records manager and caseworker there).
type sarEnv struct {
	*env
	ig      string
	officer *platform.Subject
}

func newSAREnv(t *testing.T, db *store.DB, cal Calendar) *sarEnv {
	e := newEnv(t, db)
	if cal != nil {
		e.svc = New(db, e.log, e.svc.ap, Options{Calendar: cal, Notifier: e.notifier, Clock: e.clock, UnitID: e.id.UnitID,
			UserExists: e.id.UserExists, Files: e.files})
	}
	u, err := e.id.CreateUnit(e.ctx, e.sys, "Information Governance")
	noErr(t, err)
	usr, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: "rosa@northshire.example", Name: "Rosa Reid",
		Roles: []platform.Role{platform.RoleRecords, platform.RoleCaseworker}, BusinessUnits: []string{u.ID}})
	noErr(t, err)
	s := &sarEnv{env: e, ig: u.ID, officer: &platform.Subject{Kind: platform.SubjectUser, UserID: usr.ID, Name: usr.Name, OrgID: e.org.ID,
		Roles: usr.Roles, BusinessUnits: usr.BusinessUnits}}
	defs, err := definition.Builtins()
	noErr(t, err)
	for _, d := range defs {
		if d.ID == "subject-access-request" {
			e.publish(d)
		}
	}
	return s
}

func (s *sarEnv) request(sub *platform.Subject, name, born string) Case {
	s.t.Helper()
	c, err := s.svc.Submit(s.ctx, sub, "subject-access-request", definition.Answers{"name": name, "birth_date": born,
		"address": definition.Address{Line1: "1 High Street", Town: "Maidstone", Postcode: "ME14 1XX"}, "details": "Everything you hold about me"}, SubmitOptions{})
	noErr(s.t, err)
	return c
}

func (s *sarEnv) move(c Case, transition string, fields definition.Answers) Case {
	s.t.Helper()
	next, err := s.svc.Transition(s.ctx, s.officer, c.ID, transition, c.Version, fields)
	noErr(s.t, err)
	return next
}

// A subject access request received on 31 January 2025 is due at the end
// of 28 February (one calendar month, no 31 February), whatever state it
// is in; extended, it is due three months from receipt (30 April), not two
// from the first due date; a breach is escalated once however the case
// moves, and again only after the extended date passes.
func TestDeadlineOfOneCalendarMonth(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		london, err := time.LoadLocation("Europe/London")
		noErr(t, err)
		s := newSAREnv(t, db, calendar.Default())
		endOf := func(y int, m time.Month, d int) time.Time {
			return time.Date(y, m, d, 23, 59, 59, int(999*time.Millisecond), london).UTC()
		}
		s.clock.Set(time.Date(2025, 1, 31, 16, 0, 0, 0, london))
		c := s.request(s.rita, "Rita Jones", "1985-03-27")
		if !c.DueAt.Equal(endOf(2025, 2, 28)) {
			t.Fatalf("due %s, want the end of 28 February 2025", c.DueAt.In(london))
		}
		// At risk five working days before: from the start of Monday 24 February.
		if !c.AtRiskAt.Equal(endOf(2025, 2, 21)) {
			t.Errorf("at risk from %s, want after 21 February", c.AtRiskAt.In(london))
		}
		s.clock.Set(time.Date(2025, 2, 10, 9, 0, 0, 0, london))
		c = s.move(c, "confirm_identity", definition.Answers{"identity_check": "Passport seen at the front desk"})
		if c.State != "searching" || !c.DueAt.Equal(endOf(2025, 2, 28)) {
			t.Fatalf("after the identity check: %s due %s; the clock must run on from receipt", c.State, c.DueAt.In(london))
		}
		s.clock.Set(time.Date(2025, 3, 1, 9, 0, 0, 0, london))
		if c.SLA(s.clock.Now()) != SLABreached {
			t.Fatal("not breached on 1 March")
		}
		if n, err := s.svc.EscalateBreached(s.ctx, s.clock.Now()); err != nil || n != 1 {
			t.Fatalf("escalated %d: %v", n, err)
		}
		c, err = s.svc.GetCase(s.ctx, s.officer, c.ID)
		noErr(t, err)
		// The extension without a reason is refused; with one, three months from receipt.
		_, err = s.svc.Transition(s.ctx, s.officer, c.ID, "extend", c.Version, nil)
		wantField(t, err, "extension_reason")
		c = s.move(c, "extend", definition.Answers{"extension_reason": "Records from four services over ten years"})
		if c.State != "extended" || !c.DueAt.Equal(endOf(2025, 4, 30)) || c.Escalated {
			t.Fatalf("extended: %s due %s escalated %v, want due at the end of 30 April 2025 and not escalated", c.State, c.DueAt.In(london), c.Escalated)
		}
		if n, err := s.svc.EscalateBreached(s.ctx, s.clock.Now()); err != nil || n != 0 {
			t.Fatalf("escalated %d before the extended date: %v", n, err)
		}
		s.clock.Set(time.Date(2025, 5, 1, 9, 0, 0, 0, london))
		if n, err := s.svc.EscalateBreached(s.ctx, s.clock.Now()); err != nil || n != 1 {
			t.Fatalf("escalated %d after the extended date: %v", n, err)
		}
	})
}

// A breach escalated in one state stays escalated when the case moves on:
// one clock, one escalation. Weekends only (the fallback rule): a request
// received on Saturday 31 January 2026 is due on Saturday 28 February,
// so on Monday 2 March.
func TestDeadlineEscalatesOnceAcrossStates(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		s := newSAREnv(t, db, nil)
		s.clock.Set(time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
		c := s.request(s.rita, "Rita Jones", "1985-03-27")
		if want := time.Date(2026, 3, 2, 23, 59, 59, int(999*time.Millisecond), time.UTC); !c.DueAt.Equal(want) {
			t.Fatalf("due %s, want %s", c.DueAt, want)
		}
		s.clock.Set(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
		if n, err := s.svc.EscalateBreached(s.ctx, s.clock.Now()); err != nil || n != 1 {
			t.Fatalf("escalated %d: %v", n, err)
		}
		c, err := s.svc.GetCase(s.ctx, s.officer, c.ID)
		noErr(t, err)
		c = s.move(c, "confirm_identity", definition.Answers{"identity_check": "Driving licence"})
		if !c.Escalated {
			t.Fatal("the move forgot the escalation")
		}
		if n, err := s.svc.EscalateBreached(s.ctx, s.clock.Now()); err != nil || n != 0 {
			t.Fatalf("escalated again after a move: %d (%v)", n, err)
		}
	})
}

// The bundle is given with the move that releases it, in one write; the
// applicant downloads it from their request, nobody else can, and no
// other file of the case is reachable that way.
func TestRespondAndResponseFile(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		s := newSAREnv(t, db, nil)
		c := s.request(s.rita, "Rita Jones", "1985-03-27")
		c = s.move(c, "confirm_identity", definition.Answers{"identity_check": "Passport"})
		pdf := []byte("%PDF-1.4\n% a bundle\n")
		info, err := s.files.Put(s.ctx, bytes.NewReader(pdf))
		noErr(t, err)
		in := ResponseIn{AttachmentID: platform.NewID("att"), Name: "SAR bundle.pdf", MediaType: "application/pdf", BlobID: info.ID, Size: info.Size}

		_, _, err = s.svc.Respond(s.ctx, s.officer, c.ID, "release", c.Version, "identity_check", in)
		wantCode(t, err, platform.CodeInvalid)
		_, _, err = s.svc.Respond(s.ctx, s.cara, c.ID, "release", c.Version, "response_bundle", in)
		if code := platform.CodeOf(err); code != platform.CodeForbidden && code != platform.CodeNotFound {
			t.Fatalf("a caseworker of another unit released it: %v", err)
		}
		_, _, err = s.svc.Respond(s.ctx, s.officer, c.ID, "release", c.Version-1, "response_bundle", in)
		wantCode(t, err, platform.CodeConflict)
		if got, _ := s.svc.GetCase(s.ctx, s.officer, c.ID); got.State != "searching" || got.Answers["response_bundle"] != nil {
			t.Fatalf("a refused response left %s with %v", got.State, got.Answers["response_bundle"])
		}

		next, att, err := s.svc.Respond(s.ctx, s.officer, c.ID, "release", c.Version, "response_bundle", in)
		noErr(t, err)
		if next.State != "released" || !next.Terminal || att.ID != in.AttachmentID || att.SHA256 != info.ID {
			t.Fatalf("released %+v with %+v", next, att)
		}
		a, content, err := s.svc.ResponseFile(s.ctx, s.rita, c.Reference, att.ID)
		noErr(t, err)
		if !bytes.Equal(content, pdf) || a.Name != "SAR bundle.pdf" {
			t.Fatalf("the applicant got %q %q", a.Name, content)
		}
		if _, _, err := s.svc.ResponseFile(s.ctx, s.officer, c.Reference, att.ID); err != nil {
			t.Fatalf("the officer cannot open the response: %v", err)
		}
		for _, who := range []*platform.Subject{s.ray, s.carl, s.cara} {
			_, _, err := s.svc.ResponseFile(s.ctx, who, c.Reference, att.ID)
			wantCode(t, err, platform.CodeNotFound)
		}
		// A working file kept with the case is not a response.
		other, err := s.svc.AddAttachment(s.ctx, s.officer, c.ID, definition.File{Name: "notes.txt", MediaType: "text/plain"}, []byte("internal notes"))
		if err == nil {
			_, _, err = s.svc.ResponseFile(s.ctx, s.rita, c.Reference, other.ID)
			wantCode(t, err, platform.CodeNotFound)
		} else {
			wantCode(t, err, platform.CodeConflict) // a closed case takes no files
		}
		if n := countEntries(s.entries(s.org.ID), "case.response_download", c.ID, "success"); n != 2 {
			t.Errorf("%d downloads audited, want 2", n)
		}
	})
}

// The cases about a person: those they made and those that name them as
// words (not "Ritaly Jones"), not a namesake with another date of birth,
// not the request itself, and nothing the officer may not read.
func TestCasesAbout(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		s := newSAREnv(t, db, nil)
		referral := &definition.Definition{ID: "referral", Version: 1, Title: "Referral", ReferencePrefix: "REF", OwnerUnit: "Customer Services",
			Classification: platform.Official, Start: definition.Start{Who: []definition.Audience{definition.AudienceStaff}},
			Fields: []definition.Field{{ID: "person_name", Type: definition.TypeText, Label: "Name", Required: true},
				{ID: "birth_date", Type: definition.TypeDate, Label: "Born"}},
			Workflow: definition.Workflow{Initial: "open", States: []definition.State{{ID: "open", Label: "Open"}, {ID: "done", Label: "Done", Terminal: true}},
				Transitions: []definition.Transition{{ID: "close", Label: "Close", From: []string{"open"}, To: "done"}}}}
		hidden := *referral
		hidden.ID, hidden.ReferencePrefix, hidden.OwnerUnit, hidden.Classification = "benefits", "BEN", "Finance", platform.OfficialSensitive
		s.publish(complaints(1), referral, &hidden)
		sar := s.request(s.rita, "Rita Jones", "1985-03-27")
		own := s.submit(s.rita, "Bins not collected")
		named, err := s.svc.Submit(s.ctx, s.ray, "complaints", definition.Answers{"summary": "Noise", "details": "My neighbour RITA  JONES plays drums"}, SubmitOptions{})
		noErr(t, err)
		_, err = s.svc.Submit(s.ctx, s.ray, "complaints", definition.Answers{"summary": "Parking", "details": "Ritaly Jones parks on the verge"}, SubmitOptions{})
		noErr(t, err)
		same, err := s.svc.Submit(s.ctx, s.cara, "referral", definition.Answers{"person_name": "Rita Jones", "birth_date": "1985-03-27"}, SubmitOptions{})
		noErr(t, err)
		_, err = s.svc.Submit(s.ctx, s.cara, "referral", definition.Answers{"person_name": "Rita Jones", "birth_date": "1990-01-01"}, SubmitOptions{})
		noErr(t, err)
		secret, err := s.svc.Submit(s.ctx, s.carl, "benefits", definition.Answers{"person_name": "Rita Jones"}, SubmitOptions{})
		noErr(t, err)

		q := PersonQuery{UserID: s.rita.UserID, Names: []string{"Rita Jones"}, BirthDate: "1985-03-27", Exclude: []string{sar.ID}}
		found := func(sub *platform.Subject) map[string]string {
			t.Helper()
			got, err := s.svc.CasesAbout(s.ctx, sub, q)
			noErr(t, err)
			out := map[string]string{}
			for _, f := range got {
				out[f.Case.ID] = f.Why
				if f.Case.Answers == nil {
					t.Errorf("%s came without its answers", f.Case.Reference)
				}
			}
			return out
		}
		want := map[string]string{own.ID: "made by them", named.ID: "names Rita Jones", same.ID: "names Rita Jones"}
		got := found(s.mona) // a manager of Customer Services reads OFFICIAL everywhere
		if len(got) != len(want) {
			t.Fatalf("found %v, want %v", got, want)
		}
		for id, why := range want {
			if got[id] != why {
				t.Errorf("case %s: %q, want %q", id, got[id], why)
			}
		}
		if all := found(s.admin); all[secret.ID] == "" || len(all) != 4 {
			t.Fatalf("the admin found %v: the Finance case is missing", all)
		}
		if len(found(s.officer)) != 0 {
			t.Fatal("the officer found cases of units they cannot read")
		}
		q.Exclude = nil
		if got := found(s.officer); len(got) != 1 || got[sar.ID] != "made by them" {
			t.Fatalf("the officer sees the request itself: %v", got)
		}
		if _, err := s.svc.CasesAbout(s.ctx, s.mona, PersonQuery{}); platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("an empty query: %v", err)
		}
		if n := countEntries(s.entries(s.org.ID), "case.person_search", "", "success"); n < 4 {
			t.Errorf("%d searches audited", n)
		}
	})
}

// A definition published from Go (the designer, the API) is checked for
// a deadline the engine can count, as the YAML parser checks it.
func TestPublishRefusesADeadlineItCannotCount(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	for _, dl := range []*definition.Deadline{
		{CalendarMonths: 1, WorkingDays: 20},
		{},
		{CalendarMonths: 1, Extension: &definition.Extension{Transition: "nowhere", CalendarMonths: 2}},
	} {
		d := complaints(1)
		d.ID, d.ReferencePrefix = "deadlined", "DL"
		d.Workflow.Deadline = dl
		_, err := e.svc.PublishDefinition(e.ctx, e.admin, d, []byte("id: deadlined\n"))
		wantCode(t, err, platform.CodeInvalid)
	}
}
