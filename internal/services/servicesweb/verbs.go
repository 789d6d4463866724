package servicesweb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"dbtp/internal/module"
	"dbtp/internal/services/definition"
)

var verbs = []module.Verb{
	{Name: "services validate", Summary: "check service definition files and list every problem with its line",
		Args: "FILE...", NArgs: -1, Run: validateFiles},
	{Name: "services schema", Summary: "print the JSON Schema of service definitions, for editors and CI",
		Run: func(_ context.Context, c *module.Call) error {
			_, err := c.Stdout.Write(definition.Schema())
			return err
		}},
}

// validateFiles parses each file and reports all problems of all files on
// stdout (one per line, file:line:col: path: message, which editors and CI
// logs turn into links), then fails with one summary line.
func validateFiles(_ context.Context, c *module.Call) error {
	if len(c.Args) == 0 {
		return module.Usage("missing argument: usage is dbtp services validate FILE...")
	}
	bad := 0
	for _, name := range c.Args {
		d, err := parseFile(name)
		if err != nil {
			bad++
			fmt.Fprintln(c.Stdout, err)
			continue
		}
		fmt.Fprintf(c.Stdout, "ok: %s: %s\n", name, d)
	}
	switch {
	case bad == 1 && len(c.Args) == 1:
		return errors.New("the definition has problems")
	case bad == 1:
		return fmt.Errorf("1 of %d definitions has problems", len(c.Args))
	case bad > 1:
		return fmt.Errorf("%d of %d definitions have problems", bad, len(c.Args))
	}
	return nil
}

// parseFile reads at most one byte more than a definition may hold, so a
// huge file is refused by Parse without being read whole.
func parseFile(name string) (*definition.Definition, error) {
	fh, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: cannot read: %v", name, err)
	}
	defer fh.Close()
	src, err := io.ReadAll(io.LimitReader(fh, definition.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %v", name, err)
	}
	return definition.Parse(src, name)
}
