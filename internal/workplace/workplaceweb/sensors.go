package workplaceweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// sensorsPart is the module's sensors part.
type sensorsPart struct{}

func (p *sensorsPart) init(ctx context.Context, m *Module) error { return nil }

func (p *sensorsPart) web(srv *web.Server, m *Module) error { return nil }

func (p *sensorsPart) start(ctx context.Context, m *Module) error { return nil }

func (p *sensorsPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
