package servicesweb

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/services"
)

// Data-sharing agreements are recorded by the council's administrators from
// the command line, where each is deliberate and audited; partners then
// find the services it names on /partners.
func sharingVerbs() []module.Verb {
	var org, partner, title, purpose, svcs, until string
	return []module.Verb{
		{Name: "sharing add", Summary: "record a data-sharing agreement letting a partner organisation start some of a council's services", Open: true,
			Flags: func(f *module.Flags) {
				f.String(&org, "org", "", "", "the organisation that holds the services (its slug, e.g. kent)")
				f.String(&partner, "partner", "", "", "the partner organisation (its slug, e.g. nhs-kent-medway)")
				f.String(&title, "title", "", "", "the agreement's title, as partners will see it")
				f.String(&purpose, "purpose", "", "", "why data is shared, and under what law")
				f.String(&svcs, "services", "", "", "comma-separated IDs of the services the partner may start")
				f.String(&until, "until", "", "", "the last day the agreement is in force, YYYY-MM-DD")
			},
			Run: func(ctx context.Context, c *module.Call) error {
				if org == "" || partner == "" || title == "" || svcs == "" || until == "" {
					return module.Usage("--org, --partner, --title, --services and --until are all needed")
				}
				end, err := time.Parse(time.DateOnly, until)
				if err != nil {
					return module.Usage("--until must be a date like 2027-03-31")
				}
				host, err := orgBySlug(ctx, c.Deps, org)
				if err != nil {
					return err
				}
				other, err := orgBySlug(ctx, c.Deps, partner)
				if err != nil {
					return err
				}
				svc := services.New(c.Deps.DB, c.Deps.Audit, c.Deps.Access, services.Options{Clock: c.Deps.Clock})
				sys := platform.System(host.ID)
				sys.Name, sys.Addr = "dbtp sharing add", "cli"
				a, err := svc.AddAgreement(ctx, sys, services.NewAgreement{PartnerOrgID: other.ID, Title: title, Purpose: purpose,
					Services: strings.Split(svcs, ","), EndsAt: end.AddDate(0, 0, 1)})
				if err != nil {
					return err
				}
				fmt.Fprintf(c.Stdout, "%s: %s may start %s in %s until %s\n", a.ID, other.Name, strings.Join(a.Services, ", "), host.Name, until)
				return nil
			}},
		{Name: "sharing list", Summary: "list an organisation's data-sharing agreements", Open: true,
			Flags: func(f *module.Flags) {
				f.String(&org, "org", "", "", "the organisation that holds the services (its slug)")
			},
			Run: func(ctx context.Context, c *module.Call) error {
				if org == "" {
					return module.Usage("--org is needed")
				}
				host, err := orgBySlug(ctx, c.Deps, org)
				if err != nil {
					return err
				}
				svc := services.New(c.Deps.DB, c.Deps.Audit, c.Deps.Access, services.Options{Clock: c.Deps.Clock})
				as, err := svc.ListAgreements(ctx, platform.System(host.ID))
				if err != nil {
					return err
				}
				if len(as) == 0 {
					fmt.Fprintf(c.Stdout, "%s has no data-sharing agreements\n", host.Name)
					return nil
				}
				w := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tPARTNER\tTITLE\tSERVICES\tUNTIL")
				for _, a := range as {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.PartnerOrgID, a.Title, strings.Join(a.Services, ","), a.EndsAt.AddDate(0, 0, -1).Format(time.DateOnly))
				}
				return w.Flush()
			}},
	}
}

func orgBySlug(ctx context.Context, d *module.Deps, slug string) (platform.Org, error) {
	orgs, err := d.Directory.Orgs(ctx)
	if err != nil {
		return platform.Org{}, err
	}
	for _, o := range orgs {
		if o.Slug == slug {
			return o, nil
		}
	}
	return platform.Org{}, platform.Errorf(platform.CodeNotFound, "there is no organisation %q (dbtp org list shows them)", slug)
}
