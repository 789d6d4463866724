package postweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// templatesPart is the templates part of the module. SKELETON: its owner fills it in.
type templatesPart struct{}

func (p *templatesPart) init(ctx context.Context, m *Module) error { return nil }

func (p *templatesPart) web(srv *web.Server, m *Module) error { return nil }

func (p *templatesPart) start(ctx context.Context, m *Module) error { return nil }

func (p *templatesPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
