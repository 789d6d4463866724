package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dbtp/internal/identity"
	"dbtp/internal/module"
	"dbtp/internal/platform"
)

// The demonstration organisations follow the council's own documents: the
// county council, one of its trading companies, an NHS partner (the Kent and
// Medway Care Record is shared with it) and a district council.
var demoOrgs = []struct {
	slug, name string
	kind       platform.OrgKind
	units      []string
	people     []demoPerson
}{
	{"kent", "Kent County Council", platform.OrgCouncil,
		[]string{"Adults", "Children's", "Finance", "Property", "Infrastructure", "Customer Services", "Democratic Services", "Information Governance"},
		[]demoPerson{
			{"admin@kent.example", "Alex Morgan", "admin", "Infrastructure"},
			// The Head of Strategy manages the units whose work the demo's
			// dashboards, complaints, risk register and key decisions show.
			{"manager@kent.example", "Priya Shah", "manager", "Adults,Customer Services,Finance,Infrastructure"},
			{"caseworker@kent.example", "Sam Okafor", "caseworker", "Customer Services,Children's"},
			{"staff@kent.example", "Jo Baker", "staff", "Finance"},
			{"stores@kent.example", "Kim Adeyemi", "caseworker,workplace", "Property"},
			{"designer@kent.example", "Lee Carter", "designer", "Customer Services"},
			// Democratic Services runs key decisions from the forward plan
			// to the published decision notice.
			{"democratic@kent.example", "Dana Whitfield", "caseworker", "Democratic Services"},
			// The Cabinet Member who signs the demo's decision record 21/00097.
			{"cabinet@kent.example", "Peter Oakford", "staff", "Democratic Services"},
			// Information Governance answers subject access requests: its
			// records manager keeps the file plan and, as a caseworker of
			// the unit, works the requests' cases.
			{"records@kent.example", "Rosa Reid", "records,caseworker", "Information Governance"},
			{"resident@kent.example", "Chris Walker", "resident", ""},
		}},
	{"cskl", "Commercial Services Kent Ltd", platform.OrgTradingCompany,
		[]string{"Procurement", "Finance"},
		[]demoPerson{{"admin@cskl.example", "Morgan Lee", "admin", "Finance"}, {"staff@cskl.example", "Dee Patel", "staff", "Procurement"}}},
	{"nhs-kent-medway", "NHS Kent and Medway", platform.OrgPartner,
		[]string{"Integrated Care"},
		[]demoPerson{{"admin@nhs-kent-medway.example", "Ruth Evans", "admin", "Integrated Care"}, {"partner@nhs-kent-medway.example", "Tom Hughes", "partner", ""}}},
	{"maidstone", "Maidstone Borough Council", platform.OrgPartner,
		[]string{"Housing"},
		[]demoPerson{{"admin@maidstone.example", "Helen Price", "admin", "Housing"}, {"partner@maidstone.example", "Ian Scott", "partner", ""}}},
}

// demoPerson's role and unit are comma-separated lists of role and
// business unit names.
type demoPerson struct{ email, name, role, unit string }

// demoLogin is one printed way in; the file keeps them so a second run can
// show them again (passwords are generated, never fixed, and stored only as
// hashes in the database).
type demoLogin struct {
	Org      string `json:"org"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

const demoFile = "demo-sign-ins.json"

func cmdDemo(ctx context.Context, env *cliEnv, args []string) error {
	var c serveConfig
	f := newFlags(env, "demo", "")
	f.serveFlags(&c)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	c.demoMail = true // a newcomer reads the codes and notices in the terminal
	return serve(ctx, env, c, func(a *app, url string) error {
		logins, err := seedDemo(ctx, a, c.data.Data)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		printDemo(env, url, logins)
		return nil
	})
}

// seedDemo creates the demonstration data once; later runs reuse it.
func seedDemo(ctx context.Context, a *app, dir string) ([]demoLogin, error) {
	path := filepath.Join(dir, demoFile)
	if _, err := a.identity.OrgBySlug(ctx, demoOrgs[0].slug); err == nil {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil // seeded by an earlier version or by hand: nothing to print
		}
		if err != nil {
			return nil, err
		}
		var logins []demoLogin
		return logins, json.Unmarshal(b, &logins)
	}
	var logins []demoLogin
	for _, o := range demoOrgs {
		org, err := a.identity.CreateOrg(ctx, cliSubject(), identity.NewOrg{Slug: o.slug, Name: o.name, Kind: o.kind})
		if err != nil {
			return nil, err
		}
		sys := platform.System(org.ID)
		sys.Name, sys.Addr = "dbtp demo", "cli"
		unitIDs := map[string]string{}
		for _, u := range o.units {
			unit, err := a.identity.CreateUnit(ctx, sys, u)
			if err != nil {
				return nil, err
			}
			unitIDs[u] = unit.ID
		}
		for _, p := range o.people {
			in := identity.NewUser{Email: p.email, Name: p.name, Password: identity.GeneratePasswordFor(p.email, p.name)}
			for _, r := range splitList(p.role) {
				role, _ := platform.ParseRole(r)
				in.Roles = append(in.Roles, role)
			}
			for _, u := range splitList(p.unit) {
				in.BusinessUnits = append(in.BusinessUnits, unitIDs[u])
			}
			if _, err := a.identity.CreateUser(ctx, sys, in); err != nil {
				return nil, err
			}
			logins = append(logins, demoLogin{Org: o.slug, Email: p.email, Role: p.role, Password: in.Password})
		}
	}
	// The new organisations get what every module sets up at start (the
	// built-in services, say), then each module's demonstration data.
	if err := module.Start(ctx, a.mods); err != nil {
		return nil, err
	}
	if err := module.Demo(ctx, a.mods, demoEnv(a)); err != nil {
		return nil, err
	}
	if err := demoSignedDecision(ctx, a); err != nil { // across modules: services' case, signing's envelope
		return nil, fmt.Errorf("demo: %w", err)
	}
	b, _ := json.MarshalIndent(logins, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	return logins, nil
}

// demoEnv finds the demonstration organisations and people for modules.
func demoEnv(a *app) *module.DemoEnv {
	return &module.DemoEnv{
		Org: a.identity.OrgBySlug,
		Person: func(ctx context.Context, org platform.Org, email string) (*platform.Subject, error) {
			page, err := a.identity.ListUsers(ctx, platform.System(org.ID), identity.UserFilter{Text: email, Limit: 10})
			if err != nil {
				return nil, err
			}
			for _, u := range page.Users {
				if strings.EqualFold(u.Email, email) {
					return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID,
						Roles: u.Roles, BusinessUnits: u.BusinessUnits, Addr: "demo seed"}, nil
				}
			}
			return nil, fmt.Errorf("no demo user %s in %s", email, org.Slug)
		},
	}
}

func printDemo(env *cliEnv, url string, logins []demoLogin) {
	w := env.stdout
	fmt.Fprintf(w, "\ndbtp demo is running at %s\n\n", url)
	if len(logins) == 0 {
		fmt.Fprintln(w, "Sign in with the accounts created earlier (see dbtp user list --org kent).")
		return
	}
	fmt.Fprintln(w, "Sign in at "+url+"/sign-in with one of these (generated for this data folder):")
	var rows [][]string
	for _, l := range logins {
		rows = append(rows, []string{l.Org, l.Role, l.Email, l.Password})
	}
	table(env, "ORGANISATION\tROLE\tEMAIL\tPASSWORD", rows)
	fmt.Fprintln(w, "\nAdmins set up an authenticator app (TOTP) at first sign-in; the page shows a QR code and the secret.")
	fmt.Fprintln(w, "The passwords are kept in "+demoFile+" in the data folder so the next run can show them again.")
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
}
