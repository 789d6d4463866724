package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
)

// quietLog is the logger for administrative verbs: warnings and errors only,
// on stderr, so stdout stays clean for scripts.
func quietLog(env *cliEnv) *slog.Logger {
	return slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// withApp parses the shared data flags plus the verb's own, opens the
// platform and runs fn.
func withApp(ctx context.Context, env *cliEnv, f *flags, args []string, positional int,
	fn func(a *app, rest []string) error) error {
	var dc dataConfig
	var auditKey string
	f.dataFlags(&dc)
	f.String(&auditKey, "audit-key", "DBTP_AUDIT_KEY", "", "audit signing key shared by several nodes (default: key file in the data folder)")
	rest, err := f.parse(args, positional)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, dc, appOptions{auditKey: auditKey}, quietLog(env))
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a, rest)
}

// withOrg is withApp for verbs that act inside one organisation: it adds the
// --org flag and hands fn the CLI's subject there.
func withOrg(ctx context.Context, env *cliEnv, f *flags, args []string, positional int,
	fn func(a *app, sub *platform.Subject, rest []string) error) error {
	var org string
	f.String(&org, "org", "DBTP_ORG", "", "organisation short name (required)")
	return withApp(ctx, env, f, args, positional, func(a *app, rest []string) error {
		sub, _, err := a.orgSubject(ctx, org)
		if err != nil {
			return err
		}
		return fn(a, sub, rest)
	})
}

// withOrgUser is withOrg for verbs whose one argument names a user.
func withOrgUser(ctx context.Context, env *cliEnv, f *flags, args []string,
	fn func(a *app, sub *platform.Subject, u identity.User) error) error {
	return withOrg(ctx, env, f, args, 1, func(a *app, sub *platform.Subject, rest []string) error {
		u, err := findUser(ctx, a, sub, rest[0])
		if err != nil {
			return err
		}
		return fn(a, sub, u)
	})
}

func table(env *cliEnv, header string, rows [][]string) {
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
}

// userError turns a platform error into one line naming the bad fields.
func userError(err error) error {
	if err == nil {
		return nil
	}
	e := platform.AsError(err)
	if e.Code == platform.CodeInternal {
		return err
	}
	msg := e.Message
	for _, f := range e.Fields {
		msg += "; " + f.Field + ": " + f.Message
	}
	return fmt.Errorf("%s", msg)
}

func cmdMigrate(ctx context.Context, env *cliEnv, args []string) error {
	return withApp(ctx, env, newFlags(env, "migrate", ""), args, 0, func(a *app, _ []string) error {
		if len(a.applied) == 0 {
			fmt.Fprintln(env.stdout, "database is up to date")
			return nil
		}
		for _, m := range a.applied {
			fmt.Fprintf(env.stdout, "applied %s %s\n", m.Module, m.Name)
		}
		return nil
	})
}

func cmdOrgAdd(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "org add", "")
	var in identity.NewOrg
	var kind string
	f.String(&in.Slug, "slug", "", "", "short name used in sign-in addresses, e.g. kent (required)")
	f.String(&in.Name, "name", "", "", "full name, e.g. \"Kent County Council\" (required)")
	f.String(&kind, "kind", "", "council", "council, trading-company or partner")
	return withApp(ctx, env, f, args, 0, func(a *app, _ []string) error {
		if err := required("org add", "slug", in.Slug, "name", in.Name); err != nil {
			return err
		}
		in.Kind = platform.OrgKind(kind)
		org, err := a.identity.CreateOrg(ctx, cliSubject(), in)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(env.stdout, "added organisation %s (%s) %s\n", org.Slug, org.Kind, org.ID)
		return nil
	})
}

// cliSubject is the platform operator at the command line, outside any one
// organisation: allowed to manage organisations, audited as the CLI.
func cliSubject() *platform.Subject {
	s := platform.System("")
	s.Name, s.Addr = "dbtp CLI", "cli"
	return s
}

func cmdOrgList(ctx context.Context, env *cliEnv, args []string) error {
	return withApp(ctx, env, newFlags(env, "org list", ""), args, 0, func(a *app, _ []string) error {
		orgs, err := a.identity.ListOrgs(ctx, cliSubject())
		if err != nil {
			return userError(err)
		}
		if len(orgs) == 0 {
			fmt.Fprintln(env.stdout, "no organisations yet: add one with dbtp org add --slug kent --name \"Kent County Council\"")
			return nil
		}
		var rows [][]string
		for _, o := range orgs {
			rows = append(rows, []string{o.Slug, o.Name, string(o.Kind), o.ID})
		}
		table(env, "SLUG\tNAME\tKIND\tID", rows)
		return nil
	})
}

func cmdUserAdd(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "user add", "")
	var roles, units string
	var in identity.NewUser
	f.String(&in.Email, "email", "", "", "email address (required)")
	f.String(&in.Name, "name", "", "", "display name (required)")
	f.String(&roles, "roles", "", "staff", "comma-separated roles: admin, manager, caseworker, records, designer, staff, resident, partner")
	f.String(&units, "units", "", "", "comma-separated business unit names or IDs")
	return withOrg(ctx, env, f, args, 0, func(a *app, sub *platform.Subject, _ []string) error {
		if err := required("user add", "email", in.Email, "name", in.Name); err != nil {
			return err
		}
		var err error
		if in.Roles, err = parseRoles(roles); err != nil {
			return err
		}
		if in.BusinessUnits, err = resolveUnits(ctx, a, sub, units); err != nil {
			return err
		}
		in.Password = identity.GeneratePasswordFor(in.Email, in.Name)
		u, err := a.identity.CreateUser(ctx, sub, in)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(env.stdout, "added %s (%s) %s\npassword: %s\n(shown once; admins must set up a TOTP authenticator at first sign-in)\n",
			u.Email, joinRoles(u.Roles), u.ID, in.Password)
		return nil
	})
}

func parseRoles(s string) ([]platform.Role, error) {
	var out []platform.Role
	for _, r := range splitList(s) {
		role, ok := platform.ParseRole(r)
		if !ok {
			return nil, badUsage("unknown role %q: use admin, manager, caseworker, records, designer, staff, resident or partner", r)
		}
		out = append(out, role)
	}
	if len(out) == 0 {
		return nil, badUsage("--roles needs at least one role")
	}
	return out, nil
}

func joinRoles(rs []platform.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// resolveUnits accepts unit names (case-insensitive) or IDs.
func resolveUnits(ctx context.Context, a *app, sub *platform.Subject, s string) ([]string, error) {
	var out []string
	for _, w := range splitList(s) {
		id, err := a.identity.UnitID(ctx, sub.OrgID, w)
		if platform.CodeOf(err) == platform.CodeNotFound {
			return nil, fmt.Errorf("no business unit %q in this organisation", w)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// findUser resolves a user by email or ID within the subject's organisation.
func findUser(ctx context.Context, a *app, sub *platform.Subject, who string) (identity.User, error) {
	if strings.TrimSpace(who) == "" {
		return identity.User{}, badUsage("name the user by email or ID")
	}
	if !strings.Contains(who, "@") {
		u, err := a.identity.GetUser(ctx, sub, who)
		return u, userError(err)
	}
	page, err := a.identity.ListUsers(ctx, sub, identity.UserFilter{Text: who, Limit: 200})
	if err != nil {
		return identity.User{}, userError(err)
	}
	for _, u := range page.Users {
		if strings.EqualFold(u.Email, who) {
			return u, nil
		}
	}
	return identity.User{}, fmt.Errorf("no user %s in this organisation", who)
}

func cmdUserList(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "user list", "")
	var after string
	var limit int
	f.Int(&limit, "limit", "", 50, "users per page (at most 200)")
	f.String(&after, "after", "", "", "cursor printed at the end of the previous page")
	return withOrg(ctx, env, f, args, 0, func(a *app, sub *platform.Subject, _ []string) error {
		page, err := a.identity.ListUsers(ctx, sub, identity.UserFilter{Limit: limit, After: after})
		if err != nil {
			return userError(err)
		}
		if len(page.Users) == 0 {
			fmt.Fprintln(env.stdout, "no users: add one with dbtp user add")
			return nil
		}
		var rows [][]string
		for _, u := range page.Users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			rows = append(rows, []string{u.Email, u.Name, joinRoles(u.Roles), state, u.ID})
		}
		table(env, "EMAIL\tNAME\tROLES\tSTATE\tID", rows)
		if page.Next != "" {
			fmt.Fprintf(env.stdout, "more: add --after %s for the next page\n", page.Next)
		}
		return nil
	})
}

func cmdUserDisable(ctx context.Context, env *cliEnv, args []string) error {
	return withOrgUser(ctx, env, newFlags(env, "user disable", "EMAIL|ID"), args, func(a *app, sub *platform.Subject, u identity.User) error {
		if err := a.identity.DisableUser(ctx, sub, u.ID); err != nil {
			return userError(err)
		}
		fmt.Fprintf(env.stdout, "disabled %s: their sessions have ended and their tokens are revoked\n", u.Email)
		return nil
	})
}

func cmdUserResetPassword(ctx context.Context, env *cliEnv, args []string) error {
	return withOrgUser(ctx, env, newFlags(env, "user reset-password", "EMAIL|ID"), args, func(a *app, sub *platform.Subject, u identity.User) error {
		pw, err := a.identity.ResetPassword(ctx, sub, u.ID)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(env.stdout, "new password for %s: %s\n(shown once)\n", u.Email, pw)
		return nil
	})
}

func cmdAuditVerify(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "audit verify", "")
	var quiet bool
	f.Bool(&quiet, "quiet", "", false, "print only the result line")
	return withApp(ctx, env, f, args, 0, func(a *app, _ []string) error {
		last := time.Now()
		progress := func(done, total int64) {
			if !quiet && time.Since(last) > time.Second {
				last = time.Now()
				fmt.Fprintf(env.stderr, "verified %d of %d entries\n", done, total)
			}
		}
		rep, err := a.audit.Verify(ctx, progress)
		if err != nil {
			if rep.FirstBad >= 0 && rep.Reason != "" {
				more := ""
				if len(rep.Problems) > 0 {
					more = "; also: " + strings.Join(rep.Problems, "; ")
				}
				return fmt.Errorf("audit log FAILED verification: first bad entry is %d of the log of %s: %s%s", rep.FirstBad, rep.Org, rep.Reason, more)
			}
			return fmt.Errorf("audit log FAILED verification: %v", err)
		}
		rate := 0.0
		if rep.Elapsed > 0 {
			rate = float64(rep.Entries) / rep.Elapsed.Seconds()
		}
		fmt.Fprintf(env.stdout, "audit log OK: %d entries in %d organisation logs, %d signed heads checked (%.0f entries/s)\n",
			rep.Entries, len(rep.Logs), rep.Heads, rate)
		if !quiet {
			// Sizes and roots to keep outside the platform: a later run
			// that shows a smaller size or another root for the same size
			// means the log was cut back or rewritten with its heads.
			for _, l := range rep.Logs {
				fmt.Fprintf(env.stdout, "  %s: %d entries, root %s\n", l.Org, l.Size, l.Root)
			}
		}
		return nil
	})
}
