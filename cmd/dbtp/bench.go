package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/loadgen"
	"dbtp/internal/platform"
)

// cmdBench prepares load-test users in an organisation of their own (once per
// data folder), then drives a running server through loadgen and prints the
// figures docs/performance.md records.
func cmdBench(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "bench", "")
	var url string
	var users, signInConc int
	var rate, apiShare float64
	var duration time.Duration
	var rateStr, shareStr string
	f.String(&url, "url", "DBTP_BENCH_URL", "http://127.0.0.1:8080", "base URL of the running server to drive")
	f.Int(&users, "users", "", 200, "people to sign in (created once in the bench organisation)")
	f.Int(&signInConc, "sign-in-concurrency", "", 8, "sign-ins in parallel")
	f.String(&rateStr, "rate", "", "100", "requests per second in the steady phase (open model)")
	f.Duration(&duration, "duration", "", 30*time.Second, "length of the steady phase")
	f.String(&shareStr, "api-share", "", "0.2", "fraction of requests that are API calls (0 to 1)")
	return withApp(ctx, env, f, args, 0, func(a *app, _ []string) error {
		if _, err := fmt.Sscan(rateStr, &rate); err != nil || rate < 0 {
			return badUsage("--rate must be a number of requests per second")
		}
		if _, err := fmt.Sscan(shareStr, &apiShare); err != nil || apiShare < 0 || apiShare > 1 {
			return badUsage("--api-share must be between 0 and 1")
		}
		if users < 1 {
			return badUsage("--users must be at least 1")
		}
		progress := func(format string, args ...any) { fmt.Fprintf(env.stderr, "bench: "+format+"\n", args...) }
		creds, token, err := benchUsers(ctx, a, users, progress)
		if err != nil {
			return err
		}
		a.Close() // the server under test owns the database from here on
		res, err := loadgen.Run(ctx, loadgen.Config{
			BaseURL: strings.TrimRight(url, "/"), Users: creds, SignInConc: signInConc,
			Rate: rate, Duration: duration, Pages: []string{"/", "/account", "/tokens"},
			APIPaths: []string{"/api/v1/me", "/api/v1/business-units"}, APIToken: token, APIShare: apiShare,
			Progress: progress,
		})
		printBench(env, res)
		return err
	})
}

const benchOrg = "bench"

// benchUsers creates (or finds) the bench organisation and its users. They
// share one generated password kept in the data folder, so a second run can
// sign them in again without hashing thousands of passwords anew.
func benchUsers(ctx context.Context, a *app, n int, progress func(string, ...any)) ([]loadgen.Credential, string, error) {
	org, err := a.identity.OrgBySlug(ctx, benchOrg)
	if err != nil {
		if org, err = a.identity.CreateOrg(ctx, cliSubject(), identity.NewOrg{Slug: benchOrg, Name: "Load test organisation", Kind: platform.OrgPartner}); err != nil {
			return nil, "", err
		}
	}
	sys := platform.System(org.ID)
	sys.Name, sys.Addr = "dbtp bench", "cli"
	pwFile := filepath.Join(filepath.Dir(a.db.Path()), "bench-password")
	pw := ""
	if b, err := os.ReadFile(pwFile); err == nil {
		pw = strings.TrimSpace(string(b))
	} else {
		pw = identity.GeneratePassword()
		if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
			return nil, "", err
		}
	}
	existing := map[string]string{}
	after := ""
	for {
		page, err := a.identity.ListUsers(ctx, sys, identity.UserFilter{After: after, Limit: 200})
		if err != nil {
			return nil, "", err
		}
		for _, u := range page.Users {
			existing[u.Email] = u.ID
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	creds := make([]loadgen.Credential, n)
	var missing []int
	for i := range n {
		email := fmt.Sprintf("user%05d@bench.example", i)
		creds[i] = loadgen.Credential{Org: benchOrg, Email: email, Password: pw}
		if existing[email] == "" {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		progress("creating %d bench users (argon2id hashing; once per data folder)", len(missing))
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		next := make(chan int)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					u, err := a.identity.CreateUser(ctx, sys, identity.NewUser{Email: creds[i].Email, Name: fmt.Sprintf("Bench user %d", i),
						Roles: []platform.Role{platform.RoleStaff}, Password: pw})
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					existing[creds[i].Email] = u.ID
					mu.Unlock()
				}
			}()
		}
		for _, i := range missing {
			next <- i
		}
		close(next)
		wg.Wait()
		if firstErr != nil {
			return nil, "", firstErr
		}
	}
	ct, err := a.identity.CreateTokenFor(ctx, sys, existing[creds[0].Email], identity.NewToken{Name: "bench", Scopes: []string{"read"}, ExpiresIn: 2 * time.Hour})
	if err != nil {
		return nil, "", err
	}
	return creds, ct.Secret, nil
}

func printBench(env *cliEnv, r loadgen.Result) {
	w := env.stdout
	s := r.SignIn
	fmt.Fprintf(w, "sign-in: %d signed in in %s = %.1f/s; p50 %s p95 %s p99 %s; errors %d\n",
		r.SignedIn, s.Elapsed.Round(time.Millisecond), r.SignInPerSec, ms(s.P50), ms(s.P95), ms(s.P99), s.Errors)
	if st := r.Steady; st.Requests > 0 {
		fmt.Fprintf(w, "steady: %d requests in %s = %.0f/s (scheduled %.0f/s); p50 %s p95 %s p99 %s max %s; errors %d (%.3f%%)\n",
			st.Requests, st.Elapsed.Round(time.Millisecond), st.Throughput, st.ScheduledPerSec, ms(st.P50), ms(st.P95), ms(st.P99), ms(st.Max), st.Errors, 100*st.ErrorRate)
		for reason, n := range st.Reasons {
			fmt.Fprintf(w, "  error %q x%d\n", reason, n)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
