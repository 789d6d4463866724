package workplaceweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// assetsPart is the module's assets part.
type assetsPart struct{}

func (p *assetsPart) init(ctx context.Context, m *Module) error { return nil }

func (p *assetsPart) web(srv *web.Server, m *Module) error { return nil }

func (p *assetsPart) start(ctx context.Context, m *Module) error { return nil }

func (p *assetsPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
