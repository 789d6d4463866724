package signingweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// envelopesPart is the envelopes part of the module. SKELETON: its owner fills it in.
type envelopesPart struct{}

func (p *envelopesPart) init(ctx context.Context, m *Module) error { return nil }

func (p *envelopesPart) web(srv *web.Server, m *Module) error { return nil }

func (p *envelopesPart) start(ctx context.Context, m *Module) error { return nil }

func (p *envelopesPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
