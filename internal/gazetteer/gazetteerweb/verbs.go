package gazetteerweb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"dbtp/internal/gazetteer"
	"dbtp/internal/module"
)

// maxReported bounds the rejected rows printed one by one; a file that is
// wrong throughout says so in its count without flooding the terminal.
const maxReported = 200

func (m *Module) Verbs() []module.Verb {
	return []module.Verb{
		{Name: "gazetteer load", Summary: "load the council's addresses from an LLPG or AddressBase Plus CSV export (see docs/operations.md)",
			Args: "FILE", NArgs: 1, Open: true, Run: load},
		{Name: "gazetteer find", Summary: "list the addresses the gazetteer holds for a postcode",
			Args: "POSTCODE", NArgs: 1, Open: true, Run: find},
	}
}

// load prints progress after each batch, then every rejected row (up to
// maxReported) with its row number and reason, then a summary. Good rows
// are kept whatever else the file holds; rejected rows make the verb end
// with a failure status, so a script notices them.
func load(ctx context.Context, c *module.Call) error {
	f, err := os.Open(c.Args[0])
	if err != nil {
		return fmt.Errorf("cannot open the gazetteer file: %w", err)
	}
	defer f.Close()
	g := newGazetteer(c.Deps)
	rep, err := g.Load(ctx, f, filepath.Base(c.Args[0]), func(read, loaded int) {
		fmt.Fprintf(c.Stderr, "%s read, %s stored\n", count(read, "row", "rows"), count(loaded, "address", "addresses"))
	})
	for i, r := range rep.Rejected {
		if i == maxReported {
			fmt.Fprintf(c.Stdout, "... and %d more rejected rows\n", len(rep.Rejected)-maxReported)
			break
		}
		fmt.Fprintf(c.Stdout, "row %d rejected: %s\n", r.Row, r.Reason)
	}
	if err != nil {
		if rep.Loaded > 0 {
			return fmt.Errorf("%w (%d addresses were stored before this)", err, rep.Loaded)
		}
		return err
	}
	n, err := g.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s read: %s stored, %s rejected. The gazetteer now holds %s.\n",
		count(rep.Rows, "row", "rows"), count(rep.Loaded, "address", "addresses"), count(len(rep.Rejected), "row", "rows"), count(n, "address", "addresses"))
	if len(rep.Rejected) > 0 {
		return errors.New("some rows were rejected (listed above); the other rows were stored")
	}
	return nil
}

func find(ctx context.Context, c *module.Call) error {
	as, err := newGazetteer(c.Deps).ByPostcode(ctx, c.Args[0])
	if err != nil {
		return err
	}
	if len(as) == 0 {
		pc, _ := gazetteer.NormalisePostcode(c.Args[0])
		fmt.Fprintf(c.Stdout, "No addresses for %s.\n", pc)
		return nil
	}
	for _, a := range as {
		line := a.Line1
		if a.Line2 != "" {
			line += ", " + a.Line2
		}
		fmt.Fprintf(c.Stdout, "%s\t%s, %s, %s\n", a.UPRN, line, a.Town, a.Postcode)
	}
	return nil
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
