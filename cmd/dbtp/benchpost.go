package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"dbtp/internal/loadgen"
	"dbtp/internal/module"
)

// Modules' own scenarios for dbtp bench (module.Bencher): each is
// prepared in the bench organisation through the module's engine, then
// driven over HTTP against the running server once the app is closed.

// benchMixes lists the mixes the modules offer, by name.
func benchMixes(a *app) map[string]module.BenchMix {
	out := map[string]module.BenchMix{}
	for _, m := range a.mods {
		if b, ok := m.(module.Bencher); ok {
			for _, mix := range b.BenchMixes() {
				out[mix.Name] = mix
			}
		}
	}
	return out
}

// moduleMixHelp is the modules' part of --mix's help, from the list of
// modules every command opens (made here without opening anything).
func moduleMixHelp() string {
	var parts []string
	for _, m := range modules(&app{}) {
		if b, ok := m.(module.Bencher); ok {
			for _, mix := range b.BenchMixes() {
				parts = append(parts, mix.Name+": "+mix.Help+" at --concurrency, --rounds times")
			}
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// benchModuleMix prepares mix and drives it.
func benchModuleMix(ctx context.Context, env *cliEnv, a *app, mix module.BenchMix, base string, conc, rounds int, d time.Duration) error {
	org, sys, _, err := benchOrgAndPassword(ctx, a)
	if err != nil {
		return err
	}
	load, err := mix.Prepare(ctx, module.BenchEnv{Sys: sys, Unit: func(ctx context.Context, name string) (string, error) {
		if id, err := a.deps.Directory.UnitID(ctx, org.ID, name); err == nil && id != "" {
			return id, nil
		}
		u, err := a.identity.CreateUnit(ctx, sys, name)
		return u.ID, err
	}})
	if err != nil {
		return err
	}
	a.Close() // the server under test owns the database from here on
	for r := range max(1, rounds) {
		s := loadgen.Closed(ctx, conc, d, func(ctx context.Context, n int) error { return load.Send(ctx, base, n) })
		ok := s.Requests - s.Errors
		fmt.Fprintf(env.stdout, "%s round %d, %d at once:\n  %-28s %6d in %s = %6.0f/s; p50 %s p95 %s p99 %s; errors %d\n", mix.Name, r+1, conc,
			load.Label, ok, s.Elapsed.Round(time.Millisecond), float64(ok)/s.Elapsed.Seconds(), ms(s.P50), ms(s.P95), ms(s.P99), s.Errors)
		for reason, n := range s.Reasons {
			fmt.Fprintf(env.stdout, "    error %q x%d\n", reason, n)
		}
	}
	return nil
}
