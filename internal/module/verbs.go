package module

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Verb is a CLI command a module adds to dbtp.
type Verb struct {
	Name    string // one or two words, e.g. "jobs list"
	Summary string // one line for dbtp --help
	Args    string // positional arguments for the usage line, e.g. "FILE..."
	NArgs   int    // how many positional arguments; -1 for any number
	// Flags adds the verb's own flags. Every flag has an environment twin.
	Flags func(f *Flags)
	// Open asks for the platform to be opened: Run then gets Deps, and the
	// verb accepts the data folder and database flags.
	Open bool
	Run  func(ctx context.Context, c *Call) error
}

// Call is one run of a verb.
type Call struct {
	Stdout, Stderr io.Writer
	Args           []string
	Deps           *Deps // set when the verb asked to Open the platform
}

// UsageError marks bad flags or arguments: the CLI exits with status 2.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usage returns a UsageError.
func Usage(format string, a ...any) error { return UsageError{fmt.Sprintf(format, a...)} }

// Flags is a flag set whose every flag has a DBTP_* environment twin: the
// environment gives the default, the command line wins.
type Flags struct {
	fs      *flag.FlagSet
	getenv  func(string) string
	envErrs []error
	twins   map[string]string
}

// NewFlags returns an empty flag set for verb, reading twins with getenv.
func NewFlags(verb string, getenv func(string) string) *Flags {
	fs := flag.NewFlagSet("dbtp "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &Flags{fs: fs, getenv: getenv, twins: map[string]string{}}
}

// Set is the underlying flag set, for parsing and listing.
func (f *Flags) Set() *flag.FlagSet { return f.fs }

// Twin names the environment variable of flag name, or "".
func (f *Flags) Twin(name string) string { return f.twins[name] }

// EnvError is the first environment value that could not be read.
func (f *Flags) EnvError() error {
	if len(f.envErrs) > 0 {
		return f.envErrs[0]
	}
	return nil
}

func (f *Flags) envValue(name, envName string) (string, bool) {
	f.twins[name] = envName
	if envName == "" {
		return "", false
	}
	v := f.getenv(envName)
	return v, v != ""
}

func (f *Flags) String(p *string, name, envName, def, help string) {
	if v, ok := f.envValue(name, envName); ok {
		def = v
	}
	f.fs.StringVar(p, name, def, help)
}

func (f *Flags) Int(p *int, name, envName string, def int, help string) {
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

func (f *Flags) Duration(p *time.Duration, name, envName string, def time.Duration, help string) {
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

func (f *Flags) Bool(p *bool, name, envName string, def bool, help string) {
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
