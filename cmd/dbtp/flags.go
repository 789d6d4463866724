package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"dbtp/internal/module"
)

// flags is a verb's module.Flags (every flag with a DBTP_* environment
// twin) plus what the CLI needs to parse and print them.
type flags struct {
	*module.Flags
	fs   *flag.FlagSet
	env  *cliEnv
	verb string
	args string // positional arguments, for the usage line
}

func newFlags(env *cliEnv, verb, args string) *flags {
	mf := module.NewFlags(verb, env.getenv)
	return &flags{Flags: mf, fs: mf.Set(), env: env, verb: verb, args: args}
}

// parse parses args. --help prints the usage and returns flag.ErrHelp; bad
// flags, bad environment values and unexpected arguments are usage errors.
func (f *flags) parse(args []string, positional int) ([]string, error) {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.printUsage(f.env.stdout)
			return nil, flag.ErrHelp
		}
		return nil, badUsage("%v (run dbtp %s --help)", err, f.verb)
	}
	if err := f.EnvError(); err != nil {
		return nil, badUsage("%v", err)
	}
	rest := f.fs.Args()
	if positional >= 0 && len(rest) != positional {
		if len(rest) > positional {
			return nil, badUsage("unexpected argument %q (run dbtp %s --help)", rest[positional], f.verb)
		}
		return nil, badUsage("missing argument: usage is dbtp %s %s", f.verb, f.args)
	}
	return rest, nil
}

func (f *flags) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: dbtp %s [flags] %s\n\n%s\n\nFlags:\n", f.verb, f.args, verbs[f.verb].summary)
	f.fs.VisitAll(func(fl *flag.Flag) {
		name, help := flag.UnquoteUsage(fl)
		line := "  --" + fl.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		extra := ""
		if fl.DefValue != "" && fl.DefValue != "false" && fl.DefValue != "0" {
			extra = " (default " + fl.DefValue + ")"
		}
		if envName := f.Twin(fl.Name); envName != "" {
			extra += " [" + envName + "]"
		}
		fmt.Fprintf(w, "      %s%s\n", help, extra)
	})
}

// required reports a missing required flag as a usage error.
func required(verb string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return badUsage("--%s is required (run dbtp %s --help)", pairs[i], verb)
		}
	}
	return nil
}

// dataConfig is where the platform's data lives; every verb that opens the
// database takes exactly these flags.
type dataConfig struct {
	Data        string
	DatabaseURL string
	Blob        blobConfig
}

func (f *flags) dataFlags(c *dataConfig) {
	f.String(&c.Data, "data", "DBTP_DATA", "./dbtp-data", "data folder: embedded database, audit signing key, files")
	f.String(&c.DatabaseURL, "database-url", "DBTP_DATABASE_URL", "", "postgres://... to use PostgreSQL; empty for the embedded database")
	f.blobFlags(&c.Blob)
}
