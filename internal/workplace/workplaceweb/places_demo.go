package workplaceweb

import (
	"context"

	"dbtp/internal/platform"
	"dbtp/internal/workplace"
)

func demoPlaces(ctx context.Context, ws *workplace.Store, dir platform.Directory, org platform.Org) error {
	return nil
}
