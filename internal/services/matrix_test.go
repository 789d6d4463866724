package services

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestAccessMatrix walks every built-in service with every kind of person
// and every thing they might do, and compares what the engine lets them do
// with what the council expects. One table, so a change to the access rules,
// a definition's guards or the assignee check that makes one journey
// incoherent (offered but refused, or done by the wrong people) shows here.
func TestAccessMatrix(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		org := e.mustOrg("kent", "Kent County Council", platform.OrgCouncil)
		sys := platform.System(org.ID)
		units := map[string]string{}
		for _, n := range []string{"Adults", "Customer Services", "Democratic Services", "Finance", "Infrastructure", "Information Governance", "Property"} {
			u, err := e.id.CreateUnit(e.ctx, sys, n)
			noErr(t, err)
			units[n] = u.ID
		}
		defs, err := definition.BuiltinSources()
		noErr(t, err)
		var ds []*definition.Definition
		var ys [][]byte
		for _, s := range defs {
			ds, ys = append(ds, s.Def), append(ys, s.YAML)
		}
		noErr(t, e.svc.EnsureBuiltins(e.ctx, org.ID, ds, ys))

		// People: "own" work in the unit that holds the case (the service's
		// owner, or the unit its first state assigns it to: key decisions go
		// to Democratic Services); "other" in Adults, which holds none.
		people := map[string]*platform.Subject{
			"resident":  e.user(sys, "res", platform.RoleResident),
			"frontdesk": e.user(sys, "desk", platform.RoleStaff, units["Adults"]),
			"cw-other":  e.user(sys, "cwo", platform.RoleCaseworker, units["Adults"]),
			"mgr-other": e.user(sys, "mgo", platform.RoleManager, units["Adults"]),
			"admin":     e.user(sys, "adm", platform.RoleAdmin),
			"designer":  e.user(sys, "des", platform.RoleDesigner),
			"partner":   e.user(sys, "par", platform.RolePartner),
		}
		own := map[string][2]*platform.Subject{} // by unit ID
		for n, id := range units {
			slug := strings.ToLower(strings.ReplaceAll(n, " ", ""))
			own[id] = [2]*platform.Subject{e.user(sys, "cw"+slug, platform.RoleCaseworker, id), e.user(sys, "mg"+slug, platform.RoleManager, id)}
		}
		roles := []string{"resident", "frontdesk", "cw-own", "cw-other", "mgr-own", "mgr-other", "admin", "designer", "partner"}

		// What the council expects, per service: who may start it, act for a
		// resident on it, open a case, be assigned one, and make the first
		// move of its workflow.
		type expect struct{ start, actFor, open, assignable, firstMove string }
		staffAll := "frontdesk cw-own cw-other mgr-own mgr-other admin designer"
		want := map[string]expect{
			// Adults holds referrals, so its "other" people are its own.
			"adult-social-care-referral": {start: "partner", actFor: "",
				open: "partner cw-own cw-other mgr-own mgr-other admin", assignable: "cw-own cw-other mgr-own mgr-other admin",
				firstMove: "cw-own cw-other mgr-own mgr-other admin"},
			"complaints": {start: "resident", actFor: staffAll,
				open: "resident cw-own mgr-own admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin"},
			"equipment-collection": {start: staffAll, actFor: "",
				open: "cw-own mgr-own mgr-other admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin"},
			"key-decisions": {start: staffAll, actFor: "",
				open: "cw-own mgr-own mgr-other admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin"},
			"risk-register": {start: staffAll, actFor: "",
				open: "cw-own mgr-own admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin"},
			// Information governance answers subject access requests.
			"subject-access-request": {start: "resident", actFor: staffAll,
				open: "resident cw-own mgr-own admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin"},
			"technology-roadmap": {start: staffAll, actFor: "",
				open: "cw-own mgr-own mgr-other admin", assignable: "cw-own mgr-own admin", firstMove: "mgr-own admin"},
		}

		var diffs []string
		for _, def := range ds {
			exp, ok := want[def.ID]
			if !ok {
				diffs = append(diffs, def.ID+": a built-in service with no row in the matrix")
				continue
			}
			// One case of the service, made by whoever may start it (the
			// resident, or the owning unit's caseworker).
			maker := people["resident"]
			if !CanStart(maker, def) {
				maker = people["partner"]
			}
			if !CanStart(maker, def) {
				maker = own[units[def.OwnerUnit]][0]
			}
			c, err := e.svc.Submit(e.ctx, maker, def.ID, definition.Answers{}, SubmitOptions{})
			noErr(t, err)
			subject := func(role string) *platform.Subject {
				switch role {
				case "cw-own":
					return own[c.UnitID][0]
				case "mgr-own":
					return own[c.UnitID][1]
				}
				return people[role]
			}
			first := ""
			for _, tr := range def.Workflow.Transitions {
				if slices.Contains(tr.From, def.Workflow.Initial) && !tr.Applicant {
					first = tr.ID
					break
				}
			}
			got := map[string][]string{}
			for _, role := range roles {
				sub := subject(role)
				if CanStart(sub, def) {
					got["start"] = append(got["start"], role)
				}
				if role != "resident" {
					if _, err := e.svc.Submit(e.ctx, sub, def.ID, definition.Answers{}, SubmitOptions{OnBehalfOf: people["resident"].UserID}); err == nil {
						got["actFor"] = append(got["actFor"], role)
					}
				}
				if _, err := e.svc.GetCase(e.ctx, sub, c.ID); err == nil {
					got["open"] = append(got["open"], role)
				}
				if e.svc.CouldWorkOn(platform.Person{ID: sub.UserID, OrgID: sub.OrgID, Roles: sub.Roles, Units: sub.BusinessUnits}, c) {
					got["assignable"] = append(got["assignable"], role)
				}
				if moves, err := e.svc.AllowedTransitions(e.ctx, sub, c); err == nil && slices.ContainsFunc(moves, func(m definition.Transition) bool { return m.ID == first }) {
					got["firstMove"] = append(got["firstMove"], role)
				}
			}
			// Coherence whatever the table says: nobody is offered a case
			// they cannot open, nor a move on it.
			for _, what := range []string{"assignable", "firstMove"} {
				for _, role := range got[what] {
					if !slices.Contains(got["open"], role) {
						diffs = append(diffs, fmt.Sprintf("%s: %s is %s but cannot open the case", def.ID, role, what))
					}
				}
			}
			for _, row := range []struct{ what, want string }{{"start", exp.start}, {"actFor", exp.actFor}, {"open", exp.open},
				{"assignable", exp.assignable}, {"firstMove", exp.firstMove + " (" + first + ")"}} {
				w := strings.Fields(strings.Split(row.want, " (")[0])
				g := got[row.what]
				sort.Strings(w)
				sort.Strings(g)
				if !slices.Equal(w, g) {
					diffs = append(diffs, fmt.Sprintf("%s %s: want %v, got %v", def.ID, row.what, w, g))
				}
			}
		}
		if len(diffs) > 0 {
			t.Fatalf("the access matrix disagrees with what is expected:\n%s", strings.Join(diffs, "\n"))
		}
	})
}
