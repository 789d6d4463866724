package main

import (
	"context"
	"fmt"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
)

func cmdTokenCreate(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "token create", "")
	var user, name, scopes string
	var days int
	f.String(&user, "user", "", "", "email or ID of the user the token acts as (required)")
	f.String(&name, "name", "", "", "what the token is for, e.g. \"finance ledger sync\" (required)")
	f.String(&scopes, "scopes", "", "read", "comma-separated scopes: read, write, admin, metrics (GET /metrics only; admins of the host organisation)")
	f.Int(&days, "days", "", 90, "days until the token expires (1 to 365)")
	return withOrg(ctx, env, f, args, 0, func(a *app, sub *platform.Subject, _ []string) error {
		if err := required("token create", "user", user, "name", name); err != nil {
			return err
		}
		if days < 1 || days > 365 {
			return badUsage("--days must be between 1 and 365")
		}
		u, err := findUser(ctx, a, sub, user)
		if err != nil {
			return err
		}
		ct, err := a.identity.CreateTokenFor(ctx, sub, u.ID, identity.NewToken{Name: name, Scopes: splitList(scopes), ExpiresIn: time.Duration(days) * 24 * time.Hour})
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(env.stdout, "token %s for %s, scopes %v, expires %s\n%s\n(shown once: store it in a secret manager now)\n",
			ct.ID, u.Email, ct.Scopes, ct.ExpiresAt.Format(time.DateOnly), ct.Secret)
		return nil
	})
}

func cmdTokenList(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "token list", "")
	var user string
	f.String(&user, "user", "", "", "only this user's tokens (email or ID)")
	return withOrg(ctx, env, f, args, 0, func(a *app, sub *platform.Subject, _ []string) error {
		owner := ""
		if user != "" {
			u, err := findUser(ctx, a, sub, user)
			if err != nil {
				return err
			}
			owner = u.ID
		}
		tokens, err := a.identity.ListOrgTokens(ctx, sub)
		if err != nil {
			return userError(err)
		}
		var rows [][]string
		for _, t := range tokens {
			if owner != "" && t.UserID != owner {
				continue
			}
			state := "active"
			switch {
			case !t.RevokedAt.IsZero():
				state = "revoked"
			case t.ExpiresAt.Before(time.Now()):
				state = "expired"
			}
			last := "never"
			if !t.LastUsedAt.IsZero() {
				last = t.LastUsedAt.Format(time.DateTime) + " from " + t.LastUsedAddr
			}
			rows = append(rows, []string{t.ID, t.Prefix + "…", t.Name, t.UserID, fmt.Sprint(t.Scopes), state, t.ExpiresAt.Format(time.DateOnly), last})
		}
		if len(rows) == 0 {
			fmt.Fprintln(env.stdout, "no tokens: create one with dbtp token create")
			return nil
		}
		table(env, "ID\tSTARTS\tNAME\tUSER\tSCOPES\tSTATE\tEXPIRES\tLAST USED", rows)
		return nil
	})
}

func cmdTokenRevoke(ctx context.Context, env *cliEnv, args []string) error {
	return withOrg(ctx, env, newFlags(env, "token revoke", "TOKEN-ID"), args, 1, func(a *app, sub *platform.Subject, rest []string) error {
		if err := a.identity.RevokeToken(ctx, sub, rest[0]); err != nil {
			return userError(err)
		}
		fmt.Fprintf(env.stdout, "revoked %s\n", rest[0])
		return nil
	})
}
