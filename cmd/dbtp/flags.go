package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flags is a flag.FlagSet whose every flag has a DBTP_* environment twin:
// the environment gives the default, the command line wins.
type flags struct {
	fs      *flag.FlagSet
	env     *cliEnv
	verb    string
	args    string // positional arguments, for the usage line
	envErrs []error
	twins   map[string]string
}

func newFlags(env *cliEnv, verb, args string) *flags {
	fs := flag.NewFlagSet("dbtp "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flags{fs: fs, env: env, verb: verb, args: args, twins: map[string]string{}}
}

func (f *flags) envValue(name, envName string) (string, bool) {
	f.twins[name] = envName
	if envName == "" {
		return "", false
	}
	v := f.env.getenv(envName)
	return v, v != ""
}

func (f *flags) String(p *string, name, envName, def, help string) {
	if v, ok := f.envValue(name, envName); ok {
		def = v
	}
	f.fs.StringVar(p, name, def, help)
}

func (f *flags) Int(p *int, name, envName string, def int, help string) {
	if v, ok := f.envValue(name, envName); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q is not a whole number", envName, v))
		} else {
			def = n
		}
	}
	f.fs.IntVar(p, name, def, help)
}

func (f *flags) Duration(p *time.Duration, name, envName string, def time.Duration, help string) {
	if v, ok := f.envValue(name, envName); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q is not a duration such as 30m or 12h", envName, v))
		} else {
			def = d
		}
	}
	f.fs.DurationVar(p, name, def, help)
}

func (f *flags) Bool(p *bool, name, envName string, def bool, help string) {
	if v, ok := f.envValue(name, envName); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q is not true or false", envName, v))
		} else {
			def = b
		}
	}
	f.fs.BoolVar(p, name, def, help)
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
	if len(f.envErrs) > 0 {
		return nil, badUsage("%v", f.envErrs[0])
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
		if envName := f.twins[fl.Name]; envName != "" {
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
}

func (f *flags) dataFlags(c *dataConfig) {
	f.String(&c.Data, "data", "DBTP_DATA", "./dbtp-data", "data folder: embedded database, audit signing key, files")
	f.String(&c.DatabaseURL, "database-url", "DBTP_DATABASE_URL", "", "postgres://... to use PostgreSQL; empty for the embedded database")
}
