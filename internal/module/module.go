// Package module is the contract every dbtp module implements, and the
// one set of dependencies the kernel hands it. A module is an engine
// package (domain types, SQL, rules; no net/http) plus its web
// package(s); the web package holds the Module value that cmd/dbtp lists.
// Adding a module is its own folder plus one line in that list.
//
// Modules never import each other. They talk through events (Deps.Events)
// and through small interfaces the consumer declares and the composition
// root satisfies; people and units come from Deps.Directory.
package module

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/blob"
	"dbtp/internal/events"
	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

// Module is one vertical slice of the platform. Embed Base to leave out
// what a module does not need.
type Module interface {
	// Name is the module's short name: lower-case letters, used in logs,
	// readiness and its migrations' records.
	Name() string
	// Migrations are the module's schema changes, applied after the
	// kernel's and in list order.
	Migrations() []store.Migrations
	// Init builds the module's engine from the kernel's dependencies and
	// registers what it owns there: access policies for its resource
	// types, job kinds and schedules, event subscriptions.
	Init(ctx context.Context, d *Deps) error
	// Web registers the module's templates, navigation, pages and JSON API
	// routes on the server. It runs after every module's Init.
	Web(srv *web.Server) error
	// Verbs are the module's CLI commands ("services validate").
	Verbs() []Verb
	// Start runs once the platform is open, before serving, on every start
	// (publishing built-in definitions, say); it must be idempotent.
	Start(ctx context.Context) error
	// Demo adds the module's demonstration data, once, after the people
	// and organisations exist.
	Demo(ctx context.Context, d *DemoEnv) error
	// Ready reports whether the module can serve; nil when it can.
	Ready(ctx context.Context) error
}

// Stopper is implemented by a module with background work that must
// finish before the database closes (readings still to be written, say).
// The platform calls Stop once, last module first, before closing.
type Stopper interface {
	Stop()
}

// Base implements every optional part of Module as doing nothing.
type Base struct{}

func (Base) Migrations() []store.Migrations       { return nil }
func (Base) Init(context.Context, *Deps) error    { return nil }
func (Base) Web(*web.Server) error                { return nil }
func (Base) Verbs() []Verb                        { return nil }
func (Base) Start(context.Context) error          { return nil }
func (Base) Demo(context.Context, *DemoEnv) error { return nil }
func (Base) Ready(context.Context) error          { return nil }

// Deps is everything the kernel gives a module.
type Deps struct {
	DB        *store.DB
	Audit     *audit.Log
	Access    *access.Point
	Directory platform.Directory
	// Blob is the encrypted content store every module keeps files in.
	Blob   *blob.Store
	Jobs   *jobs.Queue
	Events *events.Bus
	// Mail sends email through the council's relay; nil when none is
	// configured (messages then wait in their outbox).
	Mail   mail.Transport // nil: email waits in the outbox
	Clock  platform.Clock
	Log    *slog.Logger
	Config Config
}

// Config is the part of the platform's configuration modules may read.
type Config struct {
	DataDir     string // the data folder: modules keep their files under it
	BaseURL     string // public address, for links in messages
	CouncilName string
	// Getenv reads a module's own settings (DBTP_<MODULE>_...), so a
	// module can grow settings without a change to cmd/dbtp.
	Getenv func(string) string
}

// DemoEnv is what a module's demo data is built from: the demonstration
// organisations and people, found by short name and email.
type DemoEnv struct {
	Org    func(ctx context.Context, slug string) (platform.Org, error)
	Person func(ctx context.Context, org platform.Org, email string) (*platform.Subject, error)
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,30}$`)

// Check reports a module list that cannot be started: a bad or repeated
// name, or a verb two modules both claim. It is cheap and runs before
// anything is opened.
func Check(mods []Module) error {
	seen := map[string]bool{}
	verbs := map[string]string{}
	var errs []error
	for i, m := range mods {
		if m == nil {
			errs = append(errs, fmt.Errorf("module %d of the list is nil", i+1))
			continue
		}
		n := m.Name()
		if !nameRE.MatchString(n) {
			errs = append(errs, fmt.Errorf("module name %q must be 2-31 lower-case letters and digits", n))
		}
		if seen[n] {
			errs = append(errs, fmt.Errorf("module %q is listed twice", n))
		}
		seen[n] = true
		for _, v := range m.Verbs() {
			if other, dup := verbs[v.Name]; dup {
				errs = append(errs, fmt.Errorf("verb %q is claimed by modules %s and %s", v.Name, other, n))
			}
			verbs[v.Name] = n
			if v.Run == nil || v.Summary == "" {
				errs = append(errs, fmt.Errorf("module %s: verb %q needs a summary and a Run function", n, v.Name))
			}
		}
	}
	return errors.Join(errs...)
}

// Migrations gathers the modules' migrations in list order.
func Migrations(mods []Module) []store.Migrations {
	var out []store.Migrations
	for _, m := range mods {
		out = append(out, m.Migrations()...)
	}
	return out
}

// Init initialises every module in order, naming the one that failed.
func Init(ctx context.Context, mods []Module, d *Deps) error {
	for _, m := range mods {
		md := *d
		md.Log = d.Log.With("module", m.Name())
		if err := m.Init(ctx, &md); err != nil {
			return fmt.Errorf("module %s: %w", m.Name(), err)
		}
	}
	return nil
}

// Web registers every module on srv in order.
func Web(mods []Module, srv *web.Server) error {
	for _, m := range mods {
		if err := m.Web(srv); err != nil {
			return fmt.Errorf("module %s: web: %w", m.Name(), err)
		}
	}
	return nil
}

// Start starts every module in order.
func Start(ctx context.Context, mods []Module) error {
	for _, m := range mods {
		if err := m.Start(ctx); err != nil {
			return fmt.Errorf("module %s: %w", m.Name(), err)
		}
	}
	return nil
}

// Demo seeds every module's demonstration data in order.
func Demo(ctx context.Context, mods []Module, d *DemoEnv) error {
	for _, m := range mods {
		if err := m.Demo(ctx, d); err != nil {
			return fmt.Errorf("module %s: demo data: %w", m.Name(), err)
		}
	}
	return nil
}

// Ready is nil when every module is ready, else the first that is not.
func Ready(ctx context.Context, mods []Module) error {
	for _, m := range mods {
		if err := m.Ready(ctx); err != nil {
			return fmt.Errorf("%s: %w", m.Name(), err)
		}
	}
	return nil
}
