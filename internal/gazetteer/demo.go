package gazetteer

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
)

// demoCSV is a small made-up gazetteer of Kent addresses for the demo:
// real town and street names, postcodes of the right shape, and UPRNs that
// all begin 99000 so no one mistakes them for real ones (real UPRNs in
// Kent are allocated by the districts from quite other ranges).
//
//go:embed demo/kent-demo.csv
var demoCSV []byte

// DemoSource marks the demonstration rows (the source column).
const DemoSource = "demo"

// LoadDemo stores the demonstration addresses. It is idempotent, as any load.
func (g *Gazetteer) LoadDemo(ctx context.Context) (Report, error) {
	rep, err := g.Load(ctx, bytes.NewReader(demoCSV), DemoSource, nil)
	if err == nil && len(rep.Rejected) > 0 {
		err = fmt.Errorf("gazetteer: demo file row %d: %s", rep.Rejected[0].Row, rep.Rejected[0].Reason)
	}
	return rep, err
}
