package signingweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
)

// seed adds the demo's envelopes.
func (p *envelopesPart) seed(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}
