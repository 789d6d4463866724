package services

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"dbtp/internal/access"
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
		// move of its workflow; and, once a case is assigned to them, who
		// opens it and finds it among their cases, and who makes its first
		// move then.
		type expect struct{ start, actFor, open, assignable, firstMove, assigned, assignedMove string }
		staffAll := "frontdesk cw-own cw-other mgr-own mgr-other admin designer"
		want := map[string]expect{
			// Adults holds referrals, so its "other" people are its own.
			"adult-social-care-referral": {start: "partner", actFor: "",
				open: "partner cw-own cw-other mgr-own mgr-other admin", assignable: "cw-own cw-other mgr-own mgr-other admin",
				firstMove: "cw-own cw-other mgr-own mgr-other admin",
				assigned:  "cw-own cw-other mgr-own mgr-other admin", assignedMove: "cw-own cw-other mgr-own mgr-other admin"},
			"complaints": {start: "resident", actFor: staffAll,
				open: "resident cw-own mgr-own admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin",
				assigned: "cw-own mgr-own admin", assignedMove: "cw-own mgr-own admin"},
			"equipment-collection": {start: staffAll, actFor: "",
				open: "cw-own mgr-own mgr-other admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin",
				assigned: "cw-own mgr-own admin", assignedMove: "cw-own mgr-own admin"},
			"key-decisions": {start: staffAll, actFor: "",
				open: "cw-own mgr-own mgr-other admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin",
				assigned: "cw-own mgr-own admin", assignedMove: "cw-own mgr-own admin"},
			// A risk goes to its owner wherever they work: anyone who works
			// on cases may be given one (not the front desk, designers,
			// residents or partners), and then reviews it, OFFICIAL-SENSITIVE
			// as it is; until then only Finance and admins open it.
			"risk-register": {start: staffAll, actFor: "",
				open: "cw-own mgr-own admin", assignable: "cw-own cw-other mgr-own mgr-other admin", firstMove: "cw-own mgr-own admin",
				assigned: "cw-own cw-other mgr-own mgr-other admin", assignedMove: "cw-own cw-other mgr-own mgr-other admin"},
			// Information governance answers subject access requests.
			"subject-access-request": {start: "resident", actFor: staffAll,
				open: "resident cw-own mgr-own admin", assignable: "cw-own mgr-own admin", firstMove: "cw-own mgr-own admin",
				assigned: "cw-own mgr-own admin", assignedMove: "cw-own mgr-own admin"},
			"technology-roadmap": {start: staffAll, actFor: "",
				open: "cw-own mgr-own mgr-other admin", assignable: "cw-own mgr-own admin", firstMove: "mgr-own admin",
				assigned: "cw-own mgr-own admin", assignedMove: "mgr-own admin"},
		}

		sees := sight{t: t, e: e, sys: sys}
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
				if e.svc.CouldWorkOn(e.ctx, platform.Person{ID: sub.UserID, OrgID: sub.OrgID, Roles: sub.Roles, Units: sub.BusinessUnits}, c) {
					got["assignable"] = append(got["assignable"], role)
				}
				if moves, err := e.svc.AllowedTransitions(e.ctx, sub, c); err == nil && slices.ContainsFunc(moves, func(m definition.Transition) bool { return m.ID == first }) {
					got["firstMove"] = append(got["firstMove"], role)
				}
				diffs = append(diffs, sees.agree(def.ID, role+" (case unassigned)", sub)...)
			}
			// Assigned: the engine gives the case to each person it accepts
			// as an assignee; they open it, find it in their queue and "My
			// cases", and work on it. Returned to the queue, they lose what
			// the assignment gave them at once.
			for _, role := range roles {
				sub := subject(role)
				held, err := e.svc.Assign(e.ctx, sys, c.ID, Assignment{AssigneeID: sub.UserID})
				if err != nil {
					if platform.CodeOf(err) != platform.CodeInvalid {
						t.Fatalf("%s: assign to %s: %v", def.ID, role, err)
					}
					continue // refused: checked against "assignable" below
				}
				mine, err := e.svc.Search(e.ctx, sub, CaseFilter{Mine: true}, "", maxPage)
				noErr(t, err)
				if _, err := e.svc.GetCase(e.ctx, sub, c.ID); err == nil && slices.ContainsFunc(mine.Cases, func(m Case) bool { return m.ID == c.ID }) {
					got["assigned"] = append(got["assigned"], role)
				}
				if moves, err := e.svc.AllowedTransitions(e.ctx, sub, held); err == nil && slices.ContainsFunc(moves, func(m definition.Transition) bool { return m.ID == first }) {
					got["assignedMove"] = append(got["assignedMove"], role)
				}
				diffs = append(diffs, sees.agree(def.ID, role+" (case assigned to them)", sub)...)
				_, err = e.svc.Assign(e.ctx, sys, c.ID, Assignment{Queue: "matrix"})
				noErr(t, err)
				if _, err := e.svc.GetCase(e.ctx, sub, c.ID); (err == nil) != slices.Contains(got["open"], role) {
					diffs = append(diffs, fmt.Sprintf("%s: %s can open the case after it went back to the queue: %v (want %v)", def.ID, role, err == nil, !(err == nil)))
				}
				diffs = append(diffs, sees.agree(def.ID, role+" (case back in the queue)", sub)...)
			}
			// Named in an answer: a second case names each person in every
			// person answer (a risk's owner, a line manager) but is held by
			// the owning unit's caseworker. Being named gives nothing.
			for _, role := range roles {
				sub := subject(role)
				answers := definition.Answers{}
				for _, f := range def.Fields {
					// Internal fields are staff's to fill later, never a
					// submission's (key decisions' Cabinet Member).
					if f.Type == definition.TypePerson && !f.Internal {
						answers[f.ID] = sub.UserID
					}
				}
				if len(answers) == 0 {
					break
				}
				named, err := e.svc.Submit(e.ctx, maker, def.ID, answers, SubmitOptions{})
				noErr(t, err)
				_, err = e.svc.Assign(e.ctx, sys, named.ID, Assignment{AssigneeID: own[named.UnitID][0].UserID})
				noErr(t, err)
				if _, err := e.svc.GetCase(e.ctx, sub, named.ID); (err == nil) != slices.Contains(got["open"], role) {
					diffs = append(diffs, fmt.Sprintf("%s: %s, named in the answers of a case held by someone else, can open it: %v", def.ID, role, err == nil))
				}
				diffs = append(diffs, sees.agree(def.ID, role+" (named in a case held by someone else)", sub)...)
			}
			// Coherence whatever the table says: nobody is offered a move on
			// a case they cannot open, and the people who may be given a
			// case are exactly those who can then open it, find it and work
			// on it (an assignment never just hides a case, nor opens it to
			// someone the engine would not give it to).
			for _, role := range got["firstMove"] {
				if !slices.Contains(got["open"], role) {
					diffs = append(diffs, fmt.Sprintf("%s: %s is offered the first move but cannot open the case", def.ID, role))
				}
			}
			if !slices.Equal(got["assignable"], got["assigned"]) {
				diffs = append(diffs, fmt.Sprintf("%s: who may be given a case %v is not who then works on it %v", def.ID, got["assignable"], got["assigned"]))
			}
			for _, row := range []struct{ what, want string }{{"start", exp.start}, {"actFor", exp.actFor}, {"open", exp.open},
				{"assignable", exp.assignable}, {"firstMove", exp.firstMove + " (" + first + ")"},
				{"assigned", exp.assigned}, {"assignedMove", exp.assignedMove + " (" + first + ")"}} {
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

// sight compares, for one person and one service, the cases the access
// policy lets them read with what the search and the dashboard figures
// (which trim in SQL) give them: the lists and counts must be exactly the
// policy's, neither more nor fewer.
type sight struct {
	t   *testing.T
	e   *env
	sys *platform.Subject
}

func (v sight) agree(service, who string, sub *platform.Subject) []string {
	v.t.Helper()
	all, err := v.e.svc.Search(v.e.ctx, v.sys, CaseFilter{Service: service}, "", maxPage)
	noErr(v.t, err)
	var policy []string
	open := 0
	for _, c := range all.Cases {
		if v.e.svc.Allowed(sub, access.Read, c.resource()) {
			policy = append(policy, c.ID)
			if !c.Terminal {
				open++
			}
		}
	}
	found, err := v.e.svc.Search(v.e.ctx, sub, CaseFilter{Service: service}, "", maxPage)
	noErr(v.t, err)
	var search []string
	for _, c := range found.Cases {
		search = append(search, c.ID)
	}
	sort.Strings(policy)
	sort.Strings(search)
	var diffs []string
	if all.Next != "" || found.Next != "" {
		v.t.Fatalf("%s: more cases than one page", service)
	}
	if !slices.Equal(policy, search) {
		diffs = append(diffs, fmt.Sprintf("%s: %s may read %d cases but the search lists %d", service, who, len(policy), len(search)))
	}
	if sub.IsStaff() {
		st, err := v.e.svc.Stats(v.e.ctx, sub, StatsFilter{Service: service, Since: start.AddDate(0, 0, -7)}, 2)
		noErr(v.t, err)
		counted := 0
		for _, sc := range st.Open {
			counted += sc.Open
		}
		if counted != open {
			diffs = append(diffs, fmt.Sprintf("%s: %s may read %d open cases but the dashboard counts %d", service, who, open, counted))
		}
	}
	return diffs
}
