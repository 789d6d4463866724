package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"dbtp/internal/loadgen"
)

// cmdBench prepares the bench organisation (once per data folder), then
// drives a running server through loadgen and prints the figures
// docs/performance.md records.
func cmdBench(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "bench", "")
	var url, mix string
	var users, cases, signInConc int
	var rate, staffShare float64
	var duration time.Duration
	var rateStr, staffStr string
	f.String(&url, "url", "DBTP_BENCH_URL", "http://127.0.0.1:8080", "base URL of the running server to drive")
	f.Int(&users, "users", "", 200, "people to sign in (created once in the bench organisation): staff and residents")
	f.String(&staffStr, "staff-share", "", "0.25", "fraction of --users who are staff (caseworkers, one in ten a manager); the rest are residents")
	f.Int(&cases, "cases", "", 22000, "complaints the bench organisation holds before the run (submitted once through the engine)")
	f.String(&mix, "mix", "", "real", "real: staff queue and case pages, transitions, the portal and the API; pages: the home, account and tokens pages and two API reads")
	f.Int(&signInConc, "sign-in-concurrency", "", 8, "sign-ins in parallel")
	f.String(&rateStr, "rate", "", "100", "scenarios started per second in the steady phase (open model)")
	f.Duration(&duration, "duration", "", 30*time.Second, "length of the steady phase")
	return withApp(ctx, env, f, args, 0, func(a *app, _ []string) error {
		if _, err := fmt.Sscan(rateStr, &rate); err != nil || rate < 0 {
			return badUsage("--rate must be a number of scenarios per second")
		}
		if _, err := fmt.Sscan(staffStr, &staffShare); err != nil || staffShare <= 0 || staffShare >= 1 {
			return badUsage("--staff-share must be between 0 and 1")
		}
		if users < 2 {
			return badUsage("--users must be at least 2")
		}
		if mix != "real" && mix != "pages" {
			return badUsage("--mix must be real or pages")
		}
		progress := func(format string, args ...any) { fmt.Fprintf(env.stderr, "bench: "+format+"\n", args...) }
		staff := max(1, int(float64(users)*staffShare+0.5))
		world, err := prepareBench(ctx, a, benchPlan{staff: staff, residents: max(1, users-staff), cases: cases}, progress)
		if err != nil {
			return err
		}
		a.Close() // the server under test owns the database from here on
		cfg := loadgen.Config{BaseURL: strings.TrimRight(url, "/"), Users: world.creds, SignInConc: signInConc,
			Rate: rate, Duration: duration, Progress: progress}
		if mix == "real" {
			progress("%d complaints (%d open) in the bench organisation", len(world.mix.CaseIDs), world.open)
			cfg.Scenarios = world.mix.Scenarios()
		} else {
			cfg.Pages = []string{"/", "/account", "/tokens"}
			cfg.APIPaths, cfg.APIToken, cfg.APIShare = []string{"/api/v1/me", "/api/v1/business-units"}, world.mix.ReadToken, 0.2
		}
		res, err := loadgen.Run(ctx, cfg)
		printBench(env, res)
		return err
	})
}

const benchOrg = "bench"

func printBench(env *cliEnv, r loadgen.Result) {
	w := env.stdout
	s := r.SignIn
	fmt.Fprintf(w, "sign-in: %d signed in in %s = %.1f/s; p50 %s p95 %s p99 %s; errors %d\n",
		r.SignedIn, s.Elapsed.Round(time.Millisecond), r.SignInPerSec, ms(s.P50), ms(s.P95), ms(s.P99), s.Errors)
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
