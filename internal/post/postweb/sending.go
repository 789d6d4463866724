package postweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// sendingPart is the sending part of the module. SKELETON: its owner fills it in.
type sendingPart struct{}

func (p *sendingPart) init(ctx context.Context, m *Module) error { return nil }

func (p *sendingPart) web(srv *web.Server, m *Module) error { return nil }

func (p *sendingPart) start(ctx context.Context, m *Module) error { return nil }

func (p *sendingPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
