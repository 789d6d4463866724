// Command dbtp is the Digital Business Technology Platform: one binary that
// serves the council's digital services and administers them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"dbtp/internal/module"
)

// verb is one sub-command. Sub-verbs (org add) are verbs named "org add".
type verb struct {
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv carries what a verb writes to and reads its configuration from, so
// tests can run verbs in-process.
type cliEnv struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

var verbs map[string]verb

func init() {
	verbs = map[string]verb{
		"serve":               {"run the platform's web server", cmdServe},
		"demo":                {"start the platform with demonstration data on the embedded database", cmdDemo},
		"migrate":             {"apply pending database migrations and exit", cmdMigrate},
		"version":             {"print the version", cmdVersion},
		"org add":             {"add an organisation", cmdOrgAdd},
		"org list":            {"list organisations", cmdOrgList},
		"user add":            {"add a user to an organisation", cmdUserAdd},
		"user list":           {"list an organisation's users", cmdUserList},
		"user disable":        {"disable a user, ending their sessions and tokens", cmdUserDisable},
		"user reset-password": {"set a new generated password for a user", cmdUserResetPassword},
		"token create":        {"create an API token for a user (shown once)", cmdTokenCreate},
		"token list":          {"list a user's API tokens", cmdTokenList},
		"token revoke":        {"revoke an API token", cmdTokenRevoke},
		"audit verify":        {"recompute the audit log's Merkle tree and check its signed heads", cmdAuditVerify},
		"blob key":            {"make a new master key file for stored files", cmdBlobKey},
		"blob verify":         {"read every stored file in full and name any that is damaged, missing or under another key", cmdBlobVerify},
		"blob rotate-key":     {"re-wrap every stored file's data key under a new master key (resumable)", cmdBlobRotateKey},
		"bench":               {"drive load against a running server and report latency", cmdBench},
	}
	for _, m := range modules(&app{}) {
		for _, v := range m.Verbs() {
			verbs[v.Name] = verb{v.Summary, moduleVerb(v)}
		}
	}
}

// moduleVerb runs a verb a module declares: its flags (plus the data
// folder's when it opens the platform), its positional arguments, and Run.
func moduleVerb(v module.Verb) func(ctx context.Context, env *cliEnv, args []string) error {
	return func(ctx context.Context, env *cliEnv, args []string) error {
		f := newFlags(env, v.Name, v.Args)
		if v.Flags != nil {
			v.Flags(f.Flags)
		}
		call := &module.Call{Stdout: env.stdout, Stderr: env.stderr}
		if !v.Open {
			rest, err := f.parse(args, v.NArgs)
			if err != nil {
				return err
			}
			call.Args = rest
			return v.Run(ctx, call)
		}
		return withApp(ctx, env, f, args, v.NArgs, func(a *app, rest []string) error {
			call.Args, call.Deps = rest, a.deps
			return userError(v.Run(ctx, call))
		})
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cliEnv{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run dispatches args to a verb and turns its error into one line and an exit code.
func run(ctx context.Context, env *cliEnv, args []string) int {
	name, rest := findVerb(args)
	if name == "" {
		if len(args) == 0 || isHelp(args[0]) {
			usage(env.stdout, "")
			return 0
		}
		if group := groupOf(args[0]); group != "" && (len(args) == 1 || isHelp(args[1])) {
			usage(env.stdout, group)
			return 0
		}
		fmt.Fprintf(env.stderr, "dbtp: unknown command %q (run dbtp --help)\n", strings.Join(firstWords(args), " "))
		return 2
	}
	err := verbs[name].run(ctx, env, rest)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		var ue module.UsageError
		fmt.Fprintf(env.stderr, "dbtp %s: %s\n", name, oneLine(err.Error()))
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
}

// badUsage reports bad flags or arguments (exit status 2).
func badUsage(format string, a ...any) error { return module.Usage(format, a...) }

func findVerb(args []string) (string, []string) {
	if len(args) >= 2 {
		if _, ok := verbs[args[0]+" "+args[1]]; ok {
			return args[0] + " " + args[1], args[2:]
		}
	}
	if len(args) >= 1 {
		if _, ok := verbs[args[0]]; ok {
			return args[0], args[1:]
		}
	}
	return "", args
}

func groupOf(w string) string {
	for name := range verbs {
		if strings.HasPrefix(name, w+" ") {
			return w
		}
	}
	return ""
}

func firstWords(args []string) []string {
	if len(args) > 2 {
		return args[:2]
	}
	return args
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" || s == "help" }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func usage(w io.Writer, group string) {
	if group == "" {
		fmt.Fprint(w, "dbtp: the council's Digital Business Technology Platform\n\nUsage: dbtp <command> [flags]\n\nCommands:\n")
	} else {
		fmt.Fprintf(w, "Usage: dbtp %s <command> [flags]\n\nCommands:\n", group)
	}
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		if group == "" || strings.HasPrefix(n, group+" ") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, verbs[n].summary)
	}
	fmt.Fprint(w, "\nRun dbtp <command> --help for its flags. Every flag has a DBTP_* environment twin.\n")
}
