package postweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// inboundPart is the inbound part of the module. SKELETON: its owner fills it in.
type inboundPart struct{}

func (p *inboundPart) init(ctx context.Context, m *Module) error { return nil }

func (p *inboundPart) web(srv *web.Server, m *Module) error { return nil }

func (p *inboundPart) start(ctx context.Context, m *Module) error { return nil }

func (p *inboundPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}

func (p *inboundPart) stop() {}
