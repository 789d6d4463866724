package auditweb

import (
	"context"
	"fmt"

	"dbtp/internal/module"
	"dbtp/internal/web"

	"golang.org/x/mod/sumdb/note"
)

// Module is the audit viewer and API as a platform module. The log itself
// is kernel: every module records into it through Deps.Audit.
type Module struct {
	module.Base
	// PublicKey is the verifier key of the signing key in use, published
	// with the signed tree head.
	PublicKey string
	d         *module.Deps
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "audit" }

// Init checks the published key, so a bad one stops the start with a
// message rather than a panic.
func (m *Module) Init(_ context.Context, d *module.Deps) error {
	if m.PublicKey != "" {
		if _, err := note.NewVerifier(m.PublicKey); err != nil {
			return fmt.Errorf("audit public key: %w", err)
		}
	}
	m.d = d
	return nil
}

func (m *Module) Web(srv *web.Server) error {
	var opts []Option
	if m.PublicKey != "" {
		opts = append(opts, PublicKey(m.PublicKey))
	}
	return Register(srv, m.d.Audit, m.d.Access, opts...)
}
