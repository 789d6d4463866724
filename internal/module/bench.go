package module

import (
	"context"

	"dbtp/internal/platform"
)

// Bencher is a module with load scenarios of its own for `dbtp bench
// --mix NAME`, beside the kernel's case-management mixes. The command
// prepares each in the bench organisation through the module's engine,
// closes the database (the server under test owns it from then on) and
// drives Send from --concurrency callers at once, --rounds times.
type Bencher interface {
	BenchMixes() []BenchMix
}

// BenchMix is one scenario.
type BenchMix struct {
	Name string // the --mix value
	Help string // one line for dbtp bench --help
	// Prepare makes what the scenario needs (once, or afresh each run
	// where a secret is only known when made) and returns the load.
	Prepare func(ctx context.Context, env BenchEnv) (BenchLoad, error)
}

// BenchEnv is the bench organisation, seen from the engines.
type BenchEnv struct {
	Sys *platform.Subject // a system subject of the bench organisation
	// Unit finds the organisation's business unit of that name, making it
	// when missing.
	Unit func(ctx context.Context, name string) (string, error)
}

// BenchLoad is what one caller does again and again.
type BenchLoad struct {
	Label string // what one request is, in the report ("Notify API email sends")
	// Send makes request n against the server at base and returns an
	// error unless it succeeded.
	Send func(ctx context.Context, base string, n int) error
}
