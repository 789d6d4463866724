package signingweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// keysPart is the keys part of the module. SKELETON: its owner fills it in.
type keysPart struct{}

func (p *keysPart) init(ctx context.Context, m *Module) error { return nil }

func (p *keysPart) web(srv *web.Server, m *Module) error { return nil }

func (p *keysPart) start(ctx context.Context, m *Module) error { return nil }

func (p *keysPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
