// Package identityweb is the identity module on the web: sign-in (with
// passwords, TOTP and single sign-on), accounts, users, business units,
// organisations and API tokens. The identity engine itself is kernel: the
// composition root builds it first because every request is authenticated
// by it and every module finds people through its directory.
package identityweb

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/identity/oidc"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// Module puts identity's pages and API on the server.
type Module struct {
	module.Base
	Identity  *identity.Service
	providers []*oidc.Provider
	orgs      map[string]string // provider name to organisation short name
	d         *module.Deps
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "identity" }

// Init discovers the single sign-on providers configured with DBTP_OIDC_*
// (a wrong issuer stops the start with a clear message) and schedules the
// daily prune of ended sessions and stale throttle counters.
func (m *Module) Init(ctx context.Context, d *module.Deps) error {
	ps, orgs, err := oidcFromEnv(ctx, d.Config.Getenv, d.Config.BaseURL)
	if err != nil {
		return err
	}
	m.providers, m.orgs, m.d = ps, orgs, d
	if err := d.Access.Register(identity.ResidentRecordType, identity.ResidentRecordPolicy); err != nil {
		return err
	}
	if err := d.Jobs.Handle("identity.prune", jobs.Kind{Label: "Delete ended sessions and old sign-in counters", Handler: func(ctx context.Context, _ jobs.Job) error {
		return m.Identity.Prune(ctx)
	}}); err != nil {
		return err
	}
	return d.Jobs.Every("identity.prune", "identity.prune", 24*time.Hour)
}

// Start warns about a single sign-on provider whose organisation does not
// exist (yet): its sign-ins fail with a message until it is created. It is
// not an error, because `dbtp demo` creates its organisations after start.
func (m *Module) Start(ctx context.Context) error {
	for _, p := range m.providers {
		slug := m.orgs[p.Name()]
		if _, err := m.Identity.OrgBySlug(ctx, slug); platform.CodeOf(err) == platform.CodeNotFound {
			m.d.Log.Warn("single sign-on provider names no existing organisation; its sign-ins fail until the organisation is created",
				"provider", p.Name(), "setting", "DBTP_OIDC_"+strings.ToUpper(p.Name())+"_ORG", "org", slug)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) Web(srv *web.Server) error {
	return register(srv, m.Identity, m.d.Access, m.providers, m.orgs)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
