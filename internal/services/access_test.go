package services

import (
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestOrgSegregation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Ours")
		att, err := e.svc.AddAttachment(e.ctx, e.rita, c.ID, definition.File{Name: "photo.jpg", MediaType: "image/jpeg"}, []byte("jpeg"))
		noErr(t, err)
		x := e.other // an admin, but of another organisation

		_, err = e.svc.GetCase(e.ctx, x, c.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.FindByReference(e.ctx, x, c.Reference)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.Transition(e.ctx, x, c.ID, "resolve", c.Version, definition.Answers{"outcome": "x"})
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.AddNote(e.ctx, x, c.ID, "hello", Internal)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.ListNotes(e.ctx, x, c.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.Timeline(e.ctx, x, c.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.Assign(e.ctx, x, c.ID, Assignment{AssigneeID: x.UserID})
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.BulkReassign(e.ctx, x, []string{c.ID}, Assignment{AssigneeID: x.UserID})
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.CreateTask(e.ctx, x, c.ID, NewTask{Title: "Snoop"})
		wantCode(t, err, platform.CodeNotFound)
		_, _, err = e.svc.GetAttachment(e.ctx, x, c.ID, att.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.AddAttachment(e.ctx, x, c.ID, definition.File{Name: "a.txt"}, []byte("a"))
		wantCode(t, err, platform.CodeNotFound)
		page, err := e.svc.Search(e.ctx, x, CaseFilter{}, "", 50)
		noErr(t, err)
		if len(page.Cases) != 0 {
			t.Fatalf("another organisation's admin found %d cases", len(page.Cases))
		}
		if _, err := e.svc.GetDefinition(e.ctx, x, "complaints", 0); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("another organisation's definition: %v", err)
		}
		// Nothing changed.
		got, err := e.svc.GetCase(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if got.Version != c.Version || got.AssigneeID != "" {
			t.Fatalf("case changed: %+v", got)
		}
	})
}

func TestResidentSeesOwnCasesAndApplicantNotes(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		mine := e.submit(e.rita, "Mine")
		theirs := e.submit(e.ray, "Theirs")

		page, err := e.svc.Search(e.ctx, e.rita, CaseFilter{Sort: SortNewest}, "", 50)
		noErr(t, err)
		if len(page.Cases) != 1 || page.Cases[0].ID != mine.ID {
			t.Fatalf("Rita's search: %+v", page.Cases)
		}
		_, err = e.svc.GetCase(e.ctx, e.rita, theirs.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.FindByReference(e.ctx, e.rita, theirs.Reference)
		wantCode(t, err, platform.CodeNotFound) // references are guessable: say nothing
		got, err := e.svc.FindByReference(e.ctx, e.rita, mine.Reference)
		noErr(t, err)
		if got.ID != mine.ID {
			t.Fatal("wrong case by reference")
		}

		_, err = e.svc.AddNote(e.ctx, e.cara, mine.ID, "Looks like the crew missed the street", Internal)
		noErr(t, err)
		_, err = e.svc.AddNote(e.ctx, e.cara, mine.ID, "We are looking into it", ToApplicant)
		noErr(t, err)
		reply, err := e.svc.AddNote(e.ctx, e.rita, mine.ID, "Thank you", Internal) // a resident cannot write internal notes
		noErr(t, err)
		if reply.Visibility != ToApplicant {
			t.Fatalf("resident's reply is %s", reply.Visibility)
		}
		_, err = e.svc.AddNote(e.ctx, e.ray, mine.ID, "Me too", ToApplicant)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.AddNote(e.ctx, e.cara, mine.ID, "   ", Internal)
		wantField(t, err, "text")

		notes, err := e.svc.ListNotes(e.ctx, e.rita, mine.ID)
		noErr(t, err)
		if len(notes) != 2 || notes[0].Body != "We are looking into it" || notes[1].Body != "Thank you" {
			t.Fatalf("Rita's notes %+v", notes)
		}
		notes, err = e.svc.ListNotes(e.ctx, e.cara, mine.ID)
		noErr(t, err)
		if len(notes) != 3 {
			t.Fatalf("Cara sees %d notes, want 3", len(notes))
		}
		tl, err := e.svc.Timeline(e.ctx, e.rita, mine.ID)
		noErr(t, err)
		for _, ev := range tl {
			if !ev.ApplicantVisible {
				t.Fatalf("Rita sees an internal event %+v", ev)
			}
		}
		if len(tl) != 3 { // submitted, staff message, her reply
			t.Fatalf("Rita's timeline %+v", tl)
		}
		_, err = e.svc.ListTasks(e.ctx, e.rita, mine.ID)
		wantCode(t, err, platform.CodeForbidden)

		// Staff: Cara (caseworker in the owning unit) sees both; Carl (Finance)
		// and Sam (staff, no unit) see neither of these unit-owned cases.
		for _, tc := range []struct {
			sub  *platform.Subject
			want int
		}{{e.cara, 2}, {e.mona, 2}, {e.admin, 2}, {e.carl, 0}, {e.sam, 0}} {
			page, err := e.svc.Search(e.ctx, tc.sub, CaseFilter{OpenOnly: true}, "", 50)
			noErr(t, err)
			if len(page.Cases) != tc.want {
				t.Fatalf("%s sees %d cases, want %d", tc.sub.Name, len(page.Cases), tc.want)
			}
		}
	})
}

func TestSensitiveCasesScopedByUnit(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := complaints(1)
		d.ID, d.ReferencePrefix, d.Classification, d.OwnerUnit = "safeguarding", "SAFE", platform.OfficialSensitive, "Legal"
		open := complaints(1)
		open.ID, open.ReferencePrefix, open.OwnerUnit = "finance-query", "FIN", "Finance"
		e.publish(d, open)
		s, err := e.svc.Submit(e.ctx, e.rita, "safeguarding", definition.Answers{"summary": "Concern"}, SubmitOptions{})
		noErr(t, err)
		f, err := e.svc.Submit(e.ctx, e.rita, "finance-query", definition.Answers{"summary": "Bill"}, SubmitOptions{})
		noErr(t, err)
		// Mona manages Customer Services: she reads OFFICIAL cases anywhere, but
		// not OFFICIAL-SENSITIVE ones outside her unit. Lou is also in Legal.
		for _, tc := range []struct {
			sub  *platform.Subject
			want []string
		}{{e.mona, []string{f.ID}}, {e.lou, []string{s.ID, f.ID}}, {e.carl, []string{f.ID}}, {e.rita, []string{s.ID, f.ID}}, {e.ray, nil}} {
			page, err := e.svc.Search(e.ctx, tc.sub, CaseFilter{}, "", 50)
			noErr(t, err)
			got := map[string]bool{}
			for _, c := range page.Cases {
				got[c.ID] = true
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%s sees %d cases, want %d", tc.sub.Name, len(got), len(tc.want))
			}
			for _, id := range tc.want {
				if !got[id] {
					t.Fatalf("%s does not see %s", tc.sub.Name, id)
				}
			}
		}
		_, err = e.svc.GetCase(e.ctx, e.mona, s.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.svc.GetCase(e.ctx, e.lou, s.ID)
		noErr(t, err)
		found := false
		for _, en := range e.entries(e.org.ID) {
			found = found || (en.Action == "case.read" && en.ResourceID == s.ID && en.ActorID == e.lou.UserID)
		}
		if !found {
			t.Fatal("reading an OFFICIAL-SENSITIVE case was not audited")
		}
	})
}

// Another organisation's case IDs are not found, like IDs that exist
// nowhere, and each attempt is on record as a denial in the prober's
// organisation (security.md promises both).
func TestForeignCaseIDsAreAuditedDenials(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Ours")
		x := e.other
		missing := "case_" + strings.Repeat("0", len(c.ID)-len("case_"))
		if !platform.ValidID("case", missing) {
			t.Fatalf("%s is not a case ID", missing)
		}

		attempts := []struct {
			action string
			try    func(id string) error
		}{
			{"case.read", func(id string) error { _, err := e.svc.GetCase(e.ctx, x, id); return err }},
			{"case.update", func(id string) error {
				_, err := e.svc.Transition(e.ctx, x, id, "resolve", c.Version, definition.Answers{"outcome": "x"})
				return err
			}},
			{"case.update", func(id string) error { _, err := e.svc.AddNote(e.ctx, x, id, "hello", Internal); return err }},
			{"case.update", func(id string) error {
				_, err := e.svc.BulkReassign(e.ctx, x, []string{id}, Assignment{AssigneeID: x.UserID})
				return err
			}},
		}
		for i, a := range attempts {
			before := countEntries(e.entries(x.OrgID), a.action, c.ID, audit.Denied)
			foreign, nowhere := a.try(c.ID), a.try(missing)
			wantCode(t, foreign, platform.CodeNotFound)
			if foreign.Error() != nowhere.Error() {
				t.Fatalf("attempt %d: a foreign ID says %q, a missing one %q", i, foreign, nowhere)
			}
			if got := countEntries(e.entries(x.OrgID), a.action, c.ID, audit.Denied); got != before+1 {
				t.Fatalf("attempt %d: %d %s denials of %s, want %d", i, got, a.action, c.ID, before+1)
			}
			if n := countEntries(e.entries(x.OrgID), "", missing, audit.Denied); n != 0 {
				t.Fatalf("attempt %d: an ID that exists nowhere was audited as a denial", i)
			}
		}
		if n := countEntries(e.entries(e.org.ID), "", "", audit.Denied); n != 0 {
			t.Fatalf("the probed organisation's log gained %d denials", n)
		}
	})
}

// The organisation filter in Search's SQL is a layer of its own: with a page
// smaller than the other organisation's cases, a search from outside gets no
// rows and no cursor. Without the filter the other organisation's rows would
// fill the page (then be dropped by the per-row check) and leave a cursor
// behind, which reveals that they exist.
func TestSearchFromAnotherOrganisationReadsNoRows(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		for i := range 5 {
			e.submit(e.rita, "Ours "+strconv.Itoa(i))
		}
		for _, sort := range []Sort{SortDue, SortNewest} {
			page, err := e.svc.Search(e.ctx, e.other, CaseFilter{Sort: sort}, "", 2)
			noErr(t, err)
			if len(page.Cases) != 0 || page.Next != "" {
				t.Fatalf("sort %s: another organisation got %d cases and cursor %q", sort, len(page.Cases), page.Next)
			}
		}
		// The same search from inside does page, so the test can tell.
		page, err := e.svc.Search(e.ctx, e.admin, CaseFilter{}, "", 2)
		noErr(t, err)
		if len(page.Cases) != 2 || page.Next == "" {
			t.Fatalf("own organisation: %d cases, cursor %q", len(page.Cases), page.Next)
		}
	})
}
