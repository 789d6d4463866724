package jobsweb

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/module"
)

// Verbs are dbtp jobs list, retry and discard. The CLI acts for the
// platform on the machine it runs on, so it sees every organisation's jobs.
func (m *Module) Verbs() []module.Verb {
	var state, kind string
	var limit int
	return []module.Verb{
		{Name: "jobs list", Summary: "list background jobs, newest first (--state failed shows what needs looking at)", Open: true,
			Flags: func(f *module.Flags) {
				f.String(&state, "state", "", "", "only jobs in this state: available, running, completed, failed or discarded")
				f.String(&kind, "kind", "", "", "only jobs of this kind, e.g. services.mail")
				f.Int(&limit, "limit", "", 50, "how many jobs to list, at most 500")
			},
			Run: func(ctx context.Context, c *module.Call) error {
				if state != "" && !jobs.ValidState(state) {
					return module.Usage("--state must be available, running, completed, failed or discarded")
				}
				p, err := c.Deps.Jobs.List(ctx, jobs.Filter{AllOrgs: true, State: state, Kind: kind, Limit: limit})
				if err != nil {
					return err
				}
				if len(p.Jobs) == 0 {
					fmt.Fprintln(c.Stdout, "No jobs.")
					return nil
				}
				w := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tKIND\tSTATE\tATTEMPTS\tRUN AT\tLAST ERROR")
				for _, j := range p.Jobs {
					fmt.Fprintf(w, "%s\t%s\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Kind, j.State, j.Attempt, j.MaxAttempts,
						j.RunAt.UTC().Format(time.RFC3339), firstLine(j.LastError))
				}
				return w.Flush()
			}},
		{Name: "jobs retry", Summary: "run a failed or discarded job again", Args: "JOB-ID", NArgs: 1, Open: true,
			Run: func(ctx context.Context, c *module.Call) error { return change(ctx, c, "retry") }},
		{Name: "jobs discard", Summary: "give up on a job that has not completed", Args: "JOB-ID", NArgs: 1, Open: true,
			Run: func(ctx context.Context, c *module.Call) error { return change(ctx, c, "discard") }},
	}
}

func change(ctx context.Context, c *module.Call, action string) error {
	if err := Change(ctx, c.Deps, nil, action, c.Args[0]); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: %s\n", c.Args[0], map[string]string{"retry": "will run again", "discard": "discarded"}[action])
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
