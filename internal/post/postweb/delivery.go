package postweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// deliveryPart is the delivery part of the module. SKELETON: its owner fills it in.
type deliveryPart struct{}

func (p *deliveryPart) init(ctx context.Context, m *Module) error { return nil }

func (p *deliveryPart) web(srv *web.Server, m *Module) error { return nil }

func (p *deliveryPart) start(ctx context.Context, m *Module) error { return nil }

func (p *deliveryPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}

func (p *deliveryPart) stop() {}
