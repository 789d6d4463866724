package workplaceweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// bookingsPart is the module's bookings part.
type bookingsPart struct{}

func (p *bookingsPart) init(ctx context.Context, m *Module) error { return nil }

func (p *bookingsPart) web(srv *web.Server, m *Module) error { return nil }

func (p *bookingsPart) start(ctx context.Context, m *Module) error { return nil }

func (p *bookingsPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
