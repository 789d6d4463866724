package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/loadgen"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/servicesweb"
)

// benchUnits are the bench organisation's business units; complaints are
// owned by the first, where the bench staff work.
var benchUnits = []string{"Customer Services", "Adult Social Care", "Children's Services", "Highways", "Waste and Recycling", "Finance"}

// benchPlan is how many of each the realistic mix needs.
type benchPlan struct {
	staff, residents, cases int
}

// benchWorld is what the setup hands the load tool.
type benchWorld struct {
	creds []loadgen.Credential
	mix   loadgen.Mix
	open  int // open complaints in the organisation when the run starts
}

// prepareBench makes the bench organisation look like a council's
// complaints team at work, once per data folder: its business units; staff
// (one in ten a manager) in Customer Services, which owns complaints;
// residents; and plan.cases complaints submitted by the residents through
// the engine, a third of them acknowledged and a tenth of those answered at
// stage 1, as a real queue would hold. Later runs find what exists and add
// only what is missing. It returns everyone's credentials, the cases the
// staff can open, and API tokens (read for a caseworker, write for a
// resident).
func prepareBench(ctx context.Context, a *app, plan benchPlan, progress func(string, ...any)) (benchWorld, error) {
	org, sys, pw, err := benchOrgAndPassword(ctx, a)
	if err != nil {
		return benchWorld{}, err
	}
	unitIDs := make([]string, len(benchUnits))
	for i, name := range benchUnits {
		if unitIDs[i], err = a.identity.UnitID(ctx, org.ID, name); err != nil {
			u, cerr := a.identity.CreateUnit(ctx, sys, name)
			if cerr != nil {
				return benchWorld{}, cerr
			}
			unitIDs[i] = u.ID
		}
	}
	// The running server published the built-in services at its start,
	// perhaps before this organisation existed.
	for _, m := range a.mods {
		if s, ok := m.(*servicesweb.Module); ok {
			if err := s.Publish(ctx); err != nil {
				return benchWorld{}, err
			}
		}
	}
	var want []benchPerson
	for i := range plan.staff {
		p := benchPerson{email: fmt.Sprintf("staff%05d@bench.example", i), name: fmt.Sprintf("Caseworker %d", i),
			role: platform.RoleCaseworker, units: []string{unitIDs[0]}}
		if i%10 == 9 {
			p.name, p.role = fmt.Sprintf("Manager %d", i), platform.RoleManager
		}
		want = append(want, p)
	}
	for i := range plan.residents {
		want = append(want, benchPerson{email: fmt.Sprintf("res%05d@bench.example", i), name: fmt.Sprintf("Resident %d", i), role: platform.RoleResident})
	}
	if err := ensureBenchPeople(ctx, a, sys, pw, want, progress); err != nil {
		return benchWorld{}, err
	}
	w := benchWorld{mix: loadgen.Mix{Units: unitIDs}}
	for _, p := range want {
		role := loadgen.RoleStaff
		if p.role == platform.RoleResident {
			role = loadgen.RoleResident
		}
		w.creds = append(w.creds, loadgen.Credential{Org: benchOrg, Email: p.email, Password: pw, Role: role})
	}
	staff, residents := want[:plan.staff], want[plan.staff:]
	if len(staff) == 0 || len(residents) == 0 {
		return w, badUsage("--users is too small for the mix: it needs at least one member of staff and one resident")
	}
	caseworker := staff[0].subject(org.ID)
	ids, open, err := benchCases(ctx, a.services(), caseworker)
	if err != nil {
		return w, err
	}
	if missing := plan.cases - len(ids); missing > 0 {
		progress("submitting %d complaints through the engine (once per data folder)", missing)
		if err := submitBenchCases(ctx, a.services(), org.ID, staff, residents, missing, progress); err != nil {
			return w, err
		}
		if ids, open, err = benchCases(ctx, a.services(), caseworker); err != nil {
			return w, err
		}
	}
	w.mix.CaseIDs, w.open = ids, open
	read, err := a.identity.CreateTokenFor(ctx, sys, staff[0].id, identity.NewToken{Name: "bench read", Scopes: []string{platform.ScopeRead}, ExpiresIn: 2 * time.Hour})
	if err != nil {
		return w, err
	}
	write, err := a.identity.CreateTokenFor(ctx, sys, residents[0].id, identity.NewToken{Name: "bench write", Scopes: []string{platform.ScopeRead, platform.ScopeWrite}, ExpiresIn: 2 * time.Hour})
	if err != nil {
		return w, err
	}
	w.mix.ReadToken, w.mix.WriteToken = read.Secret, write.Secret
	return w, nil
}

// benchPerson is one bench user; id is filled in once they exist.
type benchPerson struct {
	id, email, name string
	role            platform.Role
	units           []string
}

func (p benchPerson) subject(orgID string) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectUser, UserID: p.id, Name: p.name, OrgID: orgID,
		Roles: []platform.Role{p.role}, BusinessUnits: p.units, Addr: "cli"}
}

// benchOrgAndPassword finds or creates the bench organisation and the one
// generated password its users share, kept in the data folder so a later
// run signs them in without hashing thousands of passwords anew.
func benchOrgAndPassword(ctx context.Context, a *app) (platform.Org, *platform.Subject, string, error) {
	org, err := a.identity.OrgBySlug(ctx, benchOrg)
	if err != nil {
		if org, err = a.identity.CreateOrg(ctx, cliSubject(), identity.NewOrg{Slug: benchOrg, Name: "Load test organisation", Kind: platform.OrgPartner}); err != nil {
			return org, nil, "", err
		}
	}
	sys := platform.System(org.ID)
	sys.Name, sys.Addr = "dbtp bench", "cli"
	pwFile := filepath.Join(filepath.Dir(a.db.Path()), "bench-password")
	if b, err := os.ReadFile(pwFile); err == nil {
		return org, sys, strings.TrimSpace(string(b)), nil
	}
	pw := identity.GeneratePassword()
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		return org, nil, "", err
	}
	return org, sys, pw, nil
}

// ensureBenchPeople creates the people who do not exist yet (argon2id
// hashing, four at a time) and fills in everyone's ID.
func ensureBenchPeople(ctx context.Context, a *app, sys *platform.Subject, pw string, want []benchPerson, progress func(string, ...any)) error {
	existing := map[string]string{}
	after := ""
	for {
		page, err := a.identity.ListUsers(ctx, sys, identity.UserFilter{After: after, Limit: 200})
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			existing[u.Email] = u.ID
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	var missing []int
	for i := range want {
		if want[i].id = existing[want[i].email]; want[i].id == "" {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	progress("creating %d bench users (argon2id hashing; once per data folder)", len(missing))
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := &want[i]
				u, err := a.identity.CreateUser(ctx, sys, identity.NewUser{Email: p.email, Name: p.name,
					Roles: []platform.Role{p.role}, BusinessUnits: p.units, Password: pw})
				if err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				p.id = u.ID
			}
		}()
	}
	for _, i := range missing {
		next <- i
	}
	close(next)
	wg.Wait()
	return firstErr
}

// benchCases lists the complaints the caseworker can open, and how many of
// them are open.
func benchCases(ctx context.Context, svc *services.Service, cw *platform.Subject) ([]string, int, error) {
	var ids []string
	open := 0
	cursor := ""
	for {
		page, err := svc.Search(ctx, cw, services.CaseFilter{Service: "complaints", Sort: services.SortNewest}, cursor, 200)
		if err != nil {
			return nil, 0, err
		}
		for _, c := range page.Cases {
			ids = append(ids, c.ID)
			if !c.Terminal {
				open++
			}
		}
		if page.Next == "" {
			return ids, open, nil
		}
		cursor = page.Next
	}
}

// submitBenchCases has residents submit n complaints through the engine,
// 32 at a time so the group commit batches them, then moves a third of them
// on as the staff would.
func submitBenchCases(ctx context.Context, svc *services.Service, orgID string, staff, residents []benchPerson, n int, progress func(string, ...any)) error {
	areas := []string{"waste", "highways", "libraries", "adults", "childrens", "education", "public_health", "other"}
	topics := []string{"missed bin collection", "pothole not repaired", "late reply to my letter", "rude phone call",
		"library closed without notice", "care assessment delayed", "school transport missed", "streetlight out for weeks"}
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	var failed atomic.Bool
	var done atomic.Int64
	work := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r := residents[i%len(residents)]
				c, err := svc.Submit(ctx, r.subject(orgID), "complaints", definition.Answers{
					"name": r.name, "email": r.email, "service_area": areas[i%len(areas)],
					"details":           fmt.Sprintf("Complaint %d: %s, reported before and still not put right.", i, topics[i%len(topics)]),
					"complained_before": "no", "desired_outcome": "An apology and the problem put right.",
				}, services.SubmitOptions{})
				if err == nil && i%3 == 0 {
					cw := staff[i%len(staff)].subject(orgID)
					if c, err = svc.Transition(ctx, cw, c.ID, "acknowledge", c.Version, nil); err == nil && i%30 == 0 {
						_, err = svc.Transition(ctx, cw, c.ID, "send_stage1_response", c.Version,
							definition.Answers{"stage1_response": "We are sorry: the crew missed your street and will come back.", "outcome": "upheld"})
					}
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					failed.Store(true)
				}
				if d := done.Add(1); d%5000 == 0 {
					progress("submitted %d/%d", d, n)
				}
			}
		}()
	}
	for i := range n {
		if failed.Load() || ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	return firstErr
}
