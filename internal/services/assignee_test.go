package services

import (
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestCasePolicyForAssignees is the policy's rule for the person a case is
// assigned to, decision by decision: a caseworker or manager holding a case
// reads and updates it wherever it is owned, OFFICIAL-SENSITIVE too, but
// never deletes it; nobody else gains anything from an assignment.
func TestCasePolicyForAssignees(t *testing.T) {
	sensitive := access.Resource{Type: "case", ID: "case_x", OrgID: "org_a", BusinessUnit: "bu_finance",
		Classification: platform.OfficialSensitive, AssigneeID: "usr_holder"}
	person := func(kind platform.SubjectKind, id string, roles ...platform.Role) *platform.Subject {
		return &platform.Subject{Kind: kind, UserID: id, OrgID: "org_a", Roles: roles, BusinessUnits: []string{"bu_property"},
			Scopes: []string{platform.ScopeRead, platform.ScopeWrite}}
	}
	partner := person(platform.SubjectUser, "usr_holder", platform.RolePartner)
	partner.Agreement = "dsa_x"
	for _, tc := range []struct {
		name string
		sub  *platform.Subject
		a    access.Action
		want bool
	}{
		{"caseworker holding it reads", person(platform.SubjectUser, "usr_holder", platform.RoleCaseworker), access.Read, true},
		{"caseworker holding it works on it", person(platform.SubjectUser, "usr_holder", platform.RoleCaseworker), access.Update, true},
		{"manager holding it, by their token", person(platform.SubjectToken, "usr_holder", platform.RoleManager), access.Read, true},
		{"holding it is no licence to delete", person(platform.SubjectUser, "usr_holder", platform.RoleManager), access.Delete, false},
		{"another caseworker in the same unit", person(platform.SubjectUser, "usr_other", platform.RoleCaseworker), access.Read, false},
		{"front-desk staff holding it", person(platform.SubjectUser, "usr_holder", platform.RoleStaff), access.Read, false},
		{"a designer holding it", person(platform.SubjectUser, "usr_holder", platform.RoleDesigner), access.Read, false},
		{"a resident holding it", person(platform.SubjectUser, "usr_holder", platform.RoleResident), access.Read, false},
		{"a partner holding it", partner, access.Read, false},
	} {
		if got := CasePolicy(tc.sub, tc.a, sensitive).Allowed; got != tc.want {
			t.Errorf("%s: allowed %v, want %v", tc.name, got, tc.want)
		}
	}
	// The token's scopes still bound it: the boundaries come first.
	ap := access.New(nil)
	if err := ap.Register("case", CasePolicy); err != nil {
		t.Fatal(err)
	}
	readOnly := person(platform.SubjectToken, "usr_holder", platform.RoleCaseworker)
	readOnly.Scopes = []string{platform.ScopeRead}
	if ap.Allowed(readOnly, access.Update, sensitive) || !ap.Allowed(readOnly, access.Read, sensitive) {
		t.Error("a read-only token of the assignee must read and not update")
	}
	unassigned := sensitive
	unassigned.AssigneeID = ""
	if ap.Allowed(person(platform.SubjectUser, "usr_holder", platform.RoleManager), access.Read, unassigned) {
		t.Error("a manager outside the unit reads an OFFICIAL-SENSITIVE case nobody gave them")
	}
}

// TestRiskGoesToItsOwner: the built-in risk register gives each risk to
// the owner named in it, in whichever unit they work; the owner reviews it
// (their sensitive reads audited as any), but cannot pass it on; Finance
// can, and the owner's access goes with it. An owner the engine may not
// give a risk to (a resident, a disabled account) leaves it in the queue.
func TestRiskGoesToItsOwner(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		srcs, err := definition.BuiltinSources()
		noErr(t, err)
		for _, s := range srcs {
			if s.Def.ID == "risk-register" {
				noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, []*definition.Definition{s.Def}, [][]byte{s.YAML}))
			}
		}
		risk := func(owner string) Case {
			t.Helper()
			c, err := e.svc.Submit(e.ctx, e.carl, "risk-register", definition.Answers{"risk_title": "Stores flood", "description": "The basement floods.",
				"category": "operational", "likelihood": "3", "impact": "4", "risk_owner": owner, "controls": "Pumps", "review_date": "2026-06-01"}, SubmitOptions{})
			noErr(t, err)
			return c
		}
		// Mona manages Customer Services: not Finance.
		c := risk(e.mona.UserID)
		if c.AssigneeID != e.mona.UserID || c.Queue != "risk-register" || c.UnitID != e.units["Finance"] {
			t.Fatalf("the risk is not given to its owner: %+v", c)
		}
		detail, err := e.svc.GetCaseDetail(e.ctx, e.mona, c.ID)
		noErr(t, err)
		given := false
		for _, ev := range detail.Timeline {
			given = given || ev.Kind == EventAssigned && ev.Detail == "assigned to "+e.mona.UserID+" (named as risk owner)"
		}
		if !given {
			t.Fatalf("the timeline does not say the risk was given to its owner: %+v", detail.Timeline)
		}
		c, err = e.svc.Transition(e.ctx, e.mona, c.ID, "start_review", c.Version, nil)
		noErr(t, err)
		c, err = e.svc.Transition(e.ctx, e.mona, c.ID, "complete_review", c.Version, definition.Answers{"review_notes": "Pumps tested", "last_reviewed": "2026-03-02"})
		noErr(t, err)
		if c.State != "open" || c.AssigneeID != e.mona.UserID {
			t.Fatalf("after the review the risk is %s with %s", c.State, c.AssigneeID)
		}
		_, err = e.svc.AddNote(e.ctx, e.mona, c.ID, "Reviewed with the stores team.", Internal)
		noErr(t, err)
		reads := 0
		for _, en := range e.entries(e.org.ID) {
			if en.Action == "case.read" && en.ResourceID == c.ID && en.ActorID == e.mona.UserID && en.Outcome == audit.Success {
				reads++
			}
		}
		if reads == 0 {
			t.Fatal("the owner's reads of an OFFICIAL-SENSITIVE risk are not audited")
		}
		// Holding it is not deciding who has it.
		_, err = e.svc.Assign(e.ctx, e.mona, c.ID, Assignment{AssigneeID: e.lou.UserID})
		wantCode(t, err, platform.CodeForbidden)
		if e.svc.CanReassign(e.mona, c) || !e.svc.CanReassign(e.carl, c) {
			t.Fatal("CanReassign: only Finance (and admins) pass a risk on")
		}
		// Finance gives it to Lou instead: Mona loses it at once.
		_, err = e.svc.Assign(e.ctx, e.carl, c.ID, Assignment{AssigneeID: e.lou.UserID})
		noErr(t, err)
		_, err = e.svc.GetCase(e.ctx, e.mona, c.ID)
		wantCode(t, err, platform.CodeForbidden)
		page, err := e.svc.Search(e.ctx, e.mona, CaseFilter{}, "", 50)
		noErr(t, err)
		if len(page.Cases) != 0 {
			t.Fatalf("Mona still finds %d cases", len(page.Cases))
		}
		// Front-desk staff may not be given it: Sam is staff.
		_, err = e.svc.Assign(e.ctx, e.carl, c.ID, Assignment{AssigneeID: e.sam.UserID})
		wantField(t, err, "assignee_id")

		// Owners the engine will not give it to: it waits in the queue.
		for _, owner := range []*platform.Subject{e.rita, e.sam} {
			c := risk(owner.UserID)
			if c.AssigneeID != "" || c.Queue != "risk-register" {
				t.Fatalf("a risk owned by %s was given to %q", owner.Name, c.AssigneeID)
			}
			if _, err := e.svc.GetCase(e.ctx, owner, c.ID); err == nil {
				t.Fatalf("%s, named as the owner but not given the risk, opens it", owner.Name)
			}
		}
		noErr(t, e.id.DisableUser(e.ctx, e.admin, e.lou.UserID))
		if c := risk(e.lou.UserID); c.AssigneeID != "" {
			t.Fatal("a risk was given to a disabled account")
		}
	})
}
