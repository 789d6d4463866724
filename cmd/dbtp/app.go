package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/auditweb"
	"dbtp/internal/blob"
	"dbtp/internal/events"
	"dbtp/internal/events/eventsweb"
	"dbtp/internal/gazetteer/gazetteerweb"
	"dbtp/internal/home"
	"dbtp/internal/identity"
	"dbtp/internal/identity/identityweb"
	"dbtp/internal/jobs"
	"dbtp/internal/jobs/jobsweb"
	"dbtp/internal/mail"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records/recordsweb"
	"dbtp/internal/services"
	"dbtp/internal/services/servicesweb"
	"dbtp/internal/signing/signingweb"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/workplace/workplaceweb"

	"golang.org/x/mod/sumdb/note"
)

// kernelMigrations are the kernel's own tables, applied before any module's.
func kernelMigrations() []store.Migrations {
	return []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, events.Migrations}
}

// modules is the one list of modules, in the order they are initialised
// and their pages registered. Adding a module is its own folder plus one
// line here. a may be an unopened app (for listing CLI verbs).
func modules(a *app) []module.Module {
	gazetteer := &gazetteerweb.Module{} // address questions find addresses in it
	svc := &servicesweb.Module{Addresses: gazetteer}
	postMod := wirePost(a, svc)                                            // the workflow's email goes through digital post
	recs := &recordsweb.Module{Cases: caseFiles{svc}, SARs: sarCases{svc}} // case files become records; subject access requests are answered in records
	// Both keep files in the one content-addressed store: neither deletes
	// content the other still names.
	svc.FilesInUseElsewhere = func(ctx context.Context, id string) (bool, error) { return recs.Store().FileInUse(ctx, id) }
	svc.FileRecords = caseFileRecords(recs)                    // a case's files link to the records they are kept as
	postMod = withInbound(postMod, a, svc)                     // inbound post is filed on cases; its scans are kept while post names them
	workplace := &workplaceweb.Module{Holiday: bankHoliday(a)} // desks and rooms cannot be booked on bank holidays
	workplace.UseEquipmentRequests(equipmentRequests{svc})     // equipment collection requests reserve and release loans
	signatures := &signingweb.Module{}
	signatures.UseWorkflows(caseSignatures{svc}) // a workflow's sign action sends an envelope; its end moves the case on
	signatures.UseTexts(postTexts{postMod})      // signers' one-time codes by text message go through digital post
	return []module.Module{
		&identityweb.Module{Identity: a.identity},
		&auditweb.Module{PublicKey: a.auditPub},
		&jobsweb.Module{},
		&eventsweb.Module{},
		gazetteer,
		svc,
		recs,
		workplace,
		postMod,
		signatures,
		&home.Module{},
	}
}

// app is the opened platform: the database, the kernel and the modules.
type app struct {
	db       *store.DB
	audit    *audit.Log
	access   *access.Point
	identity *identity.Service
	jobs     *jobs.Queue
	events   *events.Bus
	blob     *blob.Store
	mods     []module.Module
	deps     *module.Deps
	applied  []store.Applied
	auditPub string // verifier key text, so pages and clients can check tree heads
}

type appOptions struct {
	auditKey string // a note signer key; empty = the key file in the data folder
	identity identity.Options
	web      web.Config // base URL and council name, for modules' messages
	mail     mail.Transport
	getenv   func(string) string
	// webhookPrivate lets webhooks reach private networks (events.Options).
	webhookPrivate bool
	jobWorkers     int            // background jobs at once on this node (jobs.Options); 0: the queue's default
	clock          platform.Clock // the modules' clock; nil: the system's
}

// openApp opens the database, applies pending migrations, builds the
// kernel and initialises every module.
func openApp(ctx context.Context, dc dataConfig, opts appOptions, log *slog.Logger) (*app, error) {
	a, err := openKernel(ctx, dc, opts, log)
	if err != nil {
		return nil, err
	}
	if err := module.Init(ctx, a.mods, a.deps); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func openKernel(ctx context.Context, dc dataConfig, opts appOptions, log *slog.Logger) (*app, error) {
	mods := modules(&app{})
	if err := module.Check(mods); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, store.Options{DataDir: dc.Data, DatabaseURL: dc.DatabaseURL, Logger: log})
	if err != nil {
		return nil, err
	}
	// The file store before any migration: a wrong or missing key stops
	// the start with nothing changed.
	files, err := openBlob(ctx, dc, log, true)
	if err != nil {
		db.Close()
		return nil, err
	}
	applied, err := db.Migrate(ctx, append(kernelMigrations(), module.Migrations(mods)...))
	if err != nil {
		db.Close()
		return nil, err
	}
	signer, verifier, err := loadAuditKey(dc, opts.auditKey)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &app{db: db, blob: files, applied: applied}
	if a.auditPub, err = auditPublicKey(dc, opts.auditKey); err != nil {
		db.Close()
		return nil, err
	}
	a.audit = audit.New(db, signer, verifier)
	// A log from before per-organisation logs is rebuilt once (migration
	// 0002 of the audit module leaves that to Go: it needs signing).
	if n, err := a.audit.Upgrade(ctx); err != nil {
		db.Close()
		return nil, err
	} else if n > 0 {
		log.Info("audit log rebuilt into per-organisation logs", "entries", n)
	}
	a.access = access.New(a.audit)
	a.identity = identity.New(db, a.audit, a.access, opts.identity)
	a.jobs = jobs.New(db, jobs.Options{Logger: log, Workers: opts.jobWorkers})
	if a.events, err = events.New(db, a.jobs, a.access, a.audit, events.Options{Logger: log, PrivateNetworks: opts.webhookPrivate}); err != nil {
		db.Close()
		return nil, err
	}
	getenv := opts.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	a.mods = modules(a)
	clock := opts.clock
	if clock == nil {
		clock = platform.SystemClock{}
	}
	a.deps = &module.Deps{DB: db, Audit: a.audit, Access: a.access, Directory: a.identity.Directory(),
		Blob: files, Jobs: a.jobs, Events: a.events, Mail: opts.mail, Clock: clock, Log: log,
		Config: module.Config{DataDir: dc.Data, BaseURL: opts.web.BaseURL, CouncilName: opts.web.CouncilName, Getenv: getenv}}
	return a, nil
}

// services is the services module's engine, for the load tool and tests.
func (a *app) services() *services.Service {
	for _, m := range a.mods {
		if s, ok := m.(*servicesweb.Module); ok {
			return s.Engine()
		}
	}
	return nil
}

// Close lets modules finish their background work, last first, then
// closes the database.
func (a *app) Close() error {
	for i := len(a.mods) - 1; i >= 0; i-- {
		if s, ok := a.mods[i].(module.Stopper); ok {
			s.Stop()
		}
	}
	return a.db.Close()
}

// loadAuditKey uses the configured key when several nodes share a PostgreSQL
// database, or the key file in the data folder otherwise.
func loadAuditKey(dc dataConfig, skey string) (note.Signer, note.Verifier, error) {
	if skey != "" {
		s, v, err := audit.ParseKey(skey)
		if err != nil {
			return nil, nil, fmt.Errorf("DBTP_AUDIT_KEY is not a valid signing key: %w", err)
		}
		return s, v, nil
	}
	s, v, err := audit.LoadOrCreateKey(dc.Data)
	if err != nil {
		return nil, nil, err
	}
	return s, v, nil
}

// auditPublicKey is the verifier half of the signing key in use.
func auditPublicKey(dc dataConfig, skey string) (string, error) {
	if skey != "" {
		return audit.PublicKey(skey)
	}
	b, err := os.ReadFile(filepath.Join(dc.Data, "audit.pub"))
	if err != nil {
		return "", fmt.Errorf("audit public key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// orgSubject is who the CLI acts as: the platform itself, inside one organisation.
func (a *app) orgSubject(ctx context.Context, slug string) (*platform.Subject, platform.Org, error) {
	if strings.TrimSpace(slug) == "" {
		return nil, platform.Org{}, badUsage("--org is required: the organisation's short name (see dbtp org list)")
	}
	org, err := a.identity.OrgBySlug(ctx, slug)
	if err != nil {
		if platform.CodeOf(err) == platform.CodeNotFound {
			return nil, platform.Org{}, fmt.Errorf("no organisation with short name %q (see dbtp org list)", slug)
		}
		return nil, platform.Org{}, err
	}
	s := platform.System(org.ID)
	s.Name = "dbtp CLI"
	s.Addr = "cli"
	return s, org, nil
}
