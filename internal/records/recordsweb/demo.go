package recordsweb

import (
	"context"

	"dbtp/internal/module"
)

// Demo adds the records module's demonstration data: a subject access
// request in progress (demosar.go).
func (m *Module) Demo(ctx context.Context, env *module.DemoEnv) error {
	return m.demoSAR(ctx, env)
}
