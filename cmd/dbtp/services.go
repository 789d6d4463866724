package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"dbtp/internal/services/definition"
)

// The services verbs register themselves here rather than in main.go so the
// definition language can grow its tools without touching the verb table.
// Go runs init functions in file-name order within a package, so main.go's
// init has built the map by the time this one runs; the CLI tests would fail
// if that ever changed.
func init() {
	verbs["services validate"] = verb{"check service definition files and list every problem with its line", cmdServicesValidate}
	verbs["services schema"] = verb{"print the JSON Schema of service definitions, for editors and CI", cmdServicesSchema}
}

// cmdServicesValidate parses each file and reports all problems of all
// files on stdout (one per line, file:line:col: path: message, which editors
// and CI logs turn into links), then fails with one summary line.
func cmdServicesValidate(_ context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "services validate", "FILE...")
	files, err := f.parse(args, -1)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return badUsage("missing argument: usage is dbtp services validate FILE...")
	}
	bad := 0
	for _, name := range files {
		d, err := parseFile(name)
		if err != nil {
			bad++
			fmt.Fprintln(env.stdout, err)
			continue
		}
		fmt.Fprintf(env.stdout, "ok: %s: %s\n", name, d)
	}
	switch {
	case bad == 1 && len(files) == 1:
		return errors.New("the definition has problems")
	case bad == 1:
		return fmt.Errorf("1 of %d definitions has problems", len(files))
	case bad > 1:
		return fmt.Errorf("%d of %d definitions have problems", bad, len(files))
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

func cmdServicesSchema(_ context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "services schema", "")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	_, err := env.stdout.Write(definition.Schema())
	return err
}
