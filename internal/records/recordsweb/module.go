// Package recordsweb is the records management module: it builds the
// records engine from the kernel's dependencies, gives every organisation
// a file plan, and puts the records pages (/records) and JSON API
// (/api/v1/records) on the server.
package recordsweb

import (
	"context"
	"embed"
	"errors"
	"strconv"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/graph"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Module is the records module. Its zero value is ready to be listed.
type Module struct {
	module.Base
	// Graph overrides the Microsoft 365 settings read from the
	// environment (tests point it at graphtest); nil: DBTP_RECORDS_GRAPH_*.
	Graph *graph.Config
	// Cases is the digital services engine, whose case files are filed
	// as records (wired in cmd/dbtp); nil: case files are not filed.
	Cases CaseFiles
	// SARs is the digital services engine as the subject access
	// workspace needs it (wired in cmd/dbtp); nil: no workspace.
	SARs SARCases
	d    *module.Deps
	rs   *records.Store
	// opts wired rs; the demo files back-dated documents through a store
	// with another clock and must keep the rest (text extraction, say).
	opts records.Options
	gc   *graph.Client
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "records" }

func (*Module) Migrations() []store.Migrations { return []store.Migrations{records.Migrations} }

// Store is the built engine, for the composition root and tests.
func (m *Module) Store() *records.Store { return m.rs }

// Init builds the engine over the encrypted blob store and registers the
// access policy for records. DBTP_RECORDS_MAX_UPLOAD_MB sets the largest
// file accepted (default 5 GB).
func (m *Module) Init(_ context.Context, d *module.Deps) error {
	m.d = d
	if d.Blob == nil {
		return errors.New("records need the blob store")
	}
	if err := d.Access.Register(records.ResourceType, records.Policy); err != nil {
		return err
	}
	if err := d.Access.Register(records.SARResourceType, records.SARPolicy); err != nil {
		return err
	}
	maxBytes, err := maxUpload(d.Config.Getenv)
	if err != nil {
		return err
	}
	gc, err := newGraph(m.Graph, d.Config.Getenv)
	if err != nil {
		return err
	}
	m.gc = gc
	opts := records.Options{Files: d.Blob, Now: d.Clock.Now, MaxBytes: maxBytes}
	if d.Jobs != nil {
		opts.Extracted = queueExtraction(d.Jobs)
		if err := m.registerExtraction(d); err != nil {
			return err
		}
	}
	if m.Cases != nil {
		opts.FilesInUseElsewhere = m.Cases.FileInUse
	}
	m.opts = opts
	m.rs = records.New(d.DB, d.Audit, d.Access, opts)
	if err := m.scheduleDisposal(d); err != nil {
		return err
	}
	return m.subscribe(d.Events)
}

// scheduleDisposal runs the disposal queue's daily run as a job: due
// dates, holds and the queue are brought up to date for every
// organisation, and disposals that stopped part way are finished.
func (m *Module) scheduleDisposal(d *module.Deps) error {
	if d.Jobs == nil {
		return nil
	}
	err := d.Jobs.Handle("records.disposal", jobs.Kind{Label: "Queue records due for disposal", Timeout: time.Hour, Handler: func(ctx context.Context, _ jobs.Job) error {
		run, err := m.rs.FillDisposalQueue(ctx, d.Clock.Now())
		if run.Queued > 0 || run.Held > 0 || run.Released > 0 || run.Withdrawn > 0 || run.Completed > 0 {
			d.Log.Info("disposal queue updated", "queued", run.Queued, "held", run.Held, "released", run.Released,
				"withdrawn", run.Withdrawn, "completed", run.Completed, "due_dates_changed", run.Recomputed)
		}
		return err
	}})
	if err != nil {
		return err
	}
	return d.Jobs.Every("records.disposal", "records.disposal", 24*time.Hour)
}

// maxUpload is the largest file accepted, from DBTP_RECORDS_MAX_UPLOAD_MB.
func maxUpload(getenv func(string) string) (int64, error) {
	v := getenv("DBTP_RECORDS_MAX_UPLOAD_MB")
	if v == "" {
		return records.DefaultMaxBytes, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, errors.New("DBTP_RECORDS_MAX_UPLOAD_MB must be a whole number of megabytes, 1 or more")
	}
	return n << 20, nil
}

// Web mounts the pages and the API.
func (m *Module) Web(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates/records/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Records", Href: "/records", Roles: platform.StaffRoles, Order: 25})
	h := &handlers{rs: m.rs, dir: m.d.Directory, maxBytes: m.rs.MaxBytes(), graph: m.gc, log: m.d.Log}
	if m.SARs != nil {
		h.sar = &sarHandlers{handlers: h, sars: m.SARs, council: m.d.Config.CouncilName, now: m.d.Clock.Now}
		h.sar.routes(srv.Router())
		srv.Renderer().AddNav(web.NavItem{Label: "Subject access", Href: "/records/sars", Roles: []platform.Role{platform.RoleRecords}, Order: 26})
	}
	h.routePages(srv.Router())
	h.routeRetention(srv.Router())
	h.routeAPI(srv.API())
	h.routeRetentionAPI(srv.API())
	h.routeMove(srv.Router(), srv.API())
	h.routeSearch(srv.Router(), srv.API())
	return nil
}

// Start gives every organisation the default file plan if it has none.
func (m *Module) Start(ctx context.Context) error {
	orgs, err := m.d.Directory.Orgs(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if err := m.rs.EnsureFilePlan(ctx, o.ID); err != nil {
			return err
		}
	}
	return nil
}
