package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/loadgen"
)

// cmdBench prepares the bench organisation (once per data folder), then
// drives a running server through loadgen and prints the figures
// docs/performance.md records.
func cmdBench(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "bench", "")
	var url, mix string
	var users, cases, signInConc, conc, rounds int
	var pbURL, pbAdmin string
	var rate, staffShare, apiShare float64
	var duration time.Duration
	var rateStr, staffStr, shareStr string
	f.String(&url, "url", "DBTP_BENCH_URL", "http://127.0.0.1:8080", "base URL of the running server to drive")
	f.Int(&users, "users", "", 200, "people to sign in (created once in the bench organisation): staff and residents")
	f.String(&staffStr, "staff-share", "", "0.25", "fraction of --users who are staff (caseworkers, one in ten a manager); the rest are residents")
	f.Int(&cases, "cases", "", 22000, "complaints the bench organisation holds before the run (submitted once through the engine)")
	f.String(&mix, "mix", "", "real", "real: staff queue and case pages, transitions, the portal and the API; pages: the home, account and tokens pages and two API reads; write: complaints submitted through the API at --concurrency, beside PocketBase record creates when --pocketbase is set; "+moduleMixHelp())
	f.Int(&conc, "concurrency", "", 32, "write mix: submissions in flight at once (closed model)")
	f.Int(&rounds, "rounds", "", 2, "write mix: rounds of dbtp then PocketBase, each --duration long")
	f.String(&pbURL, "pocketbase", "", "", "write mix: base URL of a PocketBase server with a fresh data directory, to compare against")
	f.String(&pbAdmin, "pocketbase-admin", "", "", "write mix: that PocketBase's superuser, as email:password")
	f.String(&shareStr, "api-share", "", "0.2", "pages mix: fraction of requests that are API calls (0 to 1)")
	f.Int(&signInConc, "sign-in-concurrency", "", 8, "sign-ins in parallel")
	f.String(&rateStr, "rate", "", "100", "scenarios started per second in the steady phase (open model); several, comma-separated, run one phase each with the same signed-in users")
	f.Duration(&duration, "duration", "", 30*time.Second, "length of the steady phase")
	return withApp(ctx, env, f, args, 0, func(a *app, _ []string) error {
		var more []float64
		for i, r := range strings.Split(rateStr, ",") {
			var v float64
			if _, err := fmt.Sscan(strings.TrimSpace(r), &v); err != nil || v < 0 {
				return badUsage("--rate must be a number of scenarios per second, or several separated by commas")
			}
			if i == 0 {
				rate = v
			} else {
				more = append(more, v)
			}
		}
		if _, err := fmt.Sscan(staffStr, &staffShare); err != nil || staffShare <= 0 || staffShare >= 1 {
			return badUsage("--staff-share must be between 0 and 1")
		}
		if _, err := fmt.Sscan(shareStr, &apiShare); err != nil || apiShare < 0 || apiShare > 1 {
			return badUsage("--api-share must be between 0 and 1")
		}
		if users < 2 {
			return badUsage("--users must be at least 2")
		}
		progress := func(format string, args ...any) { fmt.Fprintf(env.stderr, "bench: "+format+"\n", args...) }
		if m, ok := benchMixes(a)[mix]; ok { // a module's own (benchpost.go)
			return benchModuleMix(ctx, env, a, m, strings.TrimRight(url, "/"), conc, rounds, duration)
		}
		if mix != "real" && mix != "pages" && mix != "write" {
			names := slices.Sorted(maps.Keys(benchMixes(a)))
			return badUsage("--mix must be one of real, pages, write, %s", strings.Join(names, ", "))
		}
		staff := max(1, int(float64(users)*staffShare+0.5))
		world, err := prepareBench(ctx, a, benchPlan{staff: staff, residents: max(1, users-staff), cases: cases}, progress)
		if err != nil {
			return err
		}
		if err := waitForBackground(ctx, a.jobs, progress); err != nil {
			return err
		}
		a.Close() // the server under test owns the database from here on
		if mix == "write" {
			return benchWrites(ctx, env, strings.TrimRight(url, "/"), world.mix.WriteToken, pbURL, pbAdmin, conc, rounds, duration)
		}
		cfg := loadgen.Config{BaseURL: strings.TrimRight(url, "/"), Users: world.creds, SignInConc: signInConc,
			Rate: rate, MoreRates: more, Duration: duration, Progress: progress}
		if mix == "real" {
			progress("%d complaints (%d open) in the bench organisation", len(world.mix.CaseIDs), world.open)
			cfg.Scenarios = world.mix.Scenarios()
		} else {
			cfg.Pages = []string{"/", "/account", "/tokens"}
			cfg.APIPaths, cfg.APIToken, cfg.APIShare = []string{"/api/v1/me", "/api/v1/business-units"}, world.mix.ReadToken, apiShare
		}
		res, err := loadgen.Run(ctx, cfg)
		printBench(env, res)
		return err
	})
}

const benchOrg = "bench"

// waitForBackground waits while the running server works the background
// jobs the setup left (each complaint submitted enqueues its event's
// deliveries and its email), so that the steady phase measures the mix
// and the work it causes itself, not a backlog of 22,000 submissions
// that in a council would have come over months. Jobs no node here can
// run (mail with no relay) are not waited for.
func waitForBackground(ctx context.Context, q *jobs.Queue, progress func(string, ...any)) error {
	const enough = 50 // what a quiet server has due at any moment
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	start, said, last := time.Now(), time.Time{}, -1
	for {
		n, err := q.Due(ctx)
		if err != nil {
			return err
		}
		if n <= enough {
			if !said.IsZero() {
				progress("the server worked the setup's background jobs in %s", time.Since(start).Round(time.Second))
			}
			return nil
		}
		if time.Since(said) >= 10*time.Second {
			hint := ""
			if last >= 0 && n >= last {
				hint = " (none worked since the last look: is the server running, and does it send email? See docs/performance.md)"
			}
			progress("waiting for the server to work the setup's background jobs: %d due%s", n, hint)
			said, last = time.Now(), n
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// benchWrites measures complaints submitted through dbtp's API against
// record creates with an auth rule on PocketBase, at the same concurrency,
// in alternating rounds so a busy moment on the machine falls on both.
func benchWrites(ctx context.Context, env *cliEnv, base, token, pbURL, pbAdmin string, conc, rounds int, d time.Duration) error {
	dbtp := loadgen.Submitter(base, token)
	var pb *loadgen.Client
	if pbURL != "" {
		email, pw, ok := strings.Cut(pbAdmin, ":")
		if !ok {
			return badUsage("--pocketbase-admin must be email:password")
		}
		var err error
		if pb, err = loadgen.PocketBase(ctx, strings.TrimRight(pbURL, "/"), email, pw); err != nil {
			return err
		}
	}
	line := func(name string, s loadgen.Summary) {
		fmt.Fprintf(env.stdout, "  %-28s %6d in %s = %6.0f/s; p50 %s p95 %s p99 %s; errors %d\n",
			name, s.Requests-s.Errors, s.Elapsed.Round(time.Millisecond), float64(s.Requests-s.Errors)/s.Elapsed.Seconds(), ms(s.P50), ms(s.P95), ms(s.P99), s.Errors)
		reasons := make([]string, 0, len(s.Reasons))
		for r := range s.Reasons {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Fprintf(env.stdout, "    error %q x%d\n", r, s.Reasons[r])
		}
	}
	rate := func(s loadgen.Summary) float64 { return float64(s.Requests-s.Errors) / s.Elapsed.Seconds() }
	var ours, theirs float64
	for r := range max(1, rounds) {
		fmt.Fprintf(env.stdout, "write round %d, %d at once:\n", r+1, conc)
		s := loadgen.Closed(ctx, conc, d, func(ctx context.Context, n int) error { return loadgen.Submit(ctx, dbtp, n) })
		line("dbtp API case submissions", s)
		ours += rate(s)
		if pb != nil {
			s = loadgen.Closed(ctx, conc, d, func(ctx context.Context, n int) error { return loadgen.PocketBaseCreate(ctx, pb, n) })
			line("PocketBase record creates", s)
			theirs += rate(s)
		}
	}
	if theirs > 0 {
		fmt.Fprintf(env.stdout, "dbtp / PocketBase: %.2fx\n", ours/theirs)
	}
	return nil
}

func printBench(env *cliEnv, r loadgen.Result) {
	w := env.stdout
	s := r.SignIn
	fmt.Fprintf(w, "sign-in: %d signed in in %s = %.1f/s; p50 %s p95 %s p99 %s; errors %d\n",
		r.SignedIn, s.Elapsed.Round(time.Millisecond), r.SignInPerSec, ms(s.P50), ms(s.P95), ms(s.P99), s.Errors)
	printSteady(env, r)
	for _, m := range r.More {
		printSteady(env, m)
	}
}

func printSteady(env *cliEnv, r loadgen.Result) {
	w := env.stdout
	st := r.Steady
	if st.Requests == 0 {
		return
	}
	fmt.Fprintf(w, "steady: %d scenarios in %s = %.0f/s (scheduled %.0f/s), %d HTTP requests = %.0f/s; p50 %s p95 %s p99 %s max %s; errors %d (%.3f%%); conflicts %d\n",
		st.Requests, st.Elapsed.Round(time.Millisecond), st.Throughput, st.ScheduledPerSec, r.HTTPRequests, float64(r.HTTPRequests)/st.Elapsed.Seconds(),
		ms(st.P50), ms(st.P95), ms(st.P99), ms(st.Max), st.Errors, 100*st.ErrorRate, st.Conflicts)
	for _, p := range r.PerScenario {
		fmt.Fprintf(w, "  %-17s %7d = %6.1f/s; p50 %7s p95 %7s p99 %7s max %7s; errors %d; conflicts %d\n",
			p.Name, p.Requests, p.Throughput, ms(p.P50), ms(p.P95), ms(p.P99), ms(p.Max), p.Errors, p.Conflicts)
	}
	reasons := make([]string, 0, len(st.Reasons))
	for reason := range st.Reasons {
		reasons = append(reasons, reason)
	}
	sort.Strings(reasons)
	for _, reason := range reasons {
		fmt.Fprintf(w, "  error %q x%d\n", reason, st.Reasons[reason])
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
