// Package jobsweb is the operators' view of background work: a page that
// lists queued, running, failed and finished jobs with retry and discard,
// and the `dbtp jobs` verbs that do the same from the command line.
package jobsweb

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

//go:embed templates
var templates embed.FS

// Module is the jobs admin page and verbs.
type Module struct {
	module.Base
	d *module.Deps
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "jobs" }

func (m *Module) Init(_ context.Context, d *module.Deps) error {
	m.d = d
	// Completed and discarded jobs are kept a fortnight for the page.
	if err := d.Jobs.Handle("jobs.prune", jobs.Kind{Label: "Delete finished jobs after a fortnight", Handler: func(ctx context.Context, _ jobs.Job) error {
		_, err := d.Jobs.Prune(ctx, d.Clock.Now().AddDate(0, 0, -14))
		return err
	}}); err != nil {
		return err
	}
	return d.Jobs.Every("jobs.prune", "jobs.prune", 24*time.Hour)
}

func (m *Module) Web(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates/jobs/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Background jobs", Href: "/admin/jobs", Roles: []platform.Role{platform.RoleAdmin}, Order: 70, Group: web.AdminGroup})
	rt := srv.Router()
	rt.Handle("GET /admin/jobs", web.RequireSignedInFunc(m.list))
	rt.Handle("POST /admin/jobs/{id}/retry", web.RequireSignedInFunc(m.change("retry")))
	rt.Handle("POST /admin/jobs/{id}/discard", web.RequireSignedInFunc(m.change("discard")))
	return nil
}

// resource is a job as the decision point sees it. Platform jobs (no
// organisation) belong to the host organisation, which runs the platform.
func resource(ctx context.Context, dir platform.Directory, orgID, id string) (access.Resource, error) {
	if orgID == "" {
		host, err := dir.HostOrg(ctx)
		if err != nil {
			return access.Resource{}, err
		}
		orgID = host.ID
	}
	return access.Resource{Type: "job", ID: id, OrgID: orgID}, nil
}

type listPage struct {
	Form   *web.Form
	Jobs   []jobRow
	Counts map[string]int
	States []web.Option
	Next   string
	Empty  string
}

// jobRow is a job as the page shows it.
type jobRow struct {
	jobs.Job
	Label string
	// NotHere says a waiting job is of a kind this server does not run
	// (email on a node without a relay), so nobody waits for it in vain.
	NotHere bool
}

func (m *Module) list(w http.ResponseWriter, r *http.Request) error {
	sub := web.SubjectOf(r)
	ctx := r.Context()
	if err := m.d.Access.Check(ctx, sub, access.Administer, access.Resource{Type: "job", OrgID: sub.OrgID}); err != nil {
		return err
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "waiting" { // the word the page uses for "available"
		state = jobs.Available
	}
	f := jobs.Filter{OrgID: sub.OrgID, State: state, After: q.Get("after"), Limit: 50}
	page, err := m.d.Jobs.List(ctx, f)
	if platform.CodeOf(err) == platform.CodeInvalid {
		f.State = ""
		page, err = m.d.Jobs.List(ctx, f)
	}
	if err != nil {
		return err
	}
	counts, err := m.d.Jobs.Counts(ctx, sub.OrgID)
	if err != nil {
		return err
	}
	p := listPage{Form: web.NewForm(url.Values{"state": {f.State}}), Counts: counts}
	for _, j := range page.Jobs {
		p.Jobs = append(p.Jobs, jobRow{Job: j, Label: m.d.Jobs.Label(j.Kind), NotHere: j.State == jobs.Available && !m.d.Jobs.Runs(j.Kind)})
	}
	p.States = []web.Option{{Value: "", Text: "All states"}}
	for _, s := range []string{jobs.Failed, jobs.Available, jobs.Running, jobs.Completed, jobs.Discarded} {
		p.States = append(p.States, web.Option{Value: s, Text: strings.ToUpper(stateLabel(s)[:1]) + stateLabel(s)[1:]})
	}
	if page.Next != "" {
		p.Next = "/admin/jobs?" + url.Values{"state": {f.State}, "after": {page.Next}}.Encode()
	}
	if len(page.Jobs) == 0 {
		p.Empty = "There are no jobs to show."
		if f.State != "" {
			p.Empty = "There are no " + stateLabel(f.State) + " jobs."
		}
	}
	return web.Render(w, r, http.StatusOK, "jobs/list", p)
}

func stateLabel(s string) string {
	switch s {
	case jobs.Available:
		return "waiting"
	case jobs.Running:
		return "running"
	case jobs.Completed:
		return "completed"
	case jobs.Failed:
		return "failed"
	case jobs.Discarded:
		return "discarded"
	}
	return s
}

// change retries or discards one job, audited in the same write.
func (m *Module) change(action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sub := web.SubjectOf(r)
		id := r.PathValue("id")
		if err := Change(r.Context(), m.d, sub, action, id); err != nil {
			return err
		}
		verb := map[string]string{"retry": "will run again shortly", "discard": "was discarded"}[action]
		web.SetFlash(w, r, "The job "+verb)
		back := "/admin/jobs"
		if s := r.PostFormValue("state"); jobs.ValidState(s) {
			back += "?state=" + s
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
}

// Change retries or discards job id for sub (nil: the CLI, acting for the
// platform), checking access and auditing in the same write.
func Change(ctx context.Context, d *module.Deps, sub *platform.Subject, action, id string) error {
	if !platform.ValidID("job", id) {
		return platform.NotFound("job")
	}
	return d.DB.Write(ctx, func(tx *store.Tx) error {
		org, err := d.Jobs.OrgOf(ctx, tx, id)
		if err != nil {
			return err
		}
		if sub == nil {
			sub = platform.System(org)
			sub.Name, sub.Addr = "dbtp CLI", "cli"
		}
		res, err := resource(ctx, d.Directory, org, id)
		if err != nil {
			return err
		}
		if err := d.Access.CheckTx(tx, sub, access.Administer, res); err != nil {
			return err
		}
		switch action {
		case "retry":
			err = d.Jobs.Retry(ctx, tx, id)
		case "discard":
			err = d.Jobs.Discard(ctx, tx, id)
		default:
			return platform.Invalid("unknown action " + action)
		}
		if err != nil {
			return err
		}
		e := audit.For(sub, "job."+action, "job", id, audit.Success)
		if e.OrgID == "" {
			e.OrgID = res.OrgID
		}
		return d.Audit.Record(tx, e)
	})
}
