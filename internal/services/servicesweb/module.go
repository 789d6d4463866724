// Package servicesweb is the digital services module: it builds the
// low-code engine from the kernel's dependencies and puts its three faces
// on the web server (the resident portal, the staff console and the JSON
// API), with the built-in services, their demo data and CLI verbs.
package servicesweb

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"dbtp/internal/events"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/calendar"
	"dbtp/internal/services/console"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/designer"
	"dbtp/internal/services/forms"
	"dbtp/internal/services/portal"
	"dbtp/internal/services/servicesapi"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

// Module is the services module. Its zero value is ready to be listed.
type Module struct {
	module.Base
	// Addresses is the council's gazetteer for address questions (the
	// gazetteer module, wired in cmd/dbtp); nil means addresses are typed.
	Addresses portal.Addresses
	// FilesInUseElsewhere reports whether another module (records) still
	// names content in the shared file store; nil: none does.
	FilesInUseElsewhere func(ctx context.Context, blobID string) (bool, error)
	// Post is digital post (wired in cmd/dbtp): the workflow's email goes
	// through it and case pages list the messages sent. nil: email goes
	// straight to the relay, as before digital post.
	Post services.Post
	// FileRecords links a case's files to the records they are kept as
	// (the records module, wired in cmd/dbtp); nil: no links.
	FileRecords func(ctx context.Context, sub *platform.Subject, caseID string) (map[string]string, error)
	d           *module.Deps
	svc         *services.Service
	cal         *calendar.Calendar
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "services" }

func (*Module) Migrations() []store.Migrations { return []store.Migrations{services.Migrations} }

// Engine is the built engine, for the composition root's own needs (the
// load tool, tests); other modules never reach it.
func (m *Module) Engine() *services.Service { return m.svc }

// Init builds the engine with the England and Wales working day calendar
// (the data folder's bank-holidays.json when a council has dropped in a
// newer one), the forms package as the last check on answers, the
// directory for business units and users, and durable jobs for SLA
// escalation, draft pruning and email delivery.
func (m *Module) Init(ctx context.Context, d *module.Deps) error {
	cal, err := calendar.Load(d.Config.DataDir)
	if err != nil {
		return err
	}
	m.d, m.cal = d, cal
	if err := d.Events.Declare(services.EventTypes()...); err != nil {
		return err
	}
	// The service designer's role may draft and publish definitions.
	if err := d.Access.Register("case", services.CasePolicy); err != nil {
		return err
	}
	if err := d.Access.Register(designer.ResourceType, designer.Policy); err != nil {
		return err
	}
	var files services.FileStore
	if d.Blob != nil {
		files = d.Blob
	}
	m.svc = services.New(d.DB, d.Audit, d.Access, services.Options{
		FilesInUseElsewhere: m.FilesInUseElsewhere,
		Files:               files,
		Calendar:            cal,
		Validate:            validate,
		Clock:               d.Clock,
		Jobs:                d.Jobs,
		Events:              publisher{d.Events},
		UnitID:              d.Directory.UnitID,
		// The engine's own integrity check that an assignee or applicant
		// ID is a user of the organisation; nothing is shown from it.
		UserExists: func(ctx context.Context, orgID, userID string) (bool, error) {
			p, err := d.Directory.Person(ctx, platform.System(orgID), userID)
			if platform.CodeOf(err) == platform.CodeNotFound {
				return false, nil
			}
			return err == nil && !p.Disabled, err
		},
		Person: func(ctx context.Context, orgID, userID string) (platform.Person, error) {
			return d.Directory.Person(ctx, platform.System(orgID), userID)
		},
	})
	return m.registerJobs(d)
}

func (m *Module) registerJobs(d *module.Deps) error {
	q := d.Jobs
	if err := q.Handle("services.escalate", jobs.Kind{Label: "Escalate cases past their deadline", Handler: func(ctx context.Context, _ jobs.Job) error {
		n, err := m.svc.EscalateBreached(ctx, d.Clock.Now())
		if n > 0 {
			d.Log.Info("cases escalated", "count", n)
		}
		return err
	}}); err != nil {
		return err
	}
	if err := q.Every("services.escalate", "services.escalate", time.Minute); err != nil {
		return err
	}
	if err := q.Handle("services.prune_drafts", jobs.Kind{Label: "Delete abandoned saved answers", Handler: func(ctx context.Context, _ jobs.Job) error {
		_, err := m.svc.PruneDrafts(ctx, d.Clock.Now())
		return err
	}}); err != nil {
		return err
	}
	if err := q.Every("services.prune_drafts", "services.prune_drafts", 24*time.Hour); err != nil {
		return err
	}
	// Files uploaded on question pages and never submitted go once their
	// journey's draft lifetime has passed; then every blob that lost its
	// last reference is deleted from the store.
	if err := q.Handle("services.prune_uploads", jobs.Kind{Label: "Delete files never submitted", Handler: func(ctx context.Context, _ jobs.Job) error {
		n, err := m.svc.PruneHeldFiles(ctx, d.Clock.Now())
		if err != nil {
			return err
		}
		gone, err := m.svc.CollectFiles(ctx)
		if n > 0 || gone > 0 {
			d.Log.Info("expired uploads removed", "uploads", n, "files_deleted", gone)
		}
		return err
	}}); err != nil {
		return err
	}
	if err := q.Every("services.prune_uploads", "services.prune_uploads", time.Hour); err != nil {
		return err
	}
	// Every node may record mail; only nodes with a relay send it.
	mailKind := jobs.Kind{Label: "Send an email", MaxAttempts: services.MailAttempts}
	if m.Post != nil {
		// Digital post takes every message and delivers it through its
		// own providers (the relay among them) on whichever node has them.
		out := services.NewOutbox(d.DB, d.Jobs)
		mailKind.Handler = out.PostHandler(m.Post, m.userEmail, d.Clock.Now)
	} else if d.Mail != nil {
		out := services.NewOutbox(d.DB, d.Jobs)
		mailKind.Handler = out.MailHandler(d.Mail, m.userEmail, d.Clock.Now)
		d.Log.Info("email delivery on", "relay", d.Mail.String())
	} else {
		d.Log.Info("email delivery off on this node: no --smtp-addr, so notifications wait in the outbox for a node with a relay")
	}
	return q.Handle(services.MailJob, mailKind)
}

// sentMessages is what digital post sent the person about their case,
// when post is wired in.
func (m *Module) sentMessages(ctx context.Context, sub *platform.Subject, caseID string) ([]services.CaseMessage, error) {
	if m.Post == nil {
		return nil, nil
	}
	return m.Post.MessagesTo(ctx, sub, caseID)
}

// publisher is the events bus as the engine declares it.
type publisher struct{ bus *events.Bus }

func (p publisher) Publish(ctx context.Context, tx *store.Tx, orgID, typ, subject string, data any) error {
	_, err := p.bus.Publish(ctx, tx, orgID, typ, subject, data)
	return err
}

// userEmail is a user's address for a notification the platform sends.
func (m *Module) userEmail(ctx context.Context, orgID, userID string) (string, bool, error) {
	p, err := m.d.Directory.Person(ctx, platform.System(orgID), userID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return p.Email, !p.Disabled && p.Email != "", nil
}

// validate is the forms package as the engine's last check on answers.
func validate(def *definition.Definition, answers definition.Answers, applicant bool) error {
	if applicant {
		// Person answers are checked for shape here (the engine gives no
		// organisation to look them up in); the portal and console decode
		// them with a lookup against the organisation's users.
		opts := forms.Options{Location: london, People: func(id string) (string, bool) { return id, platform.ValidID("usr", id) }}
		if err := forms.ValidateAll(def, answers, opts); err != nil {
			return err // ValidateAll's *platform.Error must not reach the engine as a typed nil
		}
		return nil
	}
	// Staff fields on a transition arrive canonical from the console's
	// forms.DecodeFields or the API's forms.Normalise; here they must
	// still name internal fields of this definition.
	var bad []platform.FieldError
	for id := range answers {
		if f := def.Field(id); f == nil || !f.Internal {
			bad = append(bad, platform.FieldError{Field: id, Message: "is not a field staff fill in on this service"})
		}
	}
	if len(bad) > 0 {
		return platform.Invalid("Check the fields", bad...)
	}
	return nil
}

var london = mustLondon()

func mustLondon() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}

// Web mounts the console, the portal, the API and the service designer.
func (m *Module) Web(srv *web.Server) error {
	dir := m.d.Directory
	pp := people{dir: dir, staff: newStaffCache(m.d.Access, 10*time.Second, time.Now)}
	if err := console.Register(srv, m.svc, console.Options{Calendar: m.cal, People: pp, FindPeople: pp.findStaff, Post: m.Post, FileRecords: m.FileRecords}); err != nil {
		return err
	}
	if err := portal.Register(srv, m.svc, portal.Options{Person: pp.portalPerson, FindResidents: pp.findResidents, RecordCaller: pp.recordCaller,
		FindPeople: pp.findPeople, Addresses: m.Addresses,
		// Organisations' names are public facts about them (the partner
		// pages say whom a person acts for and where a referral goes).
		OrgName: func(ctx context.Context, id string) string {
			o, err := dir.Org(ctx, platform.System(id), id)
			if err != nil {
				return ""
			}
			return o.Name
		},
		AnonymousOrg: func(ctx context.Context) (string, error) { o, err := dir.HostOrg(ctx); return o.ID, err },
		SentMessages: m.sentMessages}); err != nil {
		return err
	}
	servicesapi.Register(srv, m.svc, servicesapi.Options{UnitID: dir.UnitID, People: pp.name})
	return designer.New(m.d.DB, m.d.Audit, m.d.Access, m.svc, designer.Options{Now: m.d.Clock.Now,
		// Unit names only, offered as choices; the engine checks them again on publishing.
		Units: func(ctx context.Context, sub *platform.Subject) ([]string, error) {
			us, err := dir.Units(ctx, platform.System(sub.OrgID))
			if err != nil {
				return nil, err
			}
			names := make([]string, len(us))
			for i, u := range us {
				names[i] = u.Name
			}
			return names, nil
		}}).Register(srv)
}

// Start publishes the built-in services to every organisation, and the
// council's own definitions from the data folder's services/ directory to
// the host organisation, moves attachments still kept in the database to
// the file store, then gives any unsent email a delivery job. It
// runs at every start and after the demo seeds; publishing is idempotent
// per version.
func (m *Module) Start(ctx context.Context) error {
	if err := m.Publish(ctx); err != nil {
		return err
	}
	if err := m.moveAttachments(ctx); err != nil {
		return err
	}
	out := services.NewOutbox(m.d.DB, m.d.Jobs)
	n, err := out.EnqueueUnsent(ctx)
	if n > 0 {
		m.d.Log.Info("unsent email queued for delivery", "count", n)
	}
	return err
}

// moveAttachments moves attachment content written before the blob store
// out of the database into it, in batches, once; later starts find
// nothing to move.
func (m *Module) moveAttachments(ctx context.Context) error {
	if m.d.Blob == nil {
		return nil
	}
	total := 0
	for {
		n, err := m.svc.MoveAttachmentContent(ctx)
		total += n
		if err != nil {
			return fmt.Errorf("moving attachments to the file store (%d moved so far; it resumes at the next start): %w", total, err)
		}
		if n == 0 {
			break
		}
		m.d.Log.Info("moving attachments from the database to the file store", "moved", total)
	}
	if total > 0 {
		m.d.Log.Info("attachments moved to the file store", "count", total)
	}
	return nil
}

// Publish makes sure every organisation has the built-in services.
func (m *Module) Publish(ctx context.Context) error {
	builtins, err := definition.BuiltinSources()
	if err != nil {
		return fmt.Errorf("built-in services: %w", err)
	}
	dir := filepath.Join(m.d.Config.DataDir, "services")
	own, err := definition.LoadDirSources(dir)
	if err != nil {
		return fmt.Errorf("service definitions in %s: %w", dir, err)
	}
	orgs, err := m.d.Directory.Orgs(ctx)
	if err != nil {
		return err
	}
	host, _ := m.d.Directory.HostOrg(ctx)
	for _, o := range orgs {
		srcs := builtins
		if o.ID == host.ID {
			srcs = append(append([]definition.Source(nil), builtins...), own...)
		}
		defs, yamls := make([]*definition.Definition, len(srcs)), make([][]byte, len(srcs))
		for i, s := range srcs {
			defs[i], yamls[i] = s.Def, s.YAML
		}
		if err := m.svc.EnsureBuiltins(ctx, o.ID, defs, yamls); err != nil {
			return fmt.Errorf("publishing services for %s: %w", o.Slug, err)
		}
	}
	if len(own) > 0 {
		m.d.Log.Info("council service definitions loaded", "count", len(own), "organisation", host.Slug)
	}
	return nil
}

// Verbs are the definition tools.
func (*Module) Verbs() []module.Verb {
	return append(append([]module.Verb{}, verbs...), sharingVerbs()...)
}
