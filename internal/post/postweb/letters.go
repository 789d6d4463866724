package postweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// lettersPart is the letters part of the module. SKELETON: its owner fills it in.
type lettersPart struct{}

func (p *lettersPart) init(ctx context.Context, m *Module) error { return nil }

func (p *lettersPart) web(srv *web.Server, m *Module) error { return nil }

func (p *lettersPart) start(ctx context.Context, m *Module) error { return nil }

func (p *lettersPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
