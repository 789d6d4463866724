package signingweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// ceremonyPart is the ceremony part of the module. SKELETON: its owner fills it in.
type ceremonyPart struct{}

func (p *ceremonyPart) init(ctx context.Context, m *Module) error { return nil }

func (p *ceremonyPart) web(srv *web.Server, m *Module) error { return nil }

func (p *ceremonyPart) start(ctx context.Context, m *Module) error { return nil }

func (p *ceremonyPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
