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
	"dbtp/internal/web"
)

// Module puts identity's pages and API on the server.
type Module struct {
	module.Base
	Identity  *identity.Service
	providers []*oidc.Provider
	d         *module.Deps
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "identity" }

// Init discovers the single sign-on providers configured with DBTP_OIDC_*
// (a wrong issuer stops the start with a clear message) and schedules the
// daily prune of ended sessions and stale throttle counters.
func (m *Module) Init(ctx context.Context, d *module.Deps) error {
	ps, err := oidcFromEnv(ctx, d.Config.Getenv, d.Config.BaseURL, func(slug string) (string, error) {
		o, err := m.Identity.OrgBySlug(ctx, slug)
		return o.ID, err
	})
	if err != nil {
		return err
	}
	m.providers, m.d = ps, d
	if err := d.Jobs.Handle("identity.prune", jobs.Kind{Label: "Delete ended sessions and old sign-in counters", Handler: func(ctx context.Context, _ jobs.Job) error {
		return m.Identity.Prune(ctx)
	}}); err != nil {
		return err
	}
	return d.Jobs.Every("identity.prune", "identity.prune", 24*time.Hour)
}

func (m *Module) Web(srv *web.Server) error {
	return Register(srv, m.Identity, m.d.Access, m.providers)
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
